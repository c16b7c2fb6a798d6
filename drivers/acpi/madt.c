/*
 * Reading the ACPI MADT ("APIC" table). Entries are variable-length
 * {type, length} records; each length is checked against the table's end
 * and against the entry's own minimum before a field is read, so a
 * malformed table is refused or cut short, never overrun.
 */
#include <drivers/madt.h>
#include <proteus/errno.h>
#include <proteus/printk.h>

#define MADT_HEADER 44   /* SDT header (36) + local APIC address + flags */

static u32 get32(const u8 *p) { return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24; }
static u16 get16(const u8 *p) { return (u16)(p[0] | p[1] << 8); }

/* A processor entry, local APIC or x2APIC alike. */
static void add_cpu(struct madt_info *m, u32 apic_id, u32 uid, u32 flags)
{
    if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
        return;   /* neither usable nor ever to be */
    for (unsigned i = 0; i < m->n_cpus; i++)
        if (m->cpu[i].apic_id == apic_id)
            return;   /* listed already */
    m->n_lapics++;
    if (!(flags & MADT_CPU_ENABLED)) {
        m->cpus_hotplug++;
        return;
    }
    if (m->n_cpus == MADT_MAX_CPUS) {
        m->cpus_beyond++;
        return;
    }
    m->cpu[m->n_cpus].apic_id = apic_id;
    m->cpu[m->n_cpus].uid = uid;
    m->n_cpus++;
}

int madt_parse(const void *table, size_t len, struct madt_info *m)
{
    const u8 *t = table;
    *m = (struct madt_info){ 0 };
    if (len < MADT_HEADER) {
        printk("madt: table of %zu bytes is shorter than its header\n", len);
        return -EINVAL;
    }
    m->lapic_addr = get32(t + 36);
    m->pcat_compat = get32(t + 40) & 1;
    for (size_t off = MADT_HEADER; off < len;) {
        if (off + 2 > len || t[off + 1] < 2 || off + t[off + 1] > len) {
            printk("madt: entry at offset %zu runs past the table (%zu bytes): rest ignored\n",
                   off, len);
            m->skipped++;
            break;
        }
        const u8 *e = t + off;
        u8 type = e[0], elen = e[1];
        switch (type) {
        case 0:   /* processor local APIC: UID, APIC id, flags */
            if (elen < 8) {
                m->skipped++;
                break;
            }
            add_cpu(m, e[3], e[2], get32(e + 4));
            break;
        case 9:   /* processor local x2APIC: reserved, x2APIC id, flags, UID */
            if (elen < 16) {
                m->skipped++;
                break;
            }
            add_cpu(m, get32(e + 4), get32(e + 12), get32(e + 8));
            break;
        case 1:   /* I/O APIC */
            if (elen < 12 || m->n_ioapics == MADT_MAX_IOAPICS) {
                m->skipped++;
                break;
            }
            m->ioapic[m->n_ioapics].id = e[2];
            m->ioapic[m->n_ioapics].addr = get32(e + 4);
            m->ioapic[m->n_ioapics].gsi_base = get32(e + 8);
            m->n_ioapics++;
            break;
        case 2:   /* interrupt source override */
            if (elen < 10 || e[2] != 0 || m->n_isos == MADT_MAX_ISOS) {   /* bus 0 = ISA */
                m->skipped++;
                break;
            }
            m->iso[m->n_isos].source = e[3];
            m->iso[m->n_isos].gsi = get32(e + 4);
            m->iso[m->n_isos].flags = get16(e + 8);
            m->n_isos++;
            break;
        default:
            break;   /* NMI sources, ...: not needed */
        }
        off += elen;
    }
    return 0;
}

void madt_isa_irq(const struct madt_info *m, unsigned irq, u32 *gsi, bool *level, bool *active_low)
{
    *gsi = irq;
    *level = false;
    *active_low = false;
    for (unsigned i = 0; i < m->n_isos; i++) {
        if (m->iso[i].source != irq)
            continue;
        *gsi = m->iso[i].gsi;
        /* "conforms to the bus" (0) means ISA's own: edge, active high */
        *level = (m->iso[i].flags & MPS_TRIGGER_MASK) == MPS_TRIGGER_LEVEL;
        *active_low = (m->iso[i].flags & MPS_POLARITY_MASK) == MPS_POLARITY_LOW;
    }
}
