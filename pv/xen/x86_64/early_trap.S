/*
 * Xen PV's early trap table: a PV guest's exceptions go wherever its trap
 * table says, and until the personality's setup_cpu registers the real one
 * (pv/xen/cpu.c, from the IDT) there is none, so Xen would crash the
 * domain with no word from the guest. xenpv_entry registers this table
 * first; its stubs hand the vector, error code and RIP to
 * xen_early_trap() (pv/xen/early_trap.c), which reports them through
 * console_io and crashes the domain itself.
 *
 * Xen's frame (xen/arch/x86/x86_64/entry.S, create_bounce_frame): RCX,
 * R11, then the error code for the vectors that have one, RIP, CS,
 * RFLAGS, RSP, SS. struct trap_info: Xen's public arch-x86/xen.h.
 */
#define __ASSEMBLY__
#include <xen/xen.h>
#include <arch/trap_entry.h>
#include "../hypercall_insn.h"

#define EARLY_VECTORS 32
#define EARLY_STUB_SIZE 16
#define TI_MASK_EVENTS 4        /* TI_SET_IF: events masked on entry */

    .section .text
    .code64
/* Register the table. Clobbers the hypercall's registers (RAX, RCX, R11,
 * RDI) and whatever Xen's ABI lets it. */
    .globl xen_early_traps_install
xen_early_traps_install:
    lea xen_early_traps(%rip), %rdi
    XEN_HYPERCALL __HYPERVISOR_set_trap_table
    ret

/* Xen maps the domain from virtual address 0 (XEN_ELFNOTE_VIRT_BASE 0),
 * page 0 included: take it away now, so that a NULL pointer faults from
 * the first C instruction on (vm_adopt keeps it away). The result is left
 * in xen_page0_unmap_err for xen_start to report. */
    .globl xen_early_unmap_page0
xen_early_unmap_page0:
    xor %edi, %edi          /* VA 0 */
    xor %esi, %esi          /* an empty entry */
    mov $UVMF_INVLPG, %edx
    XEN_HYPERCALL __HYPERVISOR_update_va_mapping
    mov %rax, xen_page0_unmap_err(%rip)
    ret

    .balign EARLY_STUB_SIZE
xen_early_stubs:
    vector = 0
    .rept EARLY_VECTORS
    .balign EARLY_STUB_SIZE
    pop %rcx
    pop %r11
    .if !TRAP_HAS_ERROR(vector)
    pushq $0
    .endif
    pushq $vector
    jmp xen_early_common
    vector = vector + 1
    .endr

xen_early_common:
    cld
    mov (%rsp), %rdi        /* vector */
    mov 8(%rsp), %rsi       /* error code */
    mov 16(%rsp), %rdx      /* RIP */
    and $-16, %rsp
    xor %ebp, %ebp
    call xen_early_trap     /* does not return */
    ud2

    .section .data
    .balign 8
    .globl xen_page0_unmap_err
xen_page0_unmap_err: .quad 0
xen_early_traps:
    vector = 0
    .rept EARLY_VECTORS
    .byte vector, TI_MASK_EVENTS
    .word FLAT_KERNEL_CS
    .long 0
    .quad xen_early_stubs + vector * EARLY_STUB_SIZE
    vector = vector + 1
    .endr
    .quad 0, 0              /* address 0 ends the table */
