/*
 * drivers/acpi/acpi.c against any set of ACPI tables firmware may give
 * (ACPI 6.5, 5.2): the RSDP, an RSDT or XSDT with entries anywhere, and
 * FADT, MADT, DSDT or other tables of any claimed length and content. The
 * fake physical memory of tests/unit/acpi_fake_phys.c hands out every
 * mapping as a heap copy of exactly the length asked for, so a read past
 * a mapping is an ASan report (the i386 bug of reading a table through the
 * mapping of its header).
 *
 * Checksums would stop a fuzzer at the first table, so the harness lays
 * the tables out and sums them itself unless told not to. Input: a flags
 * byte (bit 0: XSDT, else RSDT; bit 1: leave the RSDP's checksum wrong;
 * bit 2: leave every table's checksum wrong; bit 3: leave the FADT's DSDT
 * pointers as given; bits 4-5: how many extra root entries, u64 each,
 * follow); then up to six tables, each: a signature selector (0 FACP,
 * 1 APIC, 2 DSDT, 3 "SSDT", else 4 raw bytes follow), the length the
 * header claims (u16), the number of bytes written (u16, at most the
 * slot), the bytes after the 36-byte header.
 *
 * Invariants:
 *   - acpi_find_table returns a table whose own length field is the
 *     length it reports, at least the minimum for its type (FADT 116,
 *     MADT 44), and that sums to 0;
 *   - acpi_s5_control succeeds only with a non-zero PM1a port and SLP_EN
 *     set in the value; acpi_pm_timer only with a port in 1..0xfffc;
 *   - madt_parse of the MADT found never reports more than the table holds;
 *   - acpi_rsdp_scan over the whole input (a heap copy of its length, as
 *     a BIOS area) returns NULL or a 16-byte place whose 20 bytes lie
 *     inside it, start "RSD PTR " and sum to 0.
 */
/* fuzz-sources: drivers/acpi/acpi.c drivers/acpi/madt.c tests/unit/acpi_fake_phys.c */
#include "fuzz.h"
#include "../unit/acpi_fake_phys.h"

#include <drivers/acpi.h>
#include <drivers/madt.h>
#include <proteus/errno.h>

#define RSDP_AT 0x40
#define ROOT_AT 0x100
#define SLOT0 0x1000
#define SLOT_SIZE 0x1000
#define NTABLES 6

static const char *const sigs[] = { "FACP", "APIC", "DSDT", "SSDT" };

static uint64_t phys(uint32_t off)
{
    return FAKE_PHYS_BASE + off;
}

