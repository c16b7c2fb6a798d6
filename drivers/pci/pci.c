/*
 * The PCI bus, through configuration mechanism #1 (PCI Local Bus
 * Specification 3.0, 3.2.2.3.2): the address of a configuration dword is
 * written to port 0xCF8 (bit 31 enable, bus, device, function, register)
 * and the dword read or written at 0xCFC. Ports go through the platform
 * ops, so this runs natively, under KVM and under the VMI shim alike; a
 * Xen PV domain has no PCI of its own (its devices are on xenbus).
 *
 * The scan starts at bus 0 and follows PCI-to-PCI bridges to their
 * secondary buses (a bus number seen twice is not scanned again, so a
 * bridge that names a bus already scanned cannot loop the scan). Each
 * function found goes into the kernel's device list and to the first
 * driver in pci_drivers[] that matches its ids.
 */
#include <drivers/pci.h>
#include <arch/cpu.h>
#include <drivers/acpi.h>
#include <drivers/lapic.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/spinlock.h>
#include <proteus/string.h>
#include <proteus/vm.h>

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

static spinlock_t config_lock = SPINLOCK_INIT;

/* ECAM where MCFG gives it: each bus's 1 MiB mapped when first used. */
static struct pci_ecam ecam;
static bool have_ecam;
static volatile u8 *ecam_bus[256];

static volatile u32 *ecam_dword(const struct pci_dev *p, u16 off)
{
    if (!have_ecam || p->bus < ecam.start_bus || p->bus > ecam.end_bus)
        return NULL;
    if (!ecam_bus[p->bus]) {
        ecam_bus[p->bus] = vm_map_device(ecam.base + ((u64)p->bus << 20), 1u << 20,
                                         "a PCI bus's configuration space (ECAM)");
        if (!ecam_bus[p->bus])
            return NULL;   /* said; the ports serve this bus */
    }
    return (volatile u32 *)(ecam_bus[p->bus] + ((u32)p->slot << 15 | (u32)p->fn << 12 | (off & 0xffc)));
}

static u32 address(const struct pci_dev *p, u16 off)
{
    return 0x80000000u | (u32)p->bus << 16 | (u32)p->slot << 11 | (u32)p->fn << 8 | (off & 0xfc);
}

u32 pci_read32(const struct pci_dev *p, u16 off)
{
    volatile u32 *e = ecam_dword(p, off);
    if (e)
        return *e;
    unsigned long f = spin_lock_irqsave(&config_lock);
    outl(PCI_CONFIG_ADDRESS, address(p, off));
    u32 v = inl(PCI_CONFIG_DATA);
    spin_unlock_irqrestore(&config_lock, f);
    return v;
}

u16 pci_read16(const struct pci_dev *p, u16 off)
{
    return (u16)(pci_read32(p, off) >> ((off & 2) * 8));
}

u8 pci_read8(const struct pci_dev *p, u16 off)
{
    return (u8)(pci_read32(p, off) >> ((off & 3) * 8));
}

void pci_write32(const struct pci_dev *p, u16 off, u32 v)
{
    volatile u32 *e = ecam_dword(p, off);
    if (e) {
        *e = v;
        return;
    }
    unsigned long f = spin_lock_irqsave(&config_lock);
    outl(PCI_CONFIG_ADDRESS, address(p, off));
    outl(PCI_CONFIG_DATA, v);
    spin_unlock_irqrestore(&config_lock, f);
}

void pci_write16(const struct pci_dev *p, u16 off, u16 v)
{
    volatile u32 *e = ecam_dword(p, off);
    if (e) {
        *(volatile u16 *)((volatile u8 *)e + (off & 2)) = v;
        return;
    }
    unsigned long f = spin_lock_irqsave(&config_lock);
    outl(PCI_CONFIG_ADDRESS, address(p, off));
    outw((u16)(PCI_CONFIG_DATA + (off & 2)), v);
    spin_unlock_irqrestore(&config_lock, f);
}

/* PCI 3.0, 6.2.5.1: the size is found by writing all ones and reading
 * back which bits stick; the BAR is restored after, with decoding off
 * meanwhile so the device never answers at the probe address. */
