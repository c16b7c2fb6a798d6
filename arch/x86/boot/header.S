/*
 * The boot headers every Proteus image carries, for both architectures:
 * a Multiboot 1 header (with the address fields, bit 16, so that loaders
 * accept an ELF64 file: protocol-facts 3.3) and the PVH entry note
 * XEN_ELFNOTE_PHYS32_ENTRY (protocol-facts 3.1). Later personalities add
 * their Xen PV notes beside the PVH one in the same note section.
 */
#include <xen/elfnote.h>

#define MB1_MAGIC 0x1badb002
/* bit 0: page-aligned modules, bit 1: memory map, bit 16: address fields */
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16))

    .section .boot.header, "a"
    .balign 4
    .globl mb1_header
mb1_header:
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)
    .long mb1_header        /* header_addr */
    .long __image_start     /* load_addr */
    .long __data_end        /* load_end_addr */
    .long __bss_end         /* bss_end_addr */
    .long mb1_entry         /* entry_addr */

/* An ELF note: name "Xen", a type, and a 32- or 64-bit value. */
#define XEN_NOTE(type, value_directive, value)                                 \
    .balign 4;                                                                 \
    .long 4;                   /* namesz: "Xen" and its NUL */                 \
    .long 3f - 2f;             /* descsz */                                    \
    .long type;                                                                \
    .asciz "Xen";                                                              \
2:  value_directive value;                                                     \
3:  .balign 4

    .section .note.proteus, "a", @note
    /* QEMU reads the value as a native word on ELF64: give it 8 bytes there. */
#ifdef __x86_64__
    XEN_NOTE(XEN_ELFNOTE_PHYS32_ENTRY, .quad, pvh_entry)
#else
    XEN_NOTE(XEN_ELFNOTE_PHYS32_ENTRY, .long, pvh_entry)
#endif
