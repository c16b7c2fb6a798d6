/*
 * The entries of the calls vmi-native lets the kernel inline (calls.h):
 * each is exactly the inline bytes followed by `ret`, for the call sites
 * where the kernel cannot place the bytes. scripts/mkrom.py checks that
 * the two agree. Written out by hand because a compiler may choose other
 * instructions. Also x86_64's READ_TSC, whose result must be assembled
 * from EDX:EAX into RAX. Register contract: pv/vmi/abi.h.
 */

    .text

    .globl shim_save_flags, shim_restore_flags, shim_disable, shim_enable
    .globl shim_safe_halt, shim_read_tsc

#if defined(__x86_64__)

shim_save_flags:            /* () -> RAX = RFLAGS */
    pushf
    pop %rax
    ret

shim_restore_flags:         /* (RDI = flags) */
    push %rdi
    popf
    ret

/* SET_PTE/PMD/PUD/P4D (RDI = entry pointer, RSI = value): one 8-byte
 * store, which the CPU performs atomically (aligned; SDM Vol. 3A, 8.1.1). */
    .globl shim_set_entry
shim_set_entry:
    mov %rsi, (%rdi)
    ret

shim_read_tsc:              /* () -> RAX = TSC */
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    ret

#else

shim_save_flags:            /* () -> EAX = EFLAGS */
    pushf
    pop %eax
    ret

shim_restore_flags:         /* (EAX = flags) */
    push %eax
    popf
    ret

shim_read_tsc:              /* () -> EDX:EAX = TSC, which is where rdtsc leaves it */
    rdtsc
    ret

#endif

shim_disable:
    cli
    ret

shim_enable:
    sti
    ret

/* sti takes effect after the next instruction, so an interrupt that is
 * already pending is taken in the hlt, not before it: no lost wakeup
 * (SDM Vol. 2B, STI). */
shim_safe_halt:
    sti
    hlt
    ret
