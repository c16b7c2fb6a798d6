/*
 * i386 trap and interrupt entry: one stub per vector (generated, pushing a
 * zero error code where the CPU pushes none), then a common path that saves
 * the general registers (pusha) and the data segment registers as struct
 * trap_frame and calls trap_dispatch(). SDM Vol. 3A, 6.12.1; error-code
 * vectors: table 6-1.
 */
#define KERNEL_DS 0x10     /* arch/x86/include/arch/desc.h: GDT_KERNEL_DS << 3 */
#define PERCPU_SEL 0x30    /* GDT_PERCPU << 3 */
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

/* The interrupted code may have loaded segment registers of its own (an
 * LDT selector in %fs, say): save all four, run the kernel with its flat
 * data segment and its per-CPU %gs, and put them back on the way out. */
trap_common:
    pusha
    push %ds
    push %es
    push %fs
    push %gs
    cld
    mov $KERNEL_DS, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov $PERCPU_SEL, %eax
    mov %eax, %gs
    mov %esp, %eax
    push %eax
    call trap_dispatch
    add $4, %esp
    pop %gs
    pop %fs
    pop %es
    pop %ds
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
