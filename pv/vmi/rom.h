/*
 * Checking a VMI shim ROM against the ABI (pv/vmi/abi.h), before any of
 * its code runs: the pure part of the VMI personality, host-tested
 * (tests/unit/test_vmi_rom.c).
 */
#ifndef PV_VMI_ROM_H
#define PV_VMI_ROM_H

#include "abi.h"
#include <proteus/types.h>

/* #ifdef, not IS_ENABLED: the unit tests use this on the host, without
 * CONFIG_ flags. */
#ifdef __x86_64__
#define VMI_ARCH_SELF VMI_ARCH_X86_64
#else
#define VMI_ARCH_SELF VMI_ARCH_I386
#endif

/* What the kernel needs of a ROM it accepted. */
struct vmi_rom_info {
    const u8 *rom;              /* where it was found */
    u32 length;                 /* bytes, from the length field */
    struct vmi_rom_header hdr;
    char name[32];
    char license[64];
};

/* Check the ROM at `rom`, of which `avail` bytes may be read, for a kernel
 * of architecture `arch`. 0 and *out filled, or a negative errno with
 * `why` (room for `why_len` bytes) saying what was wrong in one line. */
int vmi_rom_check(const u8 *rom, size_t avail, unsigned arch, struct vmi_rom_info *out,
                  char *why, size_t why_len);

/* Copy the `length` bytes of an accepted ROM into `copy` (room for
 * `copy_size`) and check the copy: what vmi_rom_check returns, with *out
 * describing the copy, so that nothing is read again from where the
 * firmware left the ROM, which the hypervisor may change at any time. */
int vmi_rom_take(const u8 *rom, u32 length, u8 *copy, size_t copy_size, unsigned arch,
                 struct vmi_rom_info *out, char *why, size_t why_len);

/* The ABI's facts about call `n`: its name and flags, or NULL for a number
 * this kernel's ABI does not define. */
const char *vmi_call_name(unsigned n, unsigned *flags);

/* The directive for call `n` of an accepted ROM: ABSENT past ncalls, and
 * for a call added in a later minor version than the ROM's. */
const struct vmi_call *vmi_rom_call(const struct vmi_rom_info *info, unsigned n);

#endif
