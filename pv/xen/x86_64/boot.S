/*T:180
 * Where Xen starts a 64-bit PV guest (ELF note XEN_ELFNOTE_ENTRY): long
 * mode, paging on with Xen's bootstrap tables, the kernel in ring 3, events
 * masked, RSI = start_info, RSP at the top of the one-page bootstrap stack
 * (Xen's public xen.h, "Start-of-day"). Xen has zeroed the BSS while loading the image, so
 * the kernel's own boot stack can be used at once. The TSC is read first,
 * as at the native entry, for make bench's boot-time figure.
 *
 * Everything the native stubs had to make, Xen has made: the mode, the
 * page tables (the image, start_info, the P2M list and the tables
 * themselves, mapped at VA == pseudo-physical address, read-only where
 * they are page tables), a stack. What a PV guest may not do is most of
 * what those stubs did: it cannot load a GDT or an IDT itself, nor write
 * CR3 or CR4; so there is no GDT here, and the first act is a trap table
 * registered by hypercall (early_trap.S), the PV form of the early IDT.
 * The i386 entry (pv/xen/i386/boot.S) is the same in 32-bit PAE mode and
 * ring 1, with start_info in ESI.
 *
 *   xen_start(start_info, stack pointer at entry)
 */
    .section .text
    .code64
    .globl xenpv_entry
xenpv_entry:
    cld
    rdtsc
    shl $32, %rdx
    or %rdx, %rax
    mov %rax, boot_tsc(%rip)
    mov %rsi, %r12          /* start_info, kept across the next call */
    mov %rsp, %r13          /* marks the end of Xen's bootstrap region */
    mov $boot_stack_top, %rsp
    call xen_early_traps_install   /* pv/xen/<arch>/early_trap.S */
    call xen_early_unmap_page0
    mov %r12, %rdi
    mov %r13, %rsi
    xor %ebp, %ebp          /* ends the backtrace */
    call xen_start
    ud2
