/*
 * drivers/acpi/acpi.c: finding tables from the RSDP and reading the FADT
 * and DSDT for power-off and the PM timer. Firmware (or a hypervisor that
 * builds it) controls every byte, so the cases are mostly bad tables: each
 * must be reported and skipped, never read past (the fake vm_map_mmio of
 * acpi_fake_phys.c makes a read past a mapping an ASan report).
 */
/* unit-sources: drivers/acpi/acpi.c tests/unit/acpi_fake_phys.c */
#include "unit.h"

#include <drivers/acpi.h>
#include <proteus/errno.h>
#include "acpi_fake_phys.h"

#define RSDP_AT 0x100
#define XSDT_AT 0x200
#define FACP_AT 0x400
#define DSDT_AT 0x800

static u64 phys(u32 off) { return FAKE_PHYS_BASE + off; }

static void header(u32 off, const char *sig, u32 len)
{
    u8 *t = fake_phys + off;
    memcpy(t, sig, 4);
    memcpy(t + 4, &len, 4);
    t[8] = 2;
    memcpy(t + 10, "PROTEU", 6);
}

/* A minimal, valid set: RSDP rev 2 -> XSDT -> FACP (rev 1, 116 bytes) ->
 * DSDT with Name(_S5_, Package(){5, 5}). */
static void good_tables(u32 facp_len)
{
    fake_phys_reset();
    unit_log_clear();
    u8 *r = fake_phys + RSDP_AT;
    memcpy(r, "RSD PTR ", 8);
    r[15] = 2;
    u32 len = 36;
    memcpy(r + 20, &len, 4);
    u64 x = phys(XSDT_AT);
    memcpy(r + 24, &x, 8);
    fake_phys_checksum(r, 20, 8);
    fake_phys_checksum(r, 36, 32);

    header(XSDT_AT, "XSDT", 36 + 8);
    u64 f = phys(FACP_AT);
    memcpy(fake_phys + XSDT_AT + 36, &f, 8);
    fake_phys_checksum(fake_phys + XSDT_AT, 44, 9);

    header(FACP_AT, "FACP", facp_len);
    u32 d = (u32)phys(DSDT_AT), pm1a = 0x604, tmr = 0x608;
    if (facp_len >= 44)
        memcpy(fake_phys + FACP_AT + 40, &d, 4);
    if (facp_len >= 68)
        memcpy(fake_phys + FACP_AT + 64, &pm1a, 4);
    if (facp_len >= 80)
        memcpy(fake_phys + FACP_AT + 76, &tmr, 4);
    if (facp_len >= 92)
        fake_phys[FACP_AT + 91] = 4;
    fake_phys_checksum(fake_phys + FACP_AT, facp_len, 9);

    static const u8 aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x05 };
    header(DSDT_AT, "DSDT", 36 + sizeof(aml));
    memcpy(fake_phys + DSDT_AT + 36, aml, sizeof(aml));
    fake_phys_checksum(fake_phys + DSDT_AT, 36 + sizeof(aml), 9);
}

TEST(acpi_good_tables)
{
    good_tables(116);
    CHECK_EQ(acpi_init(phys(RSDP_AT), 0), 0);
    u16 a, b, v, port;
    bool ext;
    CHECK_EQ(acpi_s5_control(&a, &b, &v), 0);
    CHECK_EQ(a, 0x604);
    CHECK_EQ(b, 0);
    CHECK_EQ(v, 5 << 10 | 1 << 13);
    CHECK_EQ(acpi_pm_timer(&port, &ext), 0);
    CHECK_EQ(port, 0x608);
    fake_phys_release();
}

/* Issue 11, D3: a checksummed FACP of 36 bytes. Power-off read the PM1
 * ports from the bytes after it; now the table is refused for its length. */
TEST(acpi_short_fadt_refused)
{
    good_tables(36);
    CHECK_EQ(acpi_init(phys(RSDP_AT), 0), 0);
    u16 a, b, v, port;
    bool ext;
    CHECK_EQ(acpi_s5_control(&a, &b, &v), -ENODEV);
    CHECK(strstr(unit_log, "FACP at 0x10400 is 36 bytes, shorter than the 116") != NULL);
    CHECK_EQ(acpi_pm_timer(&port, &ext), -ENODEV);
    fake_phys_release();
}

/* Issue 11, D2: table addresses the kernel cannot map (near 2^64, above
 * the physical address width) are reported and skipped, not dereferenced. */
