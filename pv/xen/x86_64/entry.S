/*
 * x86_64 Xen PV trap and event entry. The kernel runs in ring 3 and Xen
 * delivers exceptions, software interrupts and the event upcall by
 * building a frame on the current kernel stack: RCX and R11 (which its
 * SYSRET-based return clobbers), then for faults with one the error code,
 * then RIP, CS, RFLAGS, RSP, SS (Xen's
 * xen/arch/x86/x86_64/entry.S, create_bounce_frame). The stubs take RCX
 * and R11 back and join the native frame layout (arch/trap_entry.h), so C
 * sees the same struct trap_frame. CS carries the saved event mask in bits
 * 32-39 and RFLAGS.IF is its inverse.
 *
 * The way back is the iret hypercall rather than iretq: it restores the
 * event mask from RFLAGS.IF in the frame as it returns, so no event can
 * arrive between unmasking and leaving (the window Mini-OS closes with a
 * critical-region fixup). XEN_IRET (pv/xen/hypercall_insn.h) pushes RAX,
 * R11 and RCX, as the stub of Xen's hypercall page would; the
 * caller adds a flags word of 0 (not VGCF_in_syscall) below RIP.
 */
#define __ASSEMBLY__
#include <xen/xen.h>
#include <arch/trap_entry.h>
#include "../hypercall_insn.h"

#define UPCALL_MARK 0x100       /* trap_frame.vector of an event upcall */

    .section .text
    .balign TRAP_STUB_SIZE
    .globl xen_trap_stubs
xen_trap_stubs:
    vector = 0
    .rept 256
    .balign TRAP_STUB_SIZE
    pop %rcx
    pop %r11
    TRAP_STUB vector, xen_trap_common
    vector = vector + 1
    .endr

xen_trap_common:
    SAVE_TRAP_REGS
    mov %rsp, %rdi
    call xen_trap           /* pv/xen/priv_op.c, then trap_dispatch */
    RESTORE_TRAP_REGS
    add $16, %rsp           /* vector and error code */
    pushq $0                /* iret flags: a full return */
    XEN_IRET

/*T:565 CALLBACKTYPE_event: events are masked; the frame has no error
 * code. Where the native path has an IDT gate and a stub per vector, Xen
 * PV has this one entry for all events: Xen builds the bounce frame (RCX,
 * R11, RIP, CS, RFLAGS, RSP, SS) on the kernel stack and jumps here. The
 * entry makes it the native struct trap_frame, with UPCALL_MARK in the
 * vector's place, and calls xen_upcall (pv/xen/events.c), which finds the
 * ports and dispatches their vectors. The way back is the iret hypercall,
 * which restores the event mask from the frame's RFLAGS.IF as it returns.
 * i386 (pv/xen/i386/entry.S) is the same with its same-ring frame. */
    .globl xen_event_entry
xen_event_entry:
    pop %rcx
    pop %r11
    pushq $0
    pushq $UPCALL_MARK
    SAVE_TRAP_REGS
    mov %rsp, %rdi
    call xen_upcall
    RESTORE_TRAP_REGS
    add $16, %rsp
    pushq $0
    XEN_IRET

/* CALLBACKTYPE_failsafe: Xen could not reload a segment register when
 * returning to the kernel. The frame holds the four selectors it tried,
 * DS ES FS GS, between R11 and RIP. They are reported and dropped (Xen
 * has loaded null ones instead); the kernel's %gs base is Xen's to keep. */
    .globl xen_failsafe_entry
xen_failsafe_entry:
    pop %rcx
    pop %r11
    SAVE_TRAP_REGS
    lea 15*8(%rsp), %rdi    /* the four selectors */
    call xen_failsafe
    RESTORE_TRAP_REGS
    add $32, %rsp
    pushq $0
    XEN_IRET
