/*
 * Switching threads: save the callee-saved registers (SysV ABI) on the old
 * stack, swap stack pointers, restore them from the new stack. Everything
 * else a thread owns is either caller-saved (already on its stack) or
 * switched in C (FPU state, newlib's reentrancy pointer, the LDT).
 *
 *   void arch_switch_stack(unsigned long *save_sp, unsigned long new_sp)
 *
 * A new thread's stack is laid out by arch_thread_stack_init() to "return"
 * into thread_trampoline, which calls thread_first_run() in C.
 */
    .section .text
    .globl arch_switch_stack
arch_switch_stack:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    .globl thread_trampoline
thread_trampoline:
    xor %ebp, %ebp          /* ends backtraces */
    call thread_first_run   /* never returns */
    ud2
