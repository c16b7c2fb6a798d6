/*
 * drivers/acpi/madt.c against any MADT firmware may provide. The input is
 * the table itself (ACPI 6.5, 5.2.12: a 36-byte SDT header, the local APIC
 * address and flags, then {type, length} entries); its length is the
 * input's, in a heap block of exactly that size, so any read past the end
 * is an ASan report.
 *
 * Invariants:
 *   - -EINVAL exactly when the table is shorter than its 44-byte header,
 *     with *out all zero; 0 otherwise;
 *   - counts against the table length: every counted entry took at least
 *     its minimum size (local APIC 8, I/O APIC 12, override 10 bytes) out
 *     of len - 44, and no entry takes fewer than 2 bytes;
 *     n_ioapics <= MADT_MAX_IOAPICS, n_isos <= MADT_MAX_ISOS,
 *     n_cpus <= MADT_MAX_CPUS; every processor counted is exactly one of
 *     listed, beyond the list, or hot-pluggable; no APIC id listed twice;
 *   - the result equals a walk of the entries made here (ACPI 5.2.12.2,
 *     5.2.12.3, 5.2.12.5, 5.2.12.12), field by field;
 *   - a prefix of the table never yields more of anything;
 *   - madt_isa_irq gives, for every IRQ, the last override for it or
 *     identity, edge, active high.
 */
/* fuzz-sources: drivers/acpi/madt.c */
#include "fuzz.h"

#include <drivers/madt.h>
#include <proteus/errno.h>

#define HEADER 44

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void model_cpu(struct madt_info *m, uint32_t id, uint32_t uid, uint32_t flags)
{
    if (!(flags & 3))
        return;
    for (unsigned i = 0; i < m->n_cpus; i++)
        if (m->cpu[i].apic_id == id)
            return;
    m->n_lapics++;
    if (!(flags & 1))
        m->cpus_hotplug++;
    else if (m->n_cpus == MADT_MAX_CPUS)
        m->cpus_beyond++;
    else
        m->cpu[m->n_cpus++] = (struct madt_cpu){ id, uid };
}

static void model(const uint8_t *t, size_t len, struct madt_info *m)
{
    memset(m, 0, sizeof(*m));
    m->lapic_addr = le32(t + 36);
    m->pcat_compat = t[40] & 1;
    for (size_t off = HEADER; off < len;) {
        size_t elen = len - off >= 2 ? t[off + 1] : 0;
        if (elen < 2 || elen > len - off) {
            m->skipped++;
            break;
        }
        const uint8_t *e = t + off;
        if (e[0] == 0) {
            if (elen >= 8)
                model_cpu(m, e[3], e[2], le32(e + 4));
            else
                m->skipped++;
        } else if (e[0] == 9) {
            if (elen >= 16)
                model_cpu(m, le32(e + 4), le32(e + 12), le32(e + 8));
            else
                m->skipped++;
        } else if (e[0] == 1) {
            if (elen >= 12 && m->n_ioapics < MADT_MAX_IOAPICS)
                m->ioapic[m->n_ioapics++] = (struct madt_ioapic){ e[2], le32(e + 4), le32(e + 8) };
            else
                m->skipped++;
        } else if (e[0] == 2) {
            if (elen >= 10 && e[2] == 0 && m->n_isos < MADT_MAX_ISOS)
                m->iso[m->n_isos++] =
                    (struct madt_iso){ e[3], le32(e + 4), (uint16_t)(e[8] | e[9] << 8) };
            else
                m->skipped++;
        }
        off += elen;
    }
}

static void check_same(const struct madt_info *m, const struct madt_info *w)
{
    FUZZ_CHECK(m->lapic_addr == w->lapic_addr && m->pcat_compat == w->pcat_compat,
               "header fields %#x/%d, the model %#x/%d", m->lapic_addr, m->pcat_compat,
               w->lapic_addr, w->pcat_compat);
    FUZZ_CHECK(m->n_lapics == w->n_lapics && m->n_ioapics == w->n_ioapics &&
                   m->n_isos == w->n_isos && m->skipped == w->skipped,
               "counts lapic %u ioapic %u iso %u skipped %u, the model %u %u %u %u", m->n_lapics,
               m->n_ioapics, m->n_isos, m->skipped, w->n_lapics, w->n_ioapics, w->n_isos,
               w->skipped);
    FUZZ_CHECK(m->n_cpus == w->n_cpus && m->cpus_beyond == w->cpus_beyond &&
                   m->cpus_hotplug == w->cpus_hotplug,
               "processors %u+%u+%u, the model %u+%u+%u", m->n_cpus, m->cpus_beyond,
               m->cpus_hotplug, w->n_cpus, w->cpus_beyond, w->cpus_hotplug);
    for (unsigned i = 0; i < m->n_cpus; i++)
        FUZZ_CHECK(m->cpu[i].apic_id == w->cpu[i].apic_id && m->cpu[i].uid == w->cpu[i].uid,
                   "processor %u differs from the model", i);
    for (unsigned i = 0; i < m->n_ioapics; i++)
        FUZZ_CHECK(m->ioapic[i].id == w->ioapic[i].id && m->ioapic[i].addr == w->ioapic[i].addr &&
                       m->ioapic[i].gsi_base == w->ioapic[i].gsi_base,
                   "I/O APIC %u differs from the model", i);
    for (unsigned i = 0; i < m->n_isos; i++)
        FUZZ_CHECK(m->iso[i].source == w->iso[i].source && m->iso[i].gsi == w->iso[i].gsi &&
                       m->iso[i].flags == w->iso[i].flags,
                   "override %u differs from the model", i);
}

