/*
 * x86_64 trap and interrupt entry: one stub per vector (generated, pushing
 * a zero error code where the CPU pushes none), then a common path that
 * saves the general registers as struct trap_frame and calls trap_dispatch().
 * SDM Vol. 3A, 6.14 (64-bit mode exception and interrupt handling); the
 * vectors with an error code are listed in table 6-1.
 */
    .section .text
    .balign 16
    .globl trap_stubs
trap_stubs:
    vector = 0
    .rept 256
    .balign 16
    .if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30)
    pushq $0
    .endif
    pushq $vector
    jmp trap_common
    vector = vector + 1
    .endr

trap_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    mov %rsp, %rdi
    /* RBP still holds the interrupted code's frame pointer, so a backtrace
     * from the handler walks on into the interrupted code. */
    call trap_dispatch
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp      /* vector and error code */
    iretq
