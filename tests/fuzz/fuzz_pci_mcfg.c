/*
 * drivers/pci/mcfg.c, ACPI's MCFG table (firmware input).
 *
 * Input: the table's bytes, its length the input's.
 * Invariants: it returns 0, -ENOENT or -EINVAL and ends; on 0 the entry
 * it gives has buses in order, a 1 MiB-aligned base and a range that does
 * not wrap; nothing is read past the table (ASan: a heap block of its
 * exact size); a refusal leaves the output alone.
 */
/* fuzz-sources: drivers/pci/mcfg.c */
#include "fuzz.h"

#include <drivers/pci.h>
#include <proteus/errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *t = fuzz_dup(data, size);
    struct pci_ecam e = { 7, 7, 7 };
    int r = pci_mcfg_parse(t, (u32)size, &e);
    FUZZ_CHECK(r == 0 || r == -ENOENT || r == -EINVAL, "returned %d", r);
    if (r == 0) {
        FUZZ_CHECK(e.end_bus >= e.start_bus, "buses %u-%u", e.start_bus, e.end_bus);
        FUZZ_CHECK(!(e.base & 0xfffff), "base %#llx", (unsigned long long)e.base);
        FUZZ_CHECK(e.base + ((u64)e.end_bus + 1) * 0x100000 > e.base, "the range wraps");
    } else {
        FUZZ_CHECK(e.base == 7 && e.start_bus == 7 && e.end_bus == 7, "a refusal wrote the output");
    }
    free(t);
    return 0;
}
