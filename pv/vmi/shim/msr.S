/*
 * READ_MSR and WRITE_MSR: rdmsr/wrmsr raise #GP(0) for an MSR the CPU does
 * not have (SDM Vol. 4, chapter 2), and the kernel asked to hear an error
 * instead. Each instruction that may fault is listed in .vmi.fixups
 * (struct vmi_fixup: the instruction, where to resume; pv/vmi/abi.h), and
 * the kernel's trap handler resumes there. The register contract is the
 * ABI's: x86_64 (msr in EDI, pointer or value in RSI), i386 regparm(3)
 * (msr in EAX, then EDX and ECX), result 0 or -EIO (5).
 */
#define FIXUP(insn, resume) \
    .pushsection .vmi.fixups, "a"; .long insn, resume; .popsection

    .section .text
#ifdef __x86_64__
    .globl shim_read_msr
    .hidden shim_read_msr
shim_read_msr:                  /* (u32 msr, u64 *out) */
    mov %edi, %ecx
1:  rdmsr
    mov %eax, (%rsi)
    mov %edx, 4(%rsi)
    xor %eax, %eax
    ret
2:  mov $-5, %eax
    ret
    FIXUP(1b, 2b)

    .globl shim_write_msr
    .hidden shim_write_msr
shim_write_msr:                 /* (u32 msr, u64 value) */
    mov %edi, %ecx
    mov %esi, %eax
    mov %rsi, %rdx
    shr $32, %rdx
3:  wrmsr
    xor %eax, %eax
    ret
4:  mov $-5, %eax
    ret
    FIXUP(3b, 4b)
#else
    .globl shim_read_msr
    .hidden shim_read_msr
shim_read_msr:                  /* (u32 msr: EAX, u64 *out: EDX) */
    mov %eax, %ecx
    push %edx
1:  rdmsr
    pop %ecx
    mov %eax, (%ecx)
    mov %edx, 4(%ecx)
    xor %eax, %eax
    ret
2:  pop %ecx
    mov $-5, %eax
    ret
    FIXUP(1b, 2b)

    .globl shim_write_msr
    .hidden shim_write_msr
shim_write_msr:                 /* (u32 msr: EAX, value: EDX low, ECX high) */
    push %ecx
    mov %eax, %ecx
    mov %edx, %eax
    pop %edx
3:  wrmsr
    xor %eax, %eax
    ret
4:  mov $-5, %eax
    ret
    FIXUP(3b, 4b)
#endif
