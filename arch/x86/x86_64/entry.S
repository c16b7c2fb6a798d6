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

/*T:520 One byte typed on COM1, natively, from the wire to the return:
 *
 *   UART: byte received, INTR rises; MCR OUT2 passes it to ISA IRQ 4
 *   IOAPIC: the pin of GSI 4 sends vector 0x24 to the boot CPU's APIC
 *   local APIC: IRR bit 0x24; once IF=1 and nothing of an equal or
 *     higher class in service, ISR bit 0x24 set, the vector to the CPU
 *   CPU: IDT[0x24], an interrupt gate; pushes SS, RSP, RFLAGS, CS, RIP
 *     (16-byte aligned), clears IF, jumps to the stub
 *   trap_stubs + 0x24 * 16: pushq $0 (no error code), pushq $0x24
 *   trap_common: 15 registers pushed, RSP is a struct trap_frame *
 *     trap_dispatch(f)              arch/x86/traps.c: vector >= 32
 *       irq_dispatch(0x24)          arch/x86/irq.c: count, find handler
 *         serial_input_interrupt    pv/native/console.c
 *           ns16550_rx_irq(off)     the UART lowers INTR
 *           apic_eoi(0x24)          native_eoi -> lapic_eoi: the EOI
 *                                   register; ISR bit 0x24 cleared
 *           console_input_ready()   bytes to the input queue, readers woken
 *       sched_preempt_point(IF)     a woken thread may be switched to here
 *   RESTORE_TRAP_REGS, the vector and error code dropped, iretq: RIP, CS,
 *   RFLAGS (IF on again), RSP, SS back
 *
 * On i386 (arch/x86/i386/entry.S) the same, with the frame of a same-ring
 * interrupt, EFLAGS, CS, EIP only (SDM Vol. 3A, 6.12.1), the segment
 * registers saved too, the frame's address pushed as trap_dispatch's
 * argument, and iret. SDM Vol. 3A, 6.14.2 for the 64-bit frame. */
trap_common:
    SAVE_TRAP_REGS
    mov %rsp, %rdi
    /* RBP still holds the interrupted code's frame pointer, so a backtrace
     * from the handler walks on into the interrupted code. */
    call trap_dispatch
    RESTORE_TRAP_REGS
    add $16, %rsp      /* vector and error code */
    iretq
