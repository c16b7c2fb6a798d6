/*
 * The first bytes of the ROM: the option-ROM prelude a BIOS looks for, the
 * VMI header that tells the kernel where everything is, and the call table
 * (layouts: pv/vmi/abi.h). shim.ld puts this section at offset 0, so the
 * absolute symbol values below are offsets into the ROM. This is the only
 * place where absolute relocations are allowed (scripts/check-shim.py).
 *
 * Bytes left 0 here and set by scripts/mkrom.py:
 *   0x02  the length in 512-byte blocks
 *   0x1f  the checksum byte: chosen so that all length*512 bytes sum to 0
 *         (PCI Firmware Specification 3.0, 5.1.1); it sits in the unused
 *         space before the VMI header, where nothing else reads it
 */
#include "../abi.h"
#include "calls.h"

#if defined(__x86_64__)
#define SHIM_ARCH VMI_ARCH_X86_64
#else
#define SHIM_ARCH VMI_ARCH_I386
#endif

    .section .vmi.rom, "a"
    .globl vmi_rom
vmi_rom:
    .word VMI_ROM_SIGNATURE          /* 0x00 */
    .byte 0                          /* 0x02 length: set by mkrom.py */
    /* 0x03: the BIOS calls this far in real mode during POST (SeaBIOS:
     * for a ROM without a PnP header, as its boot connection vector when
     * it prepares to boot). The shim needs nothing from the BIOS. */
    .byte 0xcb                       /* retf */
    .org vmi_rom + 0x18
    .word 0                          /* no PCI data structure */
    .org vmi_rom + 0x1f
    .byte 0                          /* checksum byte: set by mkrom.py */

    .org vmi_rom + VMI_HEADER_OFFSET
vmi_header:                          /* struct vmi_rom_header */
    .long VMI_MAGIC
    .word VMI_ABI_MAJOR
    .word VMI_ABI_MINOR
    .word vmi_header_end - vmi_header
    .byte SHIM_ARCH
    .byte 0
    .long __shim_image_size          /* shim.ld */
    .long __shim_text_size
    .long __shim_data_offset
    .long __shim_data_size
    .long shim_init
    .long vmi_calls - vmi_rom
    .long VMI_NCALLS_1_0
    .word vmi_name - vmi_rom
    .word vmi_license - vmi_rom
    /* features: the shim runs time on the hardware's TSC and APIC timer,
     * so a clock the hypervisor offers the guest is as good as its own */
    .long VMI_FEATURE_GUEST_CLOCK
    .long __shim_fixups              /* shim.ld: the .vmi.fixups entries */
    .long __shim_nfixups
vmi_header_end:

vmi_name:
    .asciz "vmi-native"
vmi_license:
    .asciz "MIT"

/* The call table: one struct vmi_call {u32 entry; u8 kind; u8 len;
 * u8 bytes[10]} per call number, 16 bytes each. A slot begins with .org,
 * which zero-fills what the previous directive left (len 0, no bytes)
 * and whole slots of numbers VMI_CALL_LIST skips (kind 0: ABSENT). Inline
 * bytes that do not fit would push the next .org backwards, which the
 * assembler refuses (and mkrom.py checks len <= VMI_INLINE_MAX). */
#define SHIM_CALL_TO(fn) .long fn; .byte VMI_CALL_CALL
#define SHIM_INLINE(fn, ...) \
    .long fn; .byte VMI_CALL_INLINE; .byte 2f - 1f; 1: .byte __VA_ARGS__; 2:
#define SHIM_NOP .long 0; .byte VMI_CALL_NOP
#define SHIM_ABSENT .long 0; .byte VMI_CALL_ABSENT
#define SHIM_SLOT(n, name, flags) .org vmi_calls + (n) * 16; SHIM_DO_##name;

    .balign 16
vmi_calls:
    VMI_CALL_LIST(SHIM_SLOT)
    .org vmi_calls + VMI_NCALLS_1_0 * 16
