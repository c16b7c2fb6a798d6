/*
 * The first steps both entry stubs (arch/x86/<arch>/boot.S) take once
 * they have a stack and their own GDT, in 32-bit protected mode with
 * paging off: the early IDT, so that a fault is reported from here on
 * (early_trap.S); the CPU check (cpu_check.S); the TSC for make bench's
 * boot-time figure; and the EBDA's segment from the BIOS data area, in
 * page 0, which x86_64 never maps at VA 0 once paging is on.
 *
 *   boot_start32(AX = the boot GDT's 32-bit code selector)
 *
 * Preserves EBX, ESI, EDI and EBP (the loader's handover); boot_tsc and
 * boot_ebda_segment live in .data, which the BSS clearing leaves alone.
 */
    .section .boot.text, "ax"
    .code32
    .globl boot_start32
boot_start32:
    push %edi
    call early_idt_init32
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