static void check_table(const char *sig, uint32_t min)
{
    uint32_t len = 0;
    const uint8_t *t = acpi_find_table(sig, &len);
    if (!t)
        return;
    uint32_t own;
    memcpy(&own, t + 4, 4);
    FUZZ_CHECK(!memcmp(t, sig, 4), "asked for %s, got %.4s", sig, (const char *)t);
    FUZZ_CHECK(own == len, "%s: reported length %u, the table says %u", sig, len, own);
    FUZZ_CHECK(len >= min, "%s of %u bytes accepted (minimum %u)", sig, len, min);
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; i++)   /* reads the whole mapping: ASan checks it */
        sum += t[i];
    FUZZ_CHECK(sum == 0, "%s accepted with a bad checksum", sig);
    if (!strcmp(sig, "APIC")) {
        struct madt_info m;
        if (madt_parse(t, len, &m) == 0)
            FUZZ_CHECK((size_t)(m.n_lapics + m.n_ioapics + m.n_isos) * 2 <= len,
                       "MADT of %u bytes gave %u+%u+%u entries", len, m.n_lapics, m.n_ioapics,
                       m.n_isos);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *area = malloc(size ? size : 1);
    if (!area)
        abort();
    memcpy(area, data, size);
    const char *found = acpi_rsdp_scan(area, area + size);
    if (found) {
        uint8_t sum = 0;
        for (int k = 0; k < 20; k++)
            sum = (uint8_t)(sum + (uint8_t)found[k]);
        FUZZ_CHECK((found - area) % 16 == 0 && found + 20 <= area + size &&
                   !memcmp(found, "RSD PTR ", 8) && sum == 0,
                   "RSDP search returned offset %ld of %zu bytes", (long)(found - area), size);
    }
    free(area);

    struct fuzz_in in = fuzz_in(data, size);
    uint8_t flags = fuzz_u8(&in);
    bool xsdt = flags & 1;
    unsigned extra = (flags >> 4) & 3, esize = xsdt ? 8 : 4;
    fake_phys_reset();

    uint64_t entries[NTABLES + 3];
    unsigned n = 0, dsdt_slot = NTABLES;
    for (unsigned i = 0; i < extra; i++)
        entries[n++] = fuzz_u64(&in);
    for (unsigned i = 0; i < NTABLES && fuzz_left(&in) >= 5; i++) {
        uint32_t off = SLOT0 + i * SLOT_SIZE;
        uint8_t *t = fake_phys + off;
        uint8_t which = fuzz_u8(&in);
        if (which < 4) {
            memcpy(t, sigs[which], 4);
        } else {
            for (int k = 0; k < 4; k++)
                t[k] = fuzz_u8(&in);
        }
        uint32_t claimed = fuzz_u16(&in), body = fuzz_u16(&in) % (SLOT_SIZE - 36 + 1);
        memcpy(t + 4, &claimed, 4);
        size_t got;
        const uint8_t *b = fuzz_bytes(&in, body, &got);
        memcpy(t + 36, b, got);
        if (which == 2)
            dsdt_slot = i;
        entries[n++] = phys(off);
    }
    /* the FADT points at the DSDT laid out, unless the input says not to */
    for (unsigned i = 0; i < NTABLES && dsdt_slot < NTABLES && !(flags & 8); i++) {
        uint8_t *t = fake_phys + SLOT0 + i * SLOT_SIZE;
        if (!memcmp(t, "FACP", 4)) {
            uint32_t d32 = (uint32_t)phys(SLOT0 + dsdt_slot * SLOT_SIZE);
            uint64_t d64 = 0;
            memcpy(t + 40, &d32, 4);
            memcpy(t + 140, &d64, 8);
        }
    }
    for (unsigned i = 0; i < NTABLES && !(flags & 4); i++) {
        uint8_t *t = fake_phys + SLOT0 + i * SLOT_SIZE;
        uint32_t len;
        memcpy(&len, t + 4, 4);
        if (len >= 10 && len <= FAKE_PHYS_SIZE - (SLOT0 + i * SLOT_SIZE))
            fake_phys_checksum(t, len, 9);
    }

    uint8_t *root = fake_phys + ROOT_AT;
    uint32_t root_len = 36 + n * esize;
    memcpy(root, xsdt ? "XSDT" : "RSDT", 4);
    memcpy(root + 4, &root_len, 4);
    for (unsigned i = 0; i < n; i++)
        memcpy(root + 36 + i * esize, &entries[i], esize);
    fake_phys_checksum(root, root_len, 9);

    uint8_t *r = fake_phys + RSDP_AT;
    memcpy(r, "RSD PTR ", 8);
    r[15] = xsdt ? 2 : 0;
    uint32_t rsdt = (uint32_t)phys(ROOT_AT);
    uint64_t x = xsdt ? phys(ROOT_AT) : 0;
    memcpy(r + 16, &rsdt, 4);
    memcpy(r + 24, &x, 8);
    fake_phys_checksum(r, 20, 8);
    fake_phys_checksum(r, 36, 32);
    if (flags & 2)
        r[8] ^= 0x55;

    int err = acpi_init(phys(RSDP_AT), 0);
    FUZZ_CHECK(err == 0 || err == -ENODEV, "acpi_init returned %d", err);
    FUZZ_CHECK(acpi_disabled() == (err != 0), "acpi_disabled() disagrees with acpi_init");
    check_table("FACP", 116);
    check_table("APIC", 44);
    check_table("DSDT", 36);
    check_table("SSDT", 36);
    uint16_t a = 0, b = 0, v = 0, port = 0;
    bool ext;
    if (acpi_s5_control(&a, &b, &v) == 0)
        FUZZ_CHECK(a != 0 && (v & (1 << 13)) && !(v & ~(0x1c00 | (1 << 13))),
                   "S5 write %#x to ports %#x/%#x", v, a, b);
    if (acpi_pm_timer(&port, &ext) == 0)
        FUZZ_CHECK(port != 0 && port <= 0xfffc, "PM timer at port %#x", port);
    fake_phys_release();
    return 0;
}
