/*
 * IOAPICs: where device interrupt lines (GSIs) become vectors. Registers are
 * reached indirectly: write the index to IOREGSEL (+0x00), then read or
 * write IOWIN (+0x10). Intel 82093AA datasheet, 3.1-3.2: register 0x01
 * bits 23:16 = number of redirection entries - 1; entry n is registers
 * 0x10 + 2n (low) and 0x11 + 2n (high). Entry bits: 7:0 vector, 13 polarity
 * (1 = low), 15 trigger (1 = level), 16 mask, 63:56 destination (physical).
 */
#include <drivers/ioapic.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/spinlock.h>
#include <proteus/vm.h>

#define RTE_MASKED (1u << 16)
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)

struct ioapic {
    volatile u32 *regs;
    u32 gsi_base;
    unsigned entries;
};

static struct ioapic ioapics[MADT_MAX_IOAPICS];
static unsigned count;
static spinlock_t lock = SPINLOCK_INIT;

static u32 rd(struct ioapic *a, u32 reg)
{
    a->regs[0] = reg;
    return a->regs[4];
}

static void wr(struct ioapic *a, u32 reg, u32 val)
{
    a->regs[0] = reg;
    a->regs[4] = val;
}

unsigned ioapic_init(const struct madt_info *m)
{
    for (unsigned i = 0; i < m->n_ioapics; i++) {
        struct ioapic *a = &ioapics[count];
        a->regs = vm_map_device(m->ioapic[i].addr, 0x20, "ioapic");
        if (!a->regs) {
            printk("ioapic: cannot map IOAPIC %u at 0x%x\n", m->ioapic[i].id, m->ioapic[i].addr);
            continue;
        }
        u32 ver = rd(a, 0x01);
        if (ver == 0xffffffff) {
            printk("ioapic: IOAPIC %u at 0x%x does not answer\n", m->ioapic[i].id, m->ioapic[i].addr);
            continue;
        }
        a->entries = ((ver >> 16) & 0xff) + 1;
        a->gsi_base = m->ioapic[i].gsi_base;
        for (unsigned e = 0; e < a->entries; e++) {
            wr(a, 0x10 + 2 * e, RTE_MASKED);
            wr(a, 0x11 + 2 * e, 0);
        }
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
    /* High half first, unmask last (the entry goes live on the low write). */
    wr(a, 0x10 + 2 * pin, RTE_MASKED);
    wr(a, 0x11 + 2 * pin, dest << 24);
    wr(a, 0x10 + 2 * pin, vector | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0));
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
    u32 lo = rd(a, 0x10 + 2 * pin);
    wr(a, 0x10 + 2 * pin, masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
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
    *entry = rd(a, 0x10 + 2 * pin) | (u64)rd(a, 0x11 + 2 * pin) << 32;
    spin_unlock_irqrestore(&lock, f);
    return 0;
}
