/*
 * x86_64 trap and interrupt entry on bare hardware: one stub per vector
 * (arch/trap_entry.h), then a common path that saves the general registers
 * as struct trap_frame, calls trap_dispatch() and returns with iretq.
 * SDM Vol. 3A, 6.14 (64-bit mode exception and interrupt handling).
 */
#include <arch/trap_entry.h>

    .section .text
    .balign TRAP_STUB_SIZE
    .globl trap_stubs
trap_stubs:
    vector = 0
    .rept 256
    .balign TRAP_STUB_SIZE
    TRAP_STUB vector, trap_common
    vector = vector + 1
    .endr

trap_common:
    SAVE_TRAP_REGS
    mov %rsp, %rdi
    /* RBP still holds the interrupted code's frame pointer, so a backtrace
     * from the handler walks on into the interrupted code. */
    call trap_dispatch
    RESTORE_TRAP_REGS
    add $16, %rsp      /* vector and error code */
    iretq
