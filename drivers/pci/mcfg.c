/*
 * ACPI's MCFG table, which says where PCI Express's memory-mapped
 * configuration space (ECAM) lies (PCI Firmware Specification 3.0, 4.1.2,
 * table 4-2; ACPI 6.5, 5.2.6's signature list): after the 36-byte header
 * and 8 reserved bytes, 16-byte entries of a base address, a segment
 * group, the first and last bus decoded, and 4 reserved bytes. Firmware
 * input, so checked: pure code, host-tested and fuzzed
 * (tests/unit/test_pci_mcfg.c, tests/fuzz/fuzz_pci_mcfg.c).
 */
#include <drivers/pci.h>
#include <proteus/errno.h>
#include <proteus/string.h>

#define MCFG_ENTRIES 44
#define MCFG_ENTRY 16

int pci_mcfg_parse(const void *table, u32 len, struct pci_ecam *e)
{
    const u8 *t = table;
    if (!t || len < MCFG_ENTRIES)
        return -EINVAL;
    for (u32 off = MCFG_ENTRIES; off + MCFG_ENTRY <= len; off += MCFG_ENTRY) {
        u64 base;
        u16 segment;
        memcpy(&base, t + off, 8);
        memcpy(&segment, t + off + 8, 2);
        u8 start = t[off + 10], end = t[off + 11];
        if (segment != 0)
            continue;   /* only segment 0 is scanned */
        /* each bus takes 1 MiB: the base is where bus 0 would be */
        if (end < start || (base & 0xfffff) || base + ((u64)end + 1) * 0x100000 < base)
            return -EINVAL;
        e->base = base;
        e->start_bus = start;
        e->end_bus = end;
        return 0;
    }
    return -ENOENT;
}
