/*
 * The first thing both entry stubs do, before any C: check that the CPU
 * has what the build needs, and if it does not, say so on COM1 and end
 * the machine. Without this such a CPU dies silently: the first CMOV
 * (i386 is built with -march=i686) or the write to EFER (x86_64) faults
 * with no IDT, and the machine triple-faults before any message.
 *
 *   i386    CPUID (EFLAGS.ID can be toggled), leaf 1 EDX: FPU (x87 state
 *           is saved per thread), TSC (the clock), CMOV (and FCOMI, which
 *           needs FPU and CMOV): the i686 instructions GCC emits.
 *   x86_64  CPUID leaf 0x80000001 EDX.LM. Long mode implies all of the
 *           above (and PAE), so nothing else is checked.
 *
 * SDM Vol. 2A, CPUID; Vol. 1, 3.4.3.3 (EFLAGS.ID).
 */

#define EFLAGS_ID (1 << 21)
#define CPUID1_EDX_FPU (1 << 0)
#define CPUID1_EDX_TSC (1 << 4)
#define CPUID1_EDX_CMOV (1 << 15)
#define CPUID_EXT_EDX_LM (1 << 29)
#define I686_NEEDS (CPUID1_EDX_FPU | CPUID1_EDX_TSC | CPUID1_EDX_CMOV)

    .section .boot.text, "ax"
    .code32

/* Returns only if the CPU can run this build. Needs a stack; clobbers
 * EAX, EBX, ECX, EDX. */
    .globl boot_check_cpu
boot_check_cpu:
    pushfl
    pop %eax
    mov %eax, %ecx
    xor $EFLAGS_ID, %eax
    push %eax
    popfl
    pushfl
    pop %eax
    push %ecx
    popfl                           /* as it was */
    xor %ecx, %eax
    test $EFLAGS_ID, %eax
    jz refuse                       /* no CPUID at all */
#if CONFIG_ARCH_BITS == 64
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb refuse
    mov $0x80000001, %eax
    cpuid
    test $CPUID_EXT_EDX_LM, %edx
    jz refuse
#else
    xor %eax, %eax
    cpuid
    cmp $1, %eax
    jb refuse
    mov $1, %eax
    cpuid
    and $I686_NEEDS, %edx
    cmp $I686_NEEDS, %edx
    jne refuse
#endif
    ret

/* No C and no console driver: COM1 polled, the panic status on QEMU's
 * isa-debug-exit port, then halt for good (arch/x86/boot/early_trap.S). */
refuse:
    call early_serial_init32
    mov $refuse_msg, %esi
    call early_puts32
    jmp early_exit32

    .section .rodata
refuse_msg:
#if CONFIG_ARCH_BITS == 64
    .asciz "proteus: this x86_64 build needs a 64-bit CPU (CPUID with long mode)\r\n"
#else
    .asciz "proteus: this i386 build needs an i686-class CPU (CPUID with FPU, TSC and CMOV)\r\n"
#endif
