/*T:110
 * The boot headers every Proteus image carries, for both architectures:
 * a Multiboot 1 header (with the address fields, bit 16, so that loaders
 * accept an ELF64 file: Multiboot 0.6.96, 3.1.3), the PVH entry note
 * XEN_ELFNOTE_PHYS32_ENTRY (Xen's docs/misc/pvh.pandoc), and the Xen PV
 * notes (Xen's public elfnote.h) that let Xen start the same file as a PV
 * guest at xenpv_entry. VIRT_BASE and PADDR_OFFSET are 0: the
 * image is linked at its physical address, so its PV virtual addresses are
 * its link addresses (Xen's public elfnote.h, XEN_ELFNOTE_VIRT_BASE).
 *
 * So one file has three ways in, and the loader picks one:
 *
 *   loader                            finds              enters at
 *   Multiboot 1 (GRUB, QEMU -kernel)  mb1_header         mb1_entry    arch/x86/<arch>/boot.S
 *   PVH (Xen PVH; QEMU -kernel of     PHYS32_ENTRY note  pvh_entry    arch/x86/<arch>/boot.S
 *     the .pvh.elf copy, whose
 *     Multiboot magic is cleared)
 *   Xen PV (Xen's domain builder)     XEN_ELFNOTE_ENTRY  xenpv_entry  pv/xen/<arch>/boot.S
 *
 * The first two share everything from start32 on (a PVH boot is a
 * Multiboot boot with another information structure); Xen PV starts in a
 * different world (paging on, not ring 0) and has a path of its own until
 * kernel_main.
 */
#include <xen/elfnote.h>
#include <xen/features.h>

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

/* An ELF note: name "Xen", a type, and a value: a number (.long / .quad)
 * or a string (.asciz). */
#define XEN_NOTE(type, value_directive, value)                                 \
    .balign 4;                                                                 \
    .long 4;                   /* namesz: "Xen" and its NUL */                 \
    .long 3f - 2f;             /* descsz */                                    \
    .long type;                                                                \
    .asciz "Xen";                                                              \
2:  value_directive value;                                                     \
3:  .balign 4

#ifdef __x86_64__
#define WORD .quad
#else
#define WORD .long
#endif

    .section .note.proteus, "a", @note
    /* QEMU reads the value as a native word on ELF64: give it 8 bytes there. */
    XEN_NOTE(XEN_ELFNOTE_PHYS32_ENTRY, WORD, pvh_entry)

    XEN_NOTE(XEN_ELFNOTE_GUEST_OS, .asciz, "Proteus")
    XEN_NOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz, "0.1")
    XEN_NOTE(XEN_ELFNOTE_XEN_VERSION, .asciz, "xen-3.0")   /* must start so */
    XEN_NOTE(XEN_ELFNOTE_LOADER, .asciz, "generic")        /* GUEST_OS is not linux */
    XEN_NOTE(XEN_ELFNOTE_VIRT_BASE, WORD, 0)
    XEN_NOTE(XEN_ELFNOTE_PADDR_OFFSET, WORD, 0)
    XEN_NOTE(XEN_ELFNOTE_ENTRY, WORD, xenpv_entry)         /* else Xen jumps to e_entry */
    /* Page tables are updated through hypercalls, never written directly;
     * dom0 is allowed (Xen refuses a dom0 kernel without this bit). */
    XEN_NOTE(XEN_ELFNOTE_SUPPORTED_FEATURES, .long, (1 << XENFEAT_dom0))
#ifndef __x86_64__
    XEN_NOTE(XEN_ELFNOTE_PAE_MODE, .asciz, "yes")          /* PAE only: no 2-level PV */
#endif

