/*
 * i386 trap and interrupt entry on bare hardware: one stub per vector
 * (arch/trap_entry.h), then a common path that saves the general and data
 * segment registers as struct trap_frame, calls trap_dispatch() and
 * returns with iret. SDM Vol. 3A, 6.12.1.
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
    mov %esp, %eax
    push %eax
    call trap_dispatch
    add $4, %esp
    RESTORE_TRAP_REGS
    add $8, %esp       /* vector and error code */
    iret

/*
 * The double-fault task (a task gate, arch/x86/desc.c): the CPU switched to
 * a fresh TSS and stack and pushed the error code (always 0 for #DF) on it.
 * There is no return: double_fault_task() reports and ends the machine.
 */
    .globl df_task_entry
df_task_entry:
    add $4, %esp            /* the error code */
    xor %ebp, %ebp
    call double_fault_task
1:  hlt
    jmp 1b
