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

/* Run fn on the stack that ends at top, never to return: the boot CPU
 * leaves its boot stack this way once the kernel's page tables are in
 * (kernel/main.c).
 *
 *   void arch_run_on_stack(unsigned long top, void (*fn)(void))
 */
    .globl arch_run_on_stack
arch_run_on_stack:
    mov %rdi, %rsp
    xor %ebp, %ebp          /* ends backtraces */
    call *%rsi
    ud2
