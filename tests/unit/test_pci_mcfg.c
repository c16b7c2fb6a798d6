/*
 * drivers/pci/mcfg.c: ACPI MCFG tables as QEMU's q35 writes them, and the
 * malformed ones firmware can hold.
 */
/* unit-sources: drivers/pci/mcfg.c */
#include "unit.h"

#include <drivers/pci.h>
#include <proteus/errno.h>

static u8 table[44 + 3 * 16];

static void entry(unsigned i, u64 base, u16 seg, u8 start, u8 end)
{
    u8 *e = table + 44 + 16 * i;
    memcpy(e, &base, 8);
    memcpy(e + 8, &seg, 2);
    e[10] = start;
    e[11] = end;
}

TEST(pci_mcfg_reads_segment_0)
{
    memset(table, 0, sizeof(table));
    entry(0, 0xb0000000, 0, 0, 255);
    struct pci_ecam e;
    CHECK_EQ(pci_mcfg_parse(table, 44 + 16, &e), 0);
    CHECK_EQ(e.base, 0xb0000000);
    CHECK_EQ(e.start_bus, 0);
    CHECK_EQ(e.end_bus, 255);
    /* another segment first */
    entry(0, 0xc0000000, 1, 0, 15);
    entry(1, 0xe0000000, 0, 0, 63);
    CHECK_EQ(pci_mcfg_parse(table, 44 + 32, &e), 0);
    CHECK_EQ(e.base, 0xe0000000);
    CHECK_EQ(e.end_bus, 63);
}

TEST(pci_mcfg_refuses_the_malformed)
{
    struct pci_ecam e = { 1, 2, 3 };
    memset(table, 0, sizeof(table));
    CHECK_EQ(pci_mcfg_parse(table, 43, &e), -EINVAL);          /* no room for entries */
    CHECK_EQ(pci_mcfg_parse(NULL, 60, &e), -EINVAL);
    CHECK_EQ(pci_mcfg_parse(table, 44 + 15, &e), -ENOENT);     /* an entry cut short */
    entry(0, 0xb0000000, 0, 8, 7);                             /* end before start */
    CHECK_EQ(pci_mcfg_parse(table, 44 + 16, &e), -EINVAL);
    entry(0, 0xb0080000, 0, 0, 1);                             /* not 1 MiB aligned */
    CHECK_EQ(pci_mcfg_parse(table, 44 + 16, &e), -EINVAL);
    entry(0, 0xfffffffffff00000ULL, 0, 0, 1);                  /* wraps */
    CHECK_EQ(pci_mcfg_parse(table, 44 + 16, &e), -EINVAL);
    entry(0, 0xb0000000, 2, 0, 1);                             /* segment 2 only */
    CHECK_EQ(pci_mcfg_parse(table, 44 + 16, &e), -ENOENT);
    CHECK_EQ(e.base, 1);   /* untouched */
}
