/*
 * Just enough ACPI to find tables and to power off: the RSDP, the RSDT or
 * XSDT, the FADT's PM1 control blocks, and the \_S5 sleep type from the
 * DSDT. Every table is checksummed before it is trusted; a bad one is
 * reported and skipped. ACPI 6.5: 5.2.5 (RSDP), 5.2.6 (header), 5.2.7-8
 * (RSDT/XSDT), 5.2.9 (FADT), 7.4.2 (\_Sx packages), 20.2.5 (AML encoding).
 */
#include <drivers/acpi.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/string.h>
#include <proteus/vm.h>

static const struct acpi_header *root_table;
static u32 root_length;
static bool root_is_xsdt;
static bool disabled = true;

bool acpi_disabled(void)
{
    return disabled;
}

static bool checksum_ok(const void *p, size_t len)
{
    u8 sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += ((const u8 *)p)[i];
    return sum == 0;
}

/* The shortest each table Proteus reads may be: every field it reads must
 * lie inside the table's own length, whatever the firmware claims. */
static const struct {
    char sig[4];
    u32 min;
} min_lengths[] = {
    { "FACP", 116 },   /* the ACPI 1.0 FADT: up to FLAGS at 112 (5.2.9, table 5.9) */
    { "APIC", 44 },    /* header, local APIC address, flags (5.2.12) */
};

static u32 min_length(const char *sig)
{
    for (unsigned i = 0; i < ARRAY_SIZE(min_lengths); i++)
        if (!memcmp(min_lengths[i].sig, sig, 4))
            return min_lengths[i].min;
    return sizeof(struct acpi_header);
}

/* Map a table (it may sit in memory the e820 map calls reserved) and check
 * it, if it has signature `want` (NULL: any). *len is its length as
 * checked: callers use it rather than read the header again, which the
 * firmware (or a hypervisor) could have changed. The signature is looked
 * at before the checksum so that a search does not sum every table it
 * passes (the DSDT alone is some 8 KiB). */
static const struct acpi_header *map_table(paddr_t pa, const char *want, u32 *len)
{
    if (pa < PAGE_SIZE) {
        if (pa)
            printk("acpi: table pointer 0x%llx is in page 0: ignored\n", (unsigned long long)pa);
        return NULL;
    }
    const struct acpi_header *h = vm_map_mmio(pa, sizeof(*h));
    if (!h) {
        printk("acpi: table at 0x%llx cannot be mapped: ignored\n", (unsigned long long)pa);
        return NULL;
    }
    if (want && memcmp(h->sig, want, 4))
        return NULL;
    u32 n = h->length;
    if (n < sizeof(*h) || n > (1u << 20)) {
        printk("acpi: table at 0x%llx has implausible length %u: ignored\n",
               (unsigned long long)pa, n);
        return NULL;
    }
    /* The whole table may need a mapping of its own, at another address
     * (one crossing a page outside the direct map). */
    h = vm_map_mmio(pa, n);
    if (!h) {
        printk("acpi: table at 0x%llx (%u bytes) cannot be mapped: ignored\n",
               (unsigned long long)pa, n);
        return NULL;
    }
    if (!checksum_ok(h, n)) {
        printk("acpi: table %.4s at 0x%llx fails its checksum: ignored\n", h->sig,
               (unsigned long long)pa);
        return NULL;
    }
    if (n < min_length(h->sig)) {
        printk("acpi: table %.4s at 0x%llx is %u bytes, shorter than the %u its fields need: "
               "ignored\n", h->sig, (unsigned long long)pa, n, min_length(h->sig));
        return NULL;
    }
    *len = n;
    return h;
}

static inline bool starts_with(const char *p, u32 word)
{
    u32 v;
    __builtin_memcpy(&v, p, 4);
    return v == word;
}

const char *acpi_rsdp_scan(const char *c, const char *end)
{
    /* Pointers, not 64-bit physical addresses (the places are below
     * 1 MiB), and the signature's first half as one word: a load and a
     * compare per place. A call to memcmp at each of 8192, or 64-bit
     * arithmetic on i386, was most of the boot's ACPI time. */
    u32 head;
    memcpy(&head, "RSD ", 4);
    while (c + 20 <= end) {
        /* eight places to a loop while none starts with "RSD " (four to
         * a loop were 1,600 instructions more at each boot under QEMU) */
        if (c + 112 + 20 <= end && !starts_with(c, head) && !starts_with(c + 16, head) &&
            !starts_with(c + 32, head) && !starts_with(c + 48, head) &&
            !starts_with(c + 64, head) && !starts_with(c + 80, head) &&
            !starts_with(c + 96, head) && !starts_with(c + 112, head)) {
            c += 128;
            continue;
        }
        if (starts_with(c, head) && !memcmp(c, "RSD PTR ", 8) && checksum_ok(c, 20))
            return c;
        c += 16;
    }
    return NULL;
}

static paddr_t scan_rsdp(paddr_t lo, paddr_t hi)
{
    const char *r = acpi_rsdp_scan(phys_to_virt(lo), phys_to_virt(hi));
    return r ? virt_to_phys_direct(r) : 0;
}

