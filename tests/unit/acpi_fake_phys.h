/*
 * A fake physical memory for host builds of drivers/acpi/acpi.c (the unit
 * test and the fuzzer): vm_map_mmio() maps from it the way the kernel's
 * does, refusing page 0 and ranges that wrap or leave the fake, and every
 * mapping is a fresh heap copy of exactly the length asked for, so that
 * ASan reports a read past what was mapped (issue 11, D4).
 */
#ifndef ACPI_FAKE_PHYS_H
#define ACPI_FAKE_PHYS_H

#include <proteus/types.h>

#define FAKE_PHYS_BASE 0x10000ULL   /* where the fake starts, physically */
#define FAKE_PHYS_SIZE 0x8000ULL

extern u8 fake_phys[FAKE_PHYS_SIZE];
extern unsigned fake_maps;   /* mappings made */

void fake_phys_reset(void);
/* Release the copies made since the last reset. */
void fake_phys_release(void);
/* Set byte `at` of the `len` bytes at `t` so that they sum to 0 (ACPI 6.5,
 * 5.2.5 and 5.2.6: how every table is checksummed). */
void fake_phys_checksum(u8 *t, u32 len, u32 at);

#endif
