/*
 * Switching threads: save the callee-saved registers (i386 SysV ABI: ebx,
 * esi, edi, ebp) on the old stack, swap stack pointers, restore them from
 * the new stack. See arch/x86/x86_64/switch.S.
 *
 *   void arch_switch_stack(unsigned long *save_sp, unsigned long new_sp)
 */
    .section .text
    .globl arch_switch_stack
arch_switch_stack:
    mov 4(%esp), %eax       /* save_sp */
    mov 8(%esp), %edx       /* new_sp */
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov %esp, (%eax)
    mov %edx, %esp
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

    .globl thread_trampoline
thread_trampoline:
    xor %ebp, %ebp
    call thread_first_run
    ud2

/* Run fn on the stack that ends at top, never to return: see
 * arch/x86/x86_64/switch.S.
 *
 *   void arch_run_on_stack(unsigned long top, void (*fn)(void))
 */
    .globl arch_run_on_stack
arch_run_on_stack:
    mov 8(%esp), %eax       /* fn */
    mov 4(%esp), %esp       /* top */
    xor %ebp, %ebp
    call *%eax
    ud2
