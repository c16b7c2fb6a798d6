/*
 * rdmsr/wrmsr that return an error instead of faulting when the MSR does
 * not exist (SDM Vol. 4: a #GP(0) on reserved or unimplemented MSRs). The
 * #GP handler finds the instruction in __extable and resumes at the fixup.
 *
 *   int x86_rdmsr_safe(u32 msr, u64 *val)   0, or -EIO (5) after a #GP
 *   int x86_wrmsr_safe(u32 msr, u64 val)
 * They serve directly as the native cpu ops read_msr and write_msr, so on
 * i386 they take their arguments in registers like every op (regparm(3)).
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
    /* i386: regparm(3), as every platform op: EAX, EDX, ECX */
    .globl x86_rdmsr_safe
x86_rdmsr_safe:             /* EAX = msr, EDX = val */
    push %ebx
    mov %edx, %ebx
    mov %eax, %ecx
1:  rdmsr
    mov %eax, (%ebx)
    mov %edx, 4(%ebx)
    xor %eax, %eax
    pop %ebx
    ret
2:  mov $-5, %eax
    pop %ebx
    ret
    EXTABLE(1b, 2b)

    .globl x86_wrmsr_safe
x86_wrmsr_safe:             /* EAX = msr, EDX = low half, ECX = high half */
    xchg %eax, %ecx         /* ECX = msr, EAX = high */
    xchg %eax, %edx         /* EDX = high, EAX = low */
3:  wrmsr
    xor %eax, %eax
    ret
4:  mov $-5, %eax
    ret
    EXTABLE(3b, 4b)
#endif