u64 pci_bar(const struct pci_dev *p, unsigned i, u64 *size, bool *io)
{
    if (i > 5)
        return 0;
    u16 off = (u16)(PCI_BAR0 + 4 * i);
    u32 lo = pci_read32(p, off);
    *io = lo & 1;
    bool is64 = !*io && ((lo >> 1) & 3) == 2;
    if (is64 && i == 5)
        return 0;   /* a 64-bit BAR needs the next one too */
    u16 cmd = pci_read16(p, PCI_COMMAND);
    pci_write16(p, PCI_COMMAND, (u16)(cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY)));
    pci_write32(p, off, 0xffffffffu);
    u32 mask_lo = pci_read32(p, off);
    pci_write32(p, off, lo);
    u32 hi = 0, mask_hi = is64 ? 0xffffffffu : 0;
    if (is64) {
        hi = pci_read32(p, (u16)(off + 4));
        pci_write32(p, (u16)(off + 4), 0xffffffffu);
        mask_hi = pci_read32(p, (u16)(off + 4));
        pci_write32(p, (u16)(off + 4), hi);
    }
    pci_write16(p, PCI_COMMAND, cmd);
    u64 mask = (u64)mask_hi << 32 | (mask_lo & (*io ? ~3u : ~15u));
    if (!*io && !is64)
        mask |= 0xffffffff00000000ULL;
    if (*io)
        mask |= 0xffffffffffff0000ULL;   /* ports are 16 bits */
    u64 base = ((u64)hi << 32 | lo) & (*io ? ~3ULL : ~15ULL);
    *size = mask ? (~mask + 1) : 0;
    if (!*size || !base)
        return 0;
    return base;
}

