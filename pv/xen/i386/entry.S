/*
 * Where Xen starts a 32-bit PAE PV guest (ELF note XEN_ELFNOTE_ENTRY): PAE
 * paging on with Xen's bootstrap tables, the kernel in ring 1, events
 * masked, ESI = start_info (protocol-facts 2.3). Xen has zeroed the BSS.
 */
    .section .text
    .globl xenpv_entry
xenpv_entry:
    cld
    mov $boot_stack_top, %esp
    xor %ebp, %ebp
    push %esi               /* start_info */
    call xen_start
    ud2
