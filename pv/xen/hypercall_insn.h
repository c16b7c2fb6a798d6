/*
 * How a PV guest enters Xen for a hypercall: the number in RAX/EAX, then
 * SYSCALL on x86_64 (the kernel runs in ring 3, and Xen takes a SYSCALL
 * from guest kernel mode as a hypercall) or INT 0x82 on i386 (ring 1).
 * Xen's docs/guest-guide/x86/hypercall-abi.rst, "Mode transfer". The
 * kernel issues it itself rather than calling into a hypercall page: that
 * page is "a convenience for guests, but use of the hypercall page is not
 * mandatory" (same document), and without it no image carries 4 KiB of
 * page-aligned text that only Xen fills.
 *
 * Included by C and by assembly.
 */
#ifndef PV_XEN_HYPERCALL_INSN_H
#define PV_XEN_HYPERCALL_INSN_H

#ifdef __x86_64__
#define XEN_HYPERCALL_INSN "syscall"   /* clobbers RCX and R11, as SYSCALL does */
#else
#define XEN_HYPERCALL_INSN "int $0x82"
#endif

#ifdef __ASSEMBLER__
/* A hypercall from assembly: the number in RAX/EAX, then the transfer. */
.macro XEN_HYPERCALL nr
    mov $\nr, %eax
#ifdef __x86_64__
    syscall
#else
    int $0x82
#endif
.endm

/* HYPERVISOR_iret, jumped to with the frame it returns through on the
 * stack; it never comes back. Xen reads, from the top of the stack, what
 * its hypercall page's iret stub would have pushed: x86_64 RAX, R11, RCX
 * above the caller's flags word and the iret frame (Xen's public
 * arch-x86/xen-x86_64.h, struct iret_context); i386 EAX above EIP, CS,
 * EFLAGS (xen/arch/x86/pv/iret.c, compat_iret). */
.macro XEN_IRET
#ifdef __x86_64__
    push %rcx
    push %r11
    push %rax
#else
    push %eax
#endif
    XEN_HYPERCALL __HYPERVISOR_iret
.endm
#endif

#endif
