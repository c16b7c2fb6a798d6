/*
 * The empty kernel for `make bench`: a Multiboot image that ends the
 * machine at its first instruction (status 0 through isa-debug-exit), so
 * that QEMU's own start-up and shut-down cost can be taken out of the
 * figures for hello. Built for both architectures as build/<arch>/empty.elf,
 * and as empty.pvh.elf (Multiboot magic cleared, scripts/mkpvh.py) for the
 * microvm + PVH comparison: its PVH note enters at the same instruction.
 */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4, 4, 18               /* XEN_ELFNOTE_PHYS32_ENTRY (Xen's public elfnote.h) */
    .asciz "Xen"
    .long start

    .section .text
    .code32
    .balign 4
mb1_header:
    .long 0x1badb002
    .long (1 << 16)
    .long -(0x1badb002 + (1 << 16))
    .long mb1_header
    .long mb1_header
    .long 0
    .long 0
    .long start
    .globl start
start:
    mov $0, %al
    outb %al, $0xf4
1:  hlt
    jmp 1b
