/*
 * IOAPICs: where device interrupt lines (GSIs) become vectors, found in the
 * ACPI MADT. The registers and how an entry is written are <hw/ioapic.h>
 * (Intel 82093AA datasheet), shared with the VMI shim; here, which IOAPIC
 * serves a GSI, and a lock so that index/data pairs never interleave.
 */
#include <drivers/ioapic.h>
#include <hw/ioapic.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/spinlock.h>
#include <proteus/vm.h>

struct ioapic {
    volatile u32 *regs;
    u32 gsi_base;
    unsigned entries;
};

static struct ioapic ioapics[MADT_MAX_IOAPICS];
static unsigned count;
static spinlock_t lock = SPINLOCK_INIT;

unsigned ioapic_init(const struct madt_info *m)
{
    for (unsigned i = 0; i < m->n_ioapics; i++) {
        struct ioapic *a = &ioapics[count];
        a->regs = vm_map_device(m->ioapic[i].addr, 0x20, "ioapic");
        if (!a->regs) {
            printk("ioapic: cannot map IOAPIC %u at 0x%x\n", m->ioapic[i].id, m->ioapic[i].addr);
            continue;
        }
        a->entries = ioapic_reset(a->regs);
        if (!a->entries) {
            printk("ioapic: IOAPIC %u at 0x%x does not answer\n", m->ioapic[i].id, m->ioapic[i].addr);
            continue;
        }
        a->gsi_base = m->ioapic[i].gsi_base;
        count++;
    }
    return count;
}

unsigned ioapic_count(void)
{
    return count;
}

static struct ioapic *find(u32 gsi, unsigned *pin)
{
    for (unsigned i = 0; i < count; i++) {
        if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].entries) {
            *pin = gsi - ioapics[i].gsi_base;
            return &ioapics[i];
        }
    }
    return NULL;
}

int ioapic_route(u32 gsi, u8 vector, bool level, bool active_low, u32 dest)
{
    unsigned pin;
    struct ioapic *a = find(gsi, &pin);
    if (!a)
        return -ENOENT;
    if (vector < 0x10 || vector == 0xff || dest > 0xff)
        return -EINVAL;   /* physical destination mode holds 8 bits */
    unsigned long f = spin_lock_irqsave(&lock);
    u32 lo = vector | (level ? IOAPIC_RTE_LEVEL : 0) | (active_low ? IOAPIC_RTE_ACTIVE_LOW : 0);
    ioapic_set_entry(a->regs, pin, lo, (u8)dest);
    spin_unlock_irqrestore(&lock, f);
    return 0;
}

int ioapic_mask(u32 gsi, bool masked)
{
    unsigned pin;
    struct ioapic *a = find(gsi, &pin);
    if (!a)
        return -ENOENT;
    unsigned long f = spin_lock_irqsave(&lock);
    ioapic_mask_entry(a->regs, pin, masked);
    spin_unlock_irqrestore(&lock, f);
    return 0;
}

int ioapic_read_entry(u32 gsi, u64 *entry)
{
    unsigned pin;
    struct ioapic *a = find(gsi, &pin);
    if (!a)
        return -ENOENT;
    unsigned long f = spin_lock_irqsave(&lock);
    *entry = ioapic_read(a->regs, IOAPIC_RTE_LO(pin)) |
             (u64)ioapic_read(a->regs, IOAPIC_RTE_HI(pin)) << 32;
    spin_unlock_irqrestore(&lock, f);
    return 0;
}
