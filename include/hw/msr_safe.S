/*
 * rdmsr/wrmsr that return an error instead of faulting when the MSR does
 * not exist (SDM Vol. 4, chapter 2: #GP(0) on a reserved or unimplemented
 * MSR): the instruction sequences, written once for the kernel
 * (arch/x86/msr.S: x86_rdmsr_safe, x86_wrmsr_safe, listed in the kernel's
 * exception table) and the VMI shim (pv/vmi/shim/msr.S: READ_MSR and
 * WRITE_MSR, listed in the ROM's .vmi.fixups, which the kernel's trap
 * handler also honours). Included, not built alone; the includer defines
 *
 *   MSR_READ, MSR_WRITE        the two functions' names
 *   MSR_SYMBOL(name)           what else a global symbol needs (visibility)
 *   MSR_FIXUP(insn, resume)    how the faulting instruction is listed
 *
 *   int MSR_READ(u32 msr, u64 *val)    0, or -EIO (5) after a #GP
 *   int MSR_WRITE(u32 msr, u64 val)
 * x86_64: SysV (msr in EDI, pointer or value in RSI); i386: regparm(3), as
 * every platform op and the VMI ABI (msr in EAX, then EDX and ECX).
 */
    .section .text
#ifdef __x86_64__
    .globl MSR_READ
    MSR_SYMBOL(MSR_READ)
MSR_READ:
    mov %edi, %ecx
1:  rdmsr
    mov %eax, (%rsi)
    mov %edx, 4(%rsi)
    xor %eax, %eax
    ret
2:  mov $-5, %eax
    ret
    MSR_FIXUP(1b, 2b)

    .globl MSR_WRITE
    MSR_SYMBOL(MSR_WRITE)
MSR_WRITE:
    mov %edi, %ecx
    mov %esi, %eax
    mov %rsi, %rdx
    shr $32, %rdx
3:  wrmsr
    xor %eax, %eax
    ret
4:  mov $-5, %eax
    ret
    MSR_FIXUP(3b, 4b)
#else
    .globl MSR_READ
    MSR_SYMBOL(MSR_READ)
MSR_READ:                   /* EAX = msr, EDX = val */
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
    MSR_FIXUP(1b, 2b)

    .globl MSR_WRITE
    MSR_SYMBOL(MSR_WRITE)
MSR_WRITE:                  /* EAX = msr, EDX = low half, ECX = high half */
    xchg %eax, %ecx         /* ECX = msr, EAX = high */
    xchg %eax, %edx         /* EDX = high, EAX = low */
3:  wrmsr
    xor %eax, %eax
    ret
4:  mov $-5, %eax
    ret
    MSR_FIXUP(3b, 4b)
#endif