int acpi_init(paddr_t rsdp, paddr_t ebda)
{
    root_table = NULL;   /* nothing from an earlier call survives a failed one */
    root_is_xsdt = false;
    disabled = true;
    if (!rsdp) {
        /* The first KiB of the EBDA, then the BIOS area, 0xE0000-0xFFFFF
         * (ACPI 6.5, 5.2.5.1, which names the two places and no order
         * within them). The F segment first: firmware keeps its tables
         * there (SeaBIOS's RSDP is at 0xF59D0 under QEMU), and the 4096
         * places of the E segment before it were half the boot's firmware
         * step. Any valid RSDP in the area is still found; only where two
         * valid ones exist would this take another than an upward search. */
        if (ebda >= 0x80000 && ebda < 0xa0000)
            rsdp = scan_rsdp(ebda, ebda + 1024);
        if (!rsdp)
            rsdp = scan_rsdp(0xf0000, 0x100000);
        if (!rsdp)   /* up to the place at 0xEFFF0, whose 20 bytes end in F */
            rsdp = scan_rsdp(0xe0000, 0xf0010);
    }
    if (!rsdp) {
        pr_info("acpi: no RSDP found: no ACPI\n");
        return -ENODEV;
    }
    const u8 *r = vm_map_mmio(rsdp, 36);
    if (!r || memcmp(r, "RSD PTR ", 8) || !checksum_ok(r, 20)) {
        printk("acpi: RSDP at 0x%llx is not valid: ACPI not used\n", (unsigned long long)rsdp);
        return -ENODEV;
    }
    u8 revision = r[15];
    u32 rsdt;
    u64 xsdt;
    memcpy(&rsdt, r + 16, 4);
    memcpy(&xsdt, r + 24, 8);
    if (revision >= 2 && xsdt && checksum_ok(r, 36)) {
        root_table = map_table(xsdt, "XSDT", &root_length);
        root_is_xsdt = root_table != NULL;
    }
    if (!root_table)
        root_table = map_table(rsdt, "RSDT", &root_length);
    if (!root_table) {
        printk("acpi: no valid RSDT/XSDT: ACPI not used\n");
        root_table = NULL;
        return -ENODEV;
    }
    disabled = false;
    return 0;
}

const void *acpi_find_table(const char *sig, u32 *len)
{
    if (!root_table)
        return NULL;
    size_t esize = root_is_xsdt ? 8 : 4;
    size_t n = (root_length - sizeof(*root_table)) / esize;
    const u8 *entries = (const u8 *)(root_table + 1);
    for (size_t i = 0; i < n; i++) {
        u64 pa = 0;
        memcpy(&pa, entries + i * esize, esize);
        u32 tlen;
        const struct acpi_header *h = map_table(pa, sig, &tlen);
        if (h) {
            *len = tlen;
            return h;
        }
    }
    return NULL;
}

/* The first value of the \_S5_ package in AML: SLP_TYPa. -1 if not found. */
static int find_s5_type(const struct acpi_header *dsdt, u32 len)
{
    const u8 *aml = (const u8 *)dsdt, *end = aml + len;
    for (const u8 *p = aml + sizeof(*dsdt); p + 8 < end; p++) {
        if (p[0] != '_' || memcmp(p, "_S5_", 4) || p[4] != 0x12)   /* NameString, PackageOp */
            continue;
        if (!(p[-1] == 0x08 || (p[-2] == 0x08 && p[-1] == '\\')))   /* NameOp */
            continue;
        const u8 *q = p + 5;
        q += (*q >> 6) + 1;   /* PkgLength: lead byte bits 7:6 = extra bytes */
        q++;                  /* NumElements */
        if (q >= end)
            return -1;
        if (*q == 0x0a && q + 1 < end)   /* BytePrefix */
            return q[1];
        if (*q == 0x00 || *q == 0x01)    /* ZeroOp, OneOp */
            return *q;
        return *q;
    }
    return -1;
}

int acpi_s5_control(u16 *pm1a_port, u16 *pm1b_port, u16 *value)
{
    u32 flen, dlen;
    const u8 *fadt = acpi_find_table("FACP", &flen);
    if (!fadt)
        return -ENODEV;
    /* Offsets below 116 lie inside every FADT map_table accepts. */
    u32 dsdt32, pm1a, pm1b;
    u64 dsdt64 = 0;
    memcpy(&dsdt32, fadt + 40, 4);
    memcpy(&pm1a, fadt + 64, 4);
    memcpy(&pm1b, fadt + 68, 4);
    if (flen >= 148)
        memcpy(&dsdt64, fadt + 140, 8);   /* X_DSDT, ACPI 2.0 */
    const struct acpi_header *dsdt = map_table(dsdt64 ? dsdt64 : dsdt32, "DSDT", &dlen);
    int slp_typ = dsdt ? find_s5_type(dsdt, dlen) : -1;
    if (slp_typ < 0 || !pm1a || pm1a > 0xffff) {
        printk("acpi: no usable \\_S5 or PM1a control block: cannot power off\n");
        return -ENODEV;
    }
    /* PM1 control register: SLP_TYP bits 12:10, SLP_EN bit 13. */
    *pm1a_port = (u16)pm1a;
    *pm1b_port = pm1b <= 0xffff ? (u16)pm1b : 0;
    *value = (u16)((slp_typ & 7) << 10 | 1 << 13);
    return 0;
}

/* The ACPI power-management timer: FADT PM_TMR_BLK (offset 76) with
 * PM_TMR_LEN 4 (offset 91), a 3.579545 MHz counter of 24 bits, or 32 with
 * FADT flag TMR_VAL_EXT (bit 8 of the flags at offset 112). ACPI 6.5,
 * 4.8.3.3 and table 5.9. Only I/O-port timers are used. */
int acpi_pm_timer(u16 *port, bool *bits32)
{
    u32 flen;
    const u8 *fadt = acpi_find_table("FACP", &flen);
    if (!fadt)
        return -ENODEV;
    u32 blk, flags;
    memcpy(&blk, fadt + 76, 4);
    memcpy(&flags, fadt + 112, 4);
    if (!blk || blk > 0xfffc || fadt[91] != 4)
        return -ENODEV;
    *port = (u16)blk;
    *bits32 = flags & (1u << 8);
    return 0;
}