u8 pci_find_cap(const struct pci_dev *p, u8 id, u8 after)
{
    if (!(pci_read16(p, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return 0;
    u8 off = after ? pci_read8(p, (u16)(after + 1)) : pci_read8(p, PCI_CAPABILITY_LIST);
    for (unsigned hops = 0; hops < 48 && off; hops++) {
        off &= 0xfc;
        if (off < 0x40)
            return 0;   /* inside the standard header: a broken list */
        if (pci_read8(p, off) == id)
            return off;
        off = pci_read8(p, (u16)(off + 1));
    }
    return 0;
}

/* MSI-X capability (PCI 3.0, 6.8.2.1-3): message control at +2 (table
 * size - 1 in bits 10:0, function mask bit 14, enable bit 15), the table's
 * BAR and offset at +4. Each 16-byte table entry: address low, high,
 * data, vector control (bit 0 masked). The message is the local APIC's
 * (SDM Vol. 3A, 11.11.1 and 11.11.2): address 0xFEE00000 with the
 * destination APIC id in bits 19:12, data the vector, fixed, edge. */
int pci_msix_enable(struct pci_dev *p, unsigned entry, unsigned vector)
{
    u8 cap = pci_find_cap(p, PCI_CAP_ID_MSIX, 0);
    if (!cap)
        return -ENODEV;
    u16 ctrl = pci_read16(p, (u16)(cap + 2));
    if (entry > (ctrl & 0x7ffu))
        return -ENODEV;
    u32 where = pci_read32(p, (u16)(cap + 4));
    u64 size;
    bool io;
    u64 bar = pci_bar(p, where & 7, &size, &io);
    u32 offset = where & ~7u;
    if (!bar || io || offset + 16ull * (entry + 1) > size)
        return -ENODEV;
    volatile u32 *table = vm_map_device(bar + offset, 16u * (entry + 1), "an MSI-X table");
    if (!table)
        return -ENOMEM;
    volatile u32 *e = table + 4 * entry;
    u32 apic_id = lapic_id();
    if (apic_id > 0xff)
        return -ENODEV;   /* beyond what an MSI address can name without remapping */
    e[3] = 1;   /* masked while it changes */
    e[0] = 0xfee00000u | apic_id << 12;
    e[1] = 0;
    e[2] = vector;
    e[3] = 0;
    pci_write16(p, PCI_COMMAND, (u16)(pci_read16(p, PCI_COMMAND) | PCI_COMMAND_INTX_DISABLE |
                                      PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY));
    pci_write16(p, (u16)(cap + 2), (u16)((ctrl | 0x8000u) & ~0x4000u));
    return 0;
}

int pci_intx_line(struct pci_dev *p)
{
    u8 l = pci_read8(p, PCI_INTERRUPT_LINE);
    if (l == 0 || l >= 16)
        return -ENODEV;   /* 0xff: none assigned; above 15: not an ISA line */
    return l;
}

int pci_intx_enable(struct pci_dev *p, unsigned line)
{
    int err = apic_route_irq(line, VEC_IRQ_BASE + line);
    if (!err)
        pci_write16(p, PCI_COMMAND, (u16)(pci_read16(p, PCI_COMMAND) & ~PCI_COMMAND_INTX_DISABLE));
    return err;
}

/* `digits` lower-case hex digits of v at p, no NUL. The device names of a
 * scan are built with this, not ksnprintf: two formatted names a device
 * were a twentieth of the boot's instructions (issue 18). */
static void put_hex(char *p, u32 v, unsigned digits)
{
    while (digits--) {
        p[digits] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    }
}

static bool bus_seen[256];

static void scan_bus(u8 bus);

static void scan_function(u8 bus, u8 slot, u8 fn)
{
    struct pci_dev p = { .bus = bus, .slot = slot, .fn = fn };
    p.vendor = pci_read16(&p, PCI_VENDOR_ID);
    if (p.vendor == 0xffff)
        return;
    p.device = pci_read16(&p, PCI_DEVICE_ID);
    p.class_rev = pci_read32(&p, PCI_CLASS_REVISION);
    p.subsystem = pci_read16(&p, PCI_SUBSYSTEM_ID);
    /* "bb:ss.f" and "vvvv:dddd class cccc" */
    char addr[8], ident[21];
    put_hex(addr, bus, 2);
    addr[2] = ':';
    put_hex(addr + 3, slot, 2);
    addr[5] = '.';
    addr[6] = (char)('0' + fn);
    addr[7] = '\0';
    put_hex(ident, p.vendor, 4);
    ident[4] = ':';
    put_hex(ident + 5, p.device, 4);
    memcpy(ident + 9, " class ", 7);
    put_hex(ident + 16, p.class_rev >> 16, 4);
    ident[20] = '\0';
    p.dev = device_add("pci", addr, ident);
    for (unsigned i = 0; pci_drivers[i]; i++) {
        const struct pci_driver *d = pci_drivers[i];
        if (d->vendor != p.vendor || (d->device != 0xffff && d->device != p.device))
            continue;
        const char *state = "up", *name = d->name;
        d->probe(&p, &name, &state);   /* its verdict, good or bad, is in state */
        device_bound(p.dev, name, state);
        break;
    }
    device_report(p.dev);
    u8 header = pci_read8(&p, PCI_HEADER_TYPE);
    if ((header & 0x7f) == 1)   /* a PCI-to-PCI bridge: its secondary bus */
        scan_bus(pci_read8(&p, PCI_SECONDARY_BUS));
}

static void scan_bus(u8 bus)
{
    if (bus_seen[bus])
        return;
    bus_seen[bus] = true;
    for (u8 slot = 0; slot < 32; slot++) {
        struct pci_dev p = { .bus = bus, .slot = slot, .fn = 0 };
        if (pci_read16(&p, PCI_VENDOR_ID) == 0xffff)
            continue;
        bool multi = pci_read8(&p, PCI_HEADER_TYPE) & 0x80;
        for (u8 fn = 0; fn < (multi ? 8 : 1); fn++)
            scan_function(bus, slot, fn);
    }
}

void pci_scan(void)
{
    u32 len;
    const void *mcfg = acpi_find_table("MCFG", &len);
    if (mcfg) {
        int err = pci_mcfg_parse(mcfg, len, &ecam);
        have_ecam = !err;
        if (err)
            printk("pci: ACPI's MCFG table is %s: configuration space through the ports\n",
                   err == -ENOENT ? "without an entry for segment 0" : "malformed");
        else
            pr_info("pci: ECAM at 0x%llx for buses %u-%u (ACPI MCFG)\n",
                    (unsigned long long)ecam.base, ecam.start_bus, ecam.end_bus);
    }
    scan_bus(0);
}
