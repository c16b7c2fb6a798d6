/*T:140
 * The first steps both entry stubs (arch/x86/<arch>/boot.S) take once
 * they have a stack and their own GDT, in 32-bit protected mode with
 * paging off: the BSS check (below); the early IDT, so that a fault is
 * reported from here on (early_trap.S); the CPU check (cpu_check.S); the
 * TSC for make bench's boot-time figure; and the EBDA's segment from the
 * BIOS data area, in page 0, which x86_64 never maps at VA 0 once paging
 * is on.
 *
 *   boot_start32(AX = the boot GDT's 32-bit code selector)
 *
 * Preserves EBX, ESI, EDI and EBP (the loader's handover).
 *
 * The BSS is the loader's to zero, and the kernel does not zero it again.
 * The Multiboot header gives bss_end_addr (arch/x86/boot/header.S), and
 * "the boot loader initializes this area to zero" (Multiboot 0.6.96,
 * 3.1.3); a PVH loader loads the ELF program headers, whose memory beyond
 * p_filesz is zero (ELF gABI, "Program Header": p_memsz); Xen's PV domain
 * builder does the same, and its entry (pv/xen/<arch>/boot.S) never
 * zeroed it. Zeroing it again was 10,000 of i386's boot instructions
 * under -icount and 6,000 of x86_64's (issue 18). A loader that breaks
 * the rule is caught by looking at one word a page of the part that must
 * be zero ([__bss_clear_start, __bss_end): kernel.ld): memory that held
 * anything before is very unlikely to be zero at every one of them. Then
 * that part is zeroed here, and boot_bss_dirty (in .data) has kernel_main
 * say so. The check runs first, before anything is kept in the BSS.
 */
    .section .boot.text, "ax"
    .code32
    .globl boot_start32
boot_start32:
    push %edi
    mov $__bss_clear_start, %edi
1:  cmpl $0, (%edi)
    jne 2f
    add $4096, %edi
    cmp $__bss_end, %edi
    jb 1b
    cmpl $0, __bss_end - 4
    je 3f
2:  movb $1, boot_bss_dirty
    cld
    mov $__bss_clear_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl
3:  call early_idt_init32
    pop %edi
    push %ebx
    call boot_check_cpu
    pop %ebx
    rdtsc
    mov %eax, boot_tsc
    mov %edx, boot_tsc + 4
    movzwl 0x40e, %eax
    mov %eax, boot_ebda_segment
    ret
