/*
 * Just enough ACPI for APIC_INIT and VCPU_COUNT: find the MADT and read
 * the IOAPICs, the ISA interrupt source overrides and the processors'
 * local APIC ids from it. Firmware tables are read
 * through the kernel's map_phys (the shim has no mappings of its own);
 * every table's length and checksum are checked, and a table that fails
 * is treated as absent, so the worst a bad firmware can do is leave the
 * shim in PIC mode on one CPU. ACPI 6.5: 5.2.5 (RSDP and where to find
 * it), 5.2.6 (table header), 5.2.7-5.2.8 (RSDT, XSDT), 5.2.12 (MADT).
 */
#include "shim.h"

#define HEADER_LEN 36          /* the common table header (5.2.6) */
#define MADT_ENTRIES 44        /* header, local APIC address, flags */
#define MAX_TABLE_LEN (1u << 20)

static u16 get16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }
static u32 get32(const u8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }
static u64 get64(const u8 *p) { return get32(p) | (u64)get32(p + 4) << 32; }

static bool same(const u8 *p, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (p[i] != (u8)s[i])
            return false;
    return true;
}

static bool sum_ok(const u8 *p, u32 len)
{
    u8 sum = 0;
    for (u32 i = 0; i < len; i++)
        sum += p[i];
    return sum == 0;
}

static void complain(const char *what, u64 pa)
{
    struct line l;
    line_init(&l);
    line_str(&l, "ACPI ");
    line_str(&l, what);
    line_str(&l, " at ");
    line_hex(&l, pa);
    line_str(&l, ": ignored");
    line_log(&l);
}

/* The table at `pa` if its signature is `sig` and its length and checksum
 * are sound; NULL otherwise. */
static const u8 *map_table(u64 pa, const char *sig)
{
    if (pa < 4096)
        return NULL;   /* page 0 is never a table (and is not mapped) */
    const u8 *h = shim_map_phys(pa, HEADER_LEN);
    if (!h || !same(h, sig, 4))
        return NULL;
    u32 len = get32(h + 4);
    if (len < HEADER_LEN || len > MAX_TABLE_LEN) {
        complain("table with an implausible length", pa);
        return NULL;
    }
    h = shim_map_phys(pa, len);
    if (!h || !sum_ok(h, len)) {
        complain("table failing its checksum", pa);
        return NULL;
    }
    return h;
}

/* The RSDP: "RSD PTR " on a 16-byte boundary in the BIOS area (5.2.5.1;
 * the other place, the EBDA, is found through page 0, which the kernel
 * does not map). The first 20 bytes (ACPI 1.0) have their own checksum;
 * revision 2 adds a length and an extended checksum over all of it. */
static const u8 *find_rsdp(void)
{
    const u64 lo = 0xe0000, len = 0x20000;
    const u8 *area = shim_map_phys(lo, (unsigned long)len);
    if (!area)
        return NULL;
    for (u32 off = 0; off + 20 <= len; off += 16) {
        const u8 *r = area + off;
        if (same(r, "RSD PTR ", 8) && sum_ok(r, 20))
            return r;
    }
    return NULL;
}

static const u8 *find_madt(void)
{
    const u8 *rsdp = find_rsdp();
    if (!rsdp)
        return NULL;
    const u8 *root = NULL;
    unsigned esize = 4;
    u32 rsdp_len = get32(rsdp + 20);
    if (rsdp[15] >= 2 && rsdp_len >= 36 && rsdp_len <= 1024 && sum_ok(rsdp, rsdp_len)) {
        root = map_table(get64(rsdp + 24), "XSDT");
        esize = 8;
    }
    if (!root) {
        root = map_table(get32(rsdp + 16), "RSDT");
        esize = 4;
    }
    if (!root)
        return NULL;
    u32 n = (get32(root + 4) - HEADER_LEN) / esize;
    for (u32 i = 0; i < n; i++) {
        const u8 *e = root + HEADER_LEN + i * esize;
        const u8 *t = map_table(esize == 8 ? get64(e) : get32(e), "APIC");
        if (t)
            return t;
    }
    return NULL;
}

/* An enabled processor (flags bit 0; bit 1, online-capable, is a CPU that
 * may be added later and is not started), its APIC id once: an x2APIC
 * entry may repeat a local APIC entry's. The shim drives the APIC in
 * xAPIC mode, whose destinations are 8 bits and 0xff is everyone. */
static void add_cpu(struct madt_info *m, u32 apic_id, u32 flags)
{
    if (!(flags & 1))
        return;
    for (unsigned i = 0; i < m->n_cpus; i++)
        if (m->cpu[i] == apic_id)
            return;
    if (apic_id >= 0xff || m->n_cpus >= SHIM_MAX_CPUS)
        m->cpus_left_out++;
    else
        m->cpu[m->n_cpus++] = (u8)apic_id;
}

/* Entries are {type, length, ...}; each length is checked against the
 * table's end and the entry's own size before a field is read. */
static void parse_madt(const u8 *t, struct madt_info *m)
{
    u32 len = get32(t + 4);
    for (u32 off = MADT_ENTRIES; off + 2 <= len;) {
        const u8 *e = t + off;
        if (e[1] < 2 || off + e[1] > len)
            break;   /* malformed: the rest cannot be trusted */
        if (e[0] == 0 && e[1] >= 8) {
            /* processor local APIC: UID, APIC id, flags (5.2.12.2) */
            add_cpu(m, e[3], get32(e + 4));
        } else if (e[0] == 9 && e[1] >= 16) {
            /* processor local x2APIC: reserved, id, flags, UID (5.2.12.12) */
            add_cpu(m, get32(e + 4), get32(e + 8));
        } else if (e[0] == 1 && e[1] >= 12 && m->n_ioapics < SHIM_MAX_IOAPICS) {
            /* I/O APIC: id, reserved, address, GSI base (5.2.12.3) */
            m->ioapic[m->n_ioapics].addr = get32(e + 4);
            m->ioapic[m->n_ioapics].gsi_base = get32(e + 8);
            m->n_ioapics++;
        } else if (e[0] == 2 && e[1] >= 10 && e[2] == 0 && m->n_isos < SHIM_MAX_ISOS) {
            /* interrupt source override, bus 0 = ISA (5.2.12.5) */
            m->iso[m->n_isos].source = e[3];
            m->iso[m->n_isos].gsi = get32(e + 4);
            m->iso[m->n_isos].flags = get16(e + 8);
            m->n_isos++;
        }
        off += e[1];
    }
}

int acpi_read_madt(struct madt_info *m)
{
    m->n_ioapics = 0;
    m->n_isos = 0;
    m->n_cpus = 0;
    m->cpus_left_out = 0;
    const u8 *t = find_madt();
    if (!t)
        return -SHIM_ENODEV;
    parse_madt(t, m);   /* one shorter than its header has no entries */
    return 0;
}
