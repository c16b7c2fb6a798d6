/*
 * rdmsr/wrmsr that return an error instead of faulting when the MSR does
 * not exist (SDM Vol. 4: a #GP(0) on reserved or unimplemented MSRs). The
 * #GP handler finds the instruction in __extable and resumes at the fixup.
 *
 *   int x86_rdmsr_safe(u32 msr, u64 *val)   0, or -EIO (5) after a #GP
 *   int x86_wrmsr_safe(u32 msr, u64 val)
 */
#include <arch/extable.h>

    .section .text
#ifdef __x86_64__
    .globl x86_rdmsr_safe
x86_rdmsr_safe:
    mov %edi, %ecx
1:  rdmsr
    mov %eax, (%rsi)
    mov %edx, 4(%rsi)
    xor %eax, %eax
    ret
2:  mov $-5, %eax
    ret
    EXTABLE(1b, 2b)

    .globl x86_wrmsr_safe
x86_wrmsr_safe:
    mov %edi, %ecx
    mov %esi, %eax
    mov %rsi, %rdx
    shr $32, %rdx
3:  wrmsr
    xor %eax, %eax
    ret
4:  mov $-5, %eax
    ret
    EXTABLE(3b, 4b)
#else
    .globl x86_rdmsr_safe
x86_rdmsr_safe:
    mov 4(%esp), %ecx
1:  rdmsr
    mov 8(%esp), %ecx
    mov %eax, (%ecx)
    mov %edx, 4(%ecx)
    xor %eax, %eax
    ret
2:  mov $-5, %eax
    ret
    EXTABLE(1b, 2b)

    .globl x86_wrmsr_safe
x86_wrmsr_safe:
    mov 4(%esp), %ecx
    mov 8(%esp), %eax
    mov 12(%esp), %edx
3:  wrmsr
    xor %eax, %eax
    ret
4:  mov $-5, %eax
    ret
    EXTABLE(3b, 4b)
#endif
