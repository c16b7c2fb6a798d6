/*
 * i386 trap and interrupt entry: one stub per vector (generated, pushing a
 * zero error code where the CPU pushes none), then a common path that saves
 * the general registers (pusha) as struct trap_frame and calls
 * trap_dispatch(). SDM Vol. 3A, 6.12.1; error-code vectors: table 6-1.
 */
    .section .text
    .balign 16
    .globl trap_stubs
trap_stubs:
    vector = 0
    .rept 256
    .balign 16
    .if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30)
    pushl $0
    .endif
    pushl $vector
    jmp trap_common
    vector = vector + 1
    .endr

trap_common:
    pusha
    cld
    mov %esp, %eax
    push %eax
    call trap_dispatch
    add $4, %esp
    popa
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