TEST(acpi_unmappable_table_skipped)
{
    good_tables(116);
    u64 bad[2] = { 0xfffffffffffff800ULL, 0x700000000000ULL };
    header(XSDT_AT, "XSDT", 36 + 24);
    memcpy(fake_phys + XSDT_AT + 36, bad, 16);
    u64 f = phys(FACP_AT);
    memcpy(fake_phys + XSDT_AT + 52, &f, 8);
    fake_phys_checksum(fake_phys + XSDT_AT, 60, 9);
    CHECK_EQ(acpi_init(phys(RSDP_AT), 0), 0);
    u16 a, b, v;
    CHECK_EQ(acpi_s5_control(&a, &b, &v), 0);   /* the good FACP after them is found */
    CHECK(strstr(unit_log, "table at 0xfffffffffffff800 cannot be mapped") != NULL);
    CHECK(strstr(unit_log, "table at 0x700000000000 cannot be mapped") != NULL);
    fake_phys_release();
}

/* Issue 11, D4: a table is read only through the mapping of its whole
 * length (the fake hands out a separate copy per mapping). */
TEST(acpi_table_read_through_full_mapping)
{
    good_tables(244);   /* a FADT far longer than the header's 36 bytes */
    CHECK_EQ(acpi_init(phys(RSDP_AT), 0), 0);
    u32 len;
    CHECK(acpi_find_table("FACP", &len) != NULL);
    CHECK_EQ(len, 244);
    fake_phys_release();
}

TEST(acpi_bad_checksum_and_lengths)
{
    good_tables(116);
    fake_phys[FACP_AT + 20] ^= 1;   /* checksum now wrong */
    CHECK_EQ(acpi_init(phys(RSDP_AT), 0), 0);
    u16 a, b, v;
    CHECK_EQ(acpi_s5_control(&a, &b, &v), -ENODEV);
    CHECK(strstr(unit_log, "fails its checksum") != NULL);
    fake_phys_release();

    good_tables(116);
    u32 huge = 0x7fffffff;
    memcpy(fake_phys + FACP_AT + 4, &huge, 4);
    CHECK_EQ(acpi_init(phys(RSDP_AT), 0), 0);
    CHECK_EQ(acpi_s5_control(&a, &b, &v), -ENODEV);
    CHECK(strstr(unit_log, "implausible length") != NULL);
    fake_phys_release();
}

TEST(acpi_dsdt_without_s5)
{
    good_tables(116);
    fake_phys[DSDT_AT + 36 + 3] = '4';   /* _S4_ */
    fake_phys_checksum(fake_phys + DSDT_AT, 48, 9);
    CHECK_EQ(acpi_init(phys(RSDP_AT), 0), 0);
    u16 a, b, v;
    CHECK_EQ(acpi_s5_control(&a, &b, &v), -ENODEV);
    CHECK(strstr(unit_log, "cannot power off") != NULL);
    fake_phys_release();
}

/* The RSDP search: 16-byte places only, a whole structure before the end,
 * the checksum over its 20 bytes; the first valid one wins. */
static void put_rsdp(char *at, bool good)
{
    memset(at, 0, 20);
    memcpy(at, "RSD PTR ", 8);
    fake_phys_checksum((u8 *)at, 20, 8);
    if (!good)
        at[9] ^= 1;
}

TEST(acpi_rsdp_scan_places)
{
    static char area[4096] __attribute__((aligned(16)));
    memset(area, 0, sizeof(area));
    CHECK(acpi_rsdp_scan(area, area + sizeof(area)) == NULL);
    put_rsdp(area + 8, true);                  /* not on a 16-byte place */
    put_rsdp(area + 256, false);               /* bad checksum */
    put_rsdp(area + 512 + 16 * 5, true);       /* the first good one */
    put_rsdp(area + 1024, true);
    CHECK(acpi_rsdp_scan(area, area + sizeof(area)) == area + 512 + 16 * 5);
    /* one that would end past `end` is not read, one that fits is found */
    memset(area, 0, sizeof(area));
    put_rsdp(area + 4096 - 32, true);
    CHECK(acpi_rsdp_scan(area, area + 4096 - 13) == NULL);
    CHECK(acpi_rsdp_scan(area, area + 4096 - 12) == area + 4096 - 32);
    /* the four-a-loop fast path and the single steps agree at every place */
    for (unsigned at = 0; at + 20 <= 1024; at += 16) {
        memset(area, 0, 1024 + 64);
        put_rsdp(area + at, true);
        CHECK(acpi_rsdp_scan(area, area + 1024) == area + at);
    }
}

