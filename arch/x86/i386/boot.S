/*
 * i386 start of day for the Multiboot 1 and PVH entries. Both arrive in
 * 32-bit protected mode with paging off; the kernel runs its first C code
 * that way (addresses are physical and the image is linked at its physical
 * address) and turns paging on in C once it knows whether the CPU has PAE.
 *
 * boot_entry(kind, magic, info): see arch/x86/x86_64/boot.S.
 */
#include <arch/boot.h>

    .section .boot.text, "ax"

    .globl mb1_entry
mb1_entry:
    cli
    mov $BOOT_ENTRY_MB1, %ebp
    mov %eax, %esi
    jmp start32

    .globl pvh_entry
pvh_entry:
    cli
    mov $BOOT_ENTRY_PVH, %ebp
    xor %esi, %esi          /* C reads the magic at EBX, once it is known readable */
    jmp start32

start32:
    /* Multiboot and PVH leave ESP undefined (Multiboot 0.6.96, 3.2: GDTR too):
     * the boot stack, and our own GDT before touching a segment register. */
    mov $boot_stack_top, %esp
    lgdt boot_gdtr
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    ljmp $0x08, $1f
1:
    /* The early IDT (any fault from here on is reported), the CPU check,
     * the TSC and the EBDA pointer: arch/x86/boot/start32.S. */
    mov $0x08, %eax
    call boot_start32
    /* CR0.NE (native x87 error reporting) from the start: VMX requires it
     * set, and a nested KVM refuses a later CR0 write that leaves it clear.
     * The rest of the FPU and SSE set-up as cpu_enable_fpu (arch/x86/cpu.c)
     * leaves it, so that its writes change nothing: QEMU's TCG keeps each
     * translated block per CR0.MP/EM/TS and CR4.OSFXSR, and changing them
     * in step 4 had every block the boot ran before translated again
     * (issue 18). CR0: MP set, EM and TS clear (SDM Vol. 3A, 9.2); CR4's
     * OSFXSR and OSXMMEXCPT where CPUID 1 reports FXSR and SSE (EDX bits
     * 24 and 25; 13.1). boot_start32 has checked that CPUID exists. */
    mov %cr0, %eax
    and $~0xc, %eax
    or $0x22, %eax
    mov %eax, %cr0
    push %ebx
    mov $1, %eax
    cpuid
    pop %ebx
    and $0x03000000, %edx
    cmp $0x03000000, %edx
    jne 3f
    mov %cr4, %eax
    or $0x600, %eax
    mov %eax, %cr4
3:
    /*T:165 Where i386 differs from x86_64: no page tables and no mode
     * switch here. The loader's 32-bit protected mode is what the kernel
     * runs in, and paging stays off until vm_init in boot step 4, which
     * decides between PAE and 2-level paging once it knows the CPU
     * (arch/x86/paging.c). So boot_entry(kind, magic, info) is called at
     * once, its arguments on the stack (the i386 C convention; x86_64
     * passes them in EDI, ESI, EDX), with the BSS the loader's zeroes
     * (arch/x86/boot/start32.S). */
    push %ebx               /* info */
    push %esi               /* magic */
    push %ebp               /* kind */
    xor %ebp, %ebp          /* a zero frame pointer ends the backtrace */
    call boot_entry
2:  hlt
    jmp 2b

    .section .rodata
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* 0x08: flat 32-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: flat data */
boot_gdt_end:
boot_gdtr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    /* The boot stack, used only until the kernel's page tables are in:
     * kernel_main then moves to a stack from the stack window and gives
     * its frames to the frame allocator (kernel.ld, .bss..boot_only). It
     * is written before it is read. */
    .section .bss..boot_only, "aw", @nobits
    .balign 4096
    .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom: .space 16384
boot_stack_top:
