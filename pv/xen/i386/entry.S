/*
 * i386 (PAE) Xen PV trap and event entry. The kernel runs in ring 1 and
 * Xen delivers exceptions, software interrupts and the event upcall with
 * the frame a same-ring interrupt would have: [error code], EIP, CS,
 * EFLAGS (Xen's compat_create_bounce_frame), with the saved event mask in CS bits 16-23
 * and EFLAGS.IF its inverse. So the stubs and frame are the native ones
 * (arch/trap_entry.h); only the way back differs: the iret hypercall,
 * which restores the event mask from EFLAGS.IF as it returns (see
 * pv/xen/x86_64/entry.S). XEN_IRET (pv/xen/hypercall_insn.h) pushes EAX,
 * as the stub of Xen's hypercall page would; Xen then reads EAX, EIP,
 * CS, EFLAGS (xen/arch/x86/pv/iret.c, compat_iret).
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
    XEN_IRET

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
    XEN_IRET

/* CALLBACKTYPE_failsafe: Xen could not reload a segment register when
 * returning to the interrupted code (an app cleared the LDT entry its %fs
 * names, say). The frame is DS ES FS GS, EIP, CS, EFLAGS. The selectors
 * are reported, then put in the slots SAVE_TRAP_REGS saved, so that
 * RESTORE_TRAP_REGS loads each again: one that still cannot be loaded
 * becomes the null selector (POP_SEG's fixup), the outcome the kernel's
 * own trap path gives, whichever of the two met the stale selector. */
    .globl xen_failsafe_entry
xen_failsafe_entry:
    SAVE_TRAP_REGS
    lea 48(%esp), %eax      /* the four selectors, above pusha and 4 segments */
    push %eax
    call xen_failsafe
    add $4, %esp
    mov 48(%esp), %eax      /* Xen's DS, ES, FS, GS into the saved slots */
    mov %eax, 12(%esp)
    mov 52(%esp), %eax
    mov %eax, 8(%esp)
    mov 56(%esp), %eax
    mov %eax, 4(%esp)
    mov 60(%esp), %eax
    mov %eax, 0(%esp)
    RESTORE_TRAP_REGS
    add $16, %esp           /* Xen's copies of them */
    XEN_IRET
