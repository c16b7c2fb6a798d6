/*
 * Xen PV's early trap table, 32-bit PAE guest (see pv/xen/x86_64/early_trap.S
 * for why). The kernel runs in ring 1, so Xen's frame is the hardware's
 * for an exception without a privilege change: the error code for the
 * vectors that have one, EIP, CS, EFLAGS (xen/arch/x86/x86_64/compat/entry.S,
 * compat_create_bounce_frame). struct trap_info: Xen's public arch-x86/xen.h.
 */
#define __ASSEMBLY__
#include <xen/xen.h>
#include <arch/trap_entry.h>
#include "../hypercall_insn.h"

#define EARLY_VECTORS 32
#define EARLY_STUB_SIZE 16
#define TI_MASK_EVENTS 4        /* TI_SET_IF: events masked on entry */

    .section .text
/* Register the table. Clobbers EAX, EBX and whatever Xen's ABI lets it. */
    .globl xen_early_traps_install
xen_early_traps_install:
    push %ebx
    mov $xen_early_traps, %ebx
    XEN_HYPERCALL __HYPERVISOR_set_trap_table
    pop %ebx
    ret

/* Page 0 away at once (see pv/xen/x86_64/early_trap.S); a PAE entry is
 * two argument registers. Clobbers EAX, ECX, EDX. */
    .globl xen_early_unmap_page0
xen_early_unmap_page0:
    push %ebx
    push %esi
    xor %ebx, %ebx          /* VA 0 */
    xor %ecx, %ecx          /* an empty entry: low ... */
    xor %edx, %edx          /* ... and high half */
    mov $UVMF_INVLPG, %esi
    XEN_HYPERCALL __HYPERVISOR_update_va_mapping
    mov %eax, xen_page0_unmap_err
    pop %esi
    pop %ebx
    ret

    .balign EARLY_STUB_SIZE
xen_early_stubs:
    vector = 0
    .rept EARLY_VECTORS
    .balign EARLY_STUB_SIZE
    .if !TRAP_HAS_ERROR(vector)
    pushl $0
    .endif
    pushl $vector
    jmp xen_early_common
    vector = vector + 1
    .endr

xen_early_common:
    cld
    mov (%esp), %ecx        /* vector */
    mov 4(%esp), %edx       /* error code */
    mov 8(%esp), %eax       /* EIP */
    xor %ebp, %ebp
    push %eax
    push %edx
    push %ecx
    call xen_early_trap     /* does not return */
    ud2

    .section .data
    .balign 4
    .globl xen_page0_unmap_err
xen_page0_unmap_err: .long 0
xen_early_traps:
    vector = 0
    .rept EARLY_VECTORS
    .byte vector, TI_MASK_EVENTS
    .word FLAT_KERNEL_CS
    .long xen_early_stubs + vector * EARLY_STUB_SIZE
    vector = vector + 1
    .endr
    .long 0, 0              /* address 0 ends the table */
