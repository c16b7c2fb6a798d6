/*
 * i386 (PAE) Xen PV trap and event entry. The kernel runs in ring 1 and
 * Xen delivers exceptions, software interrupts and the event upcall with
 * the frame a same-ring interrupt would have: [error code], EIP, CS,
 * EFLAGS (Xen's compat_create_bounce_frame), with the saved event mask in CS bits 16-23
 * and EFLAGS.IF its inverse. So the stubs and frame are the native ones
 * (arch/trap_entry.h); only the way back differs: the iret hypercall,
 * which restores the event mask from EFLAGS.IF as it returns (see
 * pv/xen/x86_64/entry.S). Its stub pushes EAX; Xen then reads EAX, EIP,
 * CS, EFLAGS (xen/arch/x86/pv/iret.c, compat_iret).
 */
#include <arch/trap_entry.h>

#define HYPERVISOR_IRET 23      /* Xen's public xen.h, __HYPERVISOR_iret */
#define XEN_IRET (hypercall_page + HYPERVISOR_IRET * 32)
#define UPCALL_MARK 0x100       /* trap_frame.vector of an event upcall */

    .section .text
    .balign TRAP_STUB_SIZE
    .globl xen_trap_stubs
xen_trap_stubs:
    vector = 0
    .rept 256
    .balign TRAP_STUB_SIZE
    TRAP_STUB vector, xen_trap_common
    vector = vector + 1
    .endr

xen_trap_common:
    SAVE_TRAP_REGS
    mov %esp, %eax
    push %eax
    call xen_trap           /* pv/xen/priv_op.c, then trap_dispatch */
    add $4, %esp
    RESTORE_TRAP_REGS
    add $8, %esp            /* vector and error code */
    jmp XEN_IRET

/* CALLBACKTYPE_event: events are masked; the frame has no error code. */
    .globl xen_event_entry
xen_event_entry:
    pushl $0
    pushl $UPCALL_MARK
    SAVE_TRAP_REGS
    mov %esp, %eax
    push %eax
    call xen_upcall
    add $4, %esp
    RESTORE_TRAP_REGS
    add $8, %esp
    jmp XEN_IRET

/* CALLBACKTYPE_failsafe: Xen could not reload a segment register when
 * returning to the kernel. The frame is DS ES FS GS, EIP, CS, EFLAGS: the
 * selectors are reported and dropped, and the kernel's own (loaded by
 * SAVE_TRAP_REGS) stay in force. */
    .globl xen_failsafe_entry
xen_failsafe_entry:
    SAVE_TRAP_REGS
    lea 48(%esp), %eax      /* the four selectors, above pusha and 4 segments */
    push %eax
    call xen_failsafe
    add $4, %esp
    add $16, %esp           /* keep the kernel's segment registers */
    popa
    add $16, %esp           /* the selectors Xen could not load */
    jmp XEN_IRET