static void check_counts(const struct madt_info *m, size_t len)
{
    size_t body = len - HEADER;
    FUZZ_CHECK(m->n_ioapics <= MADT_MAX_IOAPICS && m->n_isos <= MADT_MAX_ISOS &&
                   m->n_cpus <= MADT_MAX_CPUS,
               "ioapics %u isos %u cpus %u past their tables", m->n_ioapics, m->n_isos, m->n_cpus);
    FUZZ_CHECK(m->n_cpus + m->cpus_beyond + m->cpus_hotplug == m->n_lapics,
               "processors %u listed + %u beyond + %u hot-pluggable != %u counted", m->n_cpus,
               m->cpus_beyond, m->cpus_hotplug, m->n_lapics);
    for (unsigned i = 0; i < m->n_cpus; i++)
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(m->cpu[i].apic_id != m->cpu[j].apic_id, "APIC id %u listed twice",
                       m->cpu[i].apic_id);
    FUZZ_CHECK(8 * (size_t)m->n_lapics + 12 * (size_t)m->n_ioapics + 10 * (size_t)m->n_isos <= body,
               "%u local APICs, %u I/O APICs, %u overrides do not fit in %zu bytes of entries",
               m->n_lapics, m->n_ioapics, m->n_isos, body);
    FUZZ_CHECK((size_t)m->n_lapics + m->n_ioapics + m->n_isos + m->skipped <= body / 2 + 1,
               "%u entries counted in %zu bytes", m->n_lapics + m->n_ioapics + m->n_isos + m->skipped,
               body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct madt_info m, want, part;
    int r = madt_parse(data, size, &m);
    if (size < HEADER) {
        static const struct madt_info zero;
        FUZZ_CHECK(r == -EINVAL, "a %zu-byte table returned %d", size, r);
        FUZZ_CHECK(!memcmp(&m, &zero, sizeof(m)), "a refused table left fields set");
        return 0;
    }
    FUZZ_CHECK(r == 0, "madt_parse returned %d for %zu bytes", r, size);
    check_counts(&m, size);
    model(data, size, &want);
    check_same(&m, &want);

    /* Prefixes: the header alone, half the table, all but one byte. */
    size_t cut[] = { HEADER, HEADER + (size - HEADER) / 2, size - 1 };
    for (unsigned i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
        if (cut[i] < HEADER || cut[i] >= size)
            continue;
        uint8_t *prefix = fuzz_dup(data, cut[i]);   /* exact: reads past it are reported */
        r = madt_parse(prefix, cut[i], &part);
        free(prefix);
        FUZZ_CHECK(r == 0, "prefix of %zu bytes refused", cut[i]);
        FUZZ_CHECK(part.n_lapics <= m.n_lapics && part.n_ioapics <= m.n_ioapics &&
                       part.n_isos <= m.n_isos,
                   "the first %zu bytes give more entries than all %zu", cut[i], size);
    }

    for (unsigned irq = 0; irq < 256; irq++) {
        uint32_t gsi, wgsi = irq;
        bool level, low, wlevel = false, wlow = false;
        for (unsigned i = 0; i < want.n_isos; i++) {
            if (want.iso[i].source != irq)
                continue;
            wgsi = want.iso[i].gsi;
            wlevel = (want.iso[i].flags & 0xc) == 0xc;   /* ACPI table 5.50 */
            wlow = (want.iso[i].flags & 0x3) == 0x3;
        }
        madt_isa_irq(&m, irq, &gsi, &level, &low);
        FUZZ_CHECK(gsi == wgsi && level == wlevel && low == wlow,
                   "IRQ %u: GSI %u level %d low %d, the overrides say %u %d %d", irq, gsi, level,
                   low, wgsi, wlevel, wlow);
    }
    return 0;
}
