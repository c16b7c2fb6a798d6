/*
 * Where Xen starts a 64-bit PV guest (ELF note XEN_ELFNOTE_ENTRY): long
 * mode, paging on with Xen's bootstrap tables, the kernel in ring 3, events
 * masked, RSI = start_info, RSP at the top of a one-page stack
 * (protocol-facts 2.3). Xen has zeroed the BSS while loading the image, so
 * the boot stack can be used at once.
 */
    .section .text
    .code64
    .globl xenpv_entry
xenpv_entry:
    cld
    mov $boot_stack_top, %rsp
    mov %rsi, %rdi          /* start_info */
    xor %ebp, %ebp          /* ends the backtrace */
    call xen_start
    ud2
