/*
 * Where Xen starts a 32-bit PAE PV guest (ELF note XEN_ELFNOTE_ENTRY): PAE
 * paging on with Xen's bootstrap tables, the kernel in ring 1, events
 * masked, ESI = start_info, ESP at the top of the one-page bootstrap stack
 * (Xen's public xen.h, "Start-of-day"). Xen has zeroed the BSS. The TSC is read first, as
 * at the native entry, for make bench's boot-time figure.
 *
 *   xen_start(start_info, stack pointer at entry)
 */
    .section .text
    .globl xenpv_entry
xenpv_entry:
    cld
    rdtsc
    mov %eax, boot_tsc
    mov %edx, boot_tsc + 4
    mov %esp, %ecx          /* marks the end of Xen's bootstrap region */
    mov $boot_stack_top, %esp
    xor %ebp, %ebp
    push %ecx
    push %esi               /* start_info */
    call xen_early_traps_install   /* pv/xen/<arch>/early_trap.S */
    call xen_early_unmap_page0
    call xen_start
    ud2
