/*
 * The virtio PCI transport (include/drivers/virtio_pci.h; VIRTIO 1.2,
 * 4.1), modern interface, and the legacy one for a device that has only
 * that. A virtio device's registers live in its BARs, at
 * places named by vendor-specific PCI capabilities (4.1.4): the common
 * configuration (features, status, queues), the notification area, the
 * ISR byte and the device's own configuration. Each capability is
 * checked to lie inside its BAR before the BAR is mapped.
 *
 * Initialisation follows 3.1.1: reset, ACKNOWLEDGE, DRIVER, features,
 * FEATURES_OK (read back: the device may refuse), the queues, DRIVER_OK.
 * A transitional device (QEMU's default virtio-net-pci, id 0x1000) has
 * these capabilities too and is driven the same way. A legacy-only one
 * (QEMU's disable-modern=on: no capabilities) is driven through its I/O
 * BAR, 4.1.4.10 ("Legacy Interfaces: A Note on PCI Device Layout"): 32
 * feature bits, the queue size the device's (the driver cannot choose),
 * and each queue one guest-physical area, descriptors, available ring
 * and, at the next 4096-byte boundary, the used ring (2.7.2's legacy
 * layout), named by its page number. Interrupts are MSI-X where the
 * device has it, else its INTx line.
 */
#include <arch/cpu.h>
#include <drivers/virtio.h>
#include <drivers/virtio_pci.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/string.h>
#include <proteus/vm.h>

/* 4.1.4: struct virtio_pci_cap after the id and next bytes */
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULT 16
enum { CFG_COMMON = 1, CFG_NOTIFY = 2, CFG_ISR = 3, CFG_DEVICE = 4 };

/* 4.1.4.3: struct virtio_pci_common_cfg */
#define C_DFSELECT 0
#define C_DF 4
#define C_GFSELECT 8
#define C_GF 12
#define C_MSIX 16
#define C_NUMQ 18
#define C_STATUS 20
#define C_Q_SELECT 22
#define C_Q_SIZE 24
#define C_Q_MSIX 26
#define C_Q_ENABLE 28
#define C_Q_NOFF 30
#define C_Q_DESC 32
#define C_Q_DRIVER 40
#define C_Q_DEVICE 48
#define COMMON_LEN 56

#define R8(p, o) (*(volatile u8 *)((p) + (o)))
#define R16(p, o) (*(volatile u16 *)((p) + (o)))
#define R32(p, o) (*(volatile u32 *)((p) + (o)))

/* 4.1.4.10: the legacy header in BAR 0 (I/O ports) */
#define L_DF 0x00          /* device features, 32 bits */
#define L_GF 0x04          /* driver features */
#define L_Q_PFN 0x08       /* the queue's area >> 12 */
#define L_Q_SIZE 0x0c
#define L_Q_SELECT 0x0e
#define L_Q_NOTIFY 0x10
#define L_STATUS 0x12
#define L_ISR 0x13
#define L_CFG_MSIX 0x14    /* only while MSI-X is on */
#define L_Q_MSIX 0x16
#define L_CONFIG 0x14      /* the device's configuration; 0x18 while MSI-X is on */
#define L_CONFIG_MSIX 0x18
#define LEGACY_ALIGN 4096  /* the used ring's alignment, fixed for PCI */

#define VPCI_MAX 8

/* Queues a device may have set up here: virtio-net's receive and
 * transmit (virtio-blk uses one); a driver asking for more is refused. */
#define VPCI_QUEUES 2

struct vpci {
    struct virtio_dev dev;   /* first: the drivers get &dev */
    struct pci_dev pci;      /* a copy: the scan's own is gone after the probe */
    volatile u8 *common, *notify, *isr;
    u32 notify_mult, notify_len;
    u32 qnotify[VPCI_QUEUES];   /* each queue's offset in the notify region */
    u16 msix;                /* every queue's vector: 0, or VIRTIO_NO_VECTOR */
    bool intx;
    u16 io;                  /* legacy: the header's first port */
    u32 io_len;
};

static struct vpci vpcis[VPCI_MAX];
static unsigned nvpcis;

static struct vpci *of(struct virtio_dev *d)
{
    return (struct vpci *)d;
}

/* The region a capability names, mapped: NULL (with *why) when it does
 * not lie inside a memory BAR. */
static volatile u8 *map_cap(struct pci_dev *p, u8 cap, u32 min_len, u32 *len, const char **why)
{
    u8 bar = pci_read8(p, (u16)(cap + CAP_BAR));
    u32 off = pci_read32(p, (u16)(cap + CAP_OFFSET)), l = pci_read32(p, (u16)(cap + CAP_LENGTH));
    u64 size;
    bool io;
    u64 base = pci_bar(p, bar, &size, &io);
    if (!base || io || l < min_len || off > size || l > size - off) {
        *why = "a virtio capability outside its BAR";
        return NULL;
    }
    *len = l;
    volatile u8 *m = vm_map_device(base + off, l, "a virtio region");
    if (!m)
        *why = "a virtio region could not be mapped";
    return m;
}

static int start(struct vpci *v, const char **why)
{
    struct pci_dev *p = &v->pci;
    for (u8 cap = pci_find_cap(p, PCI_CAP_ID_VNDR, 0); cap; cap = pci_find_cap(p, PCI_CAP_ID_VNDR, cap)) {
        u8 type = pci_read8(p, (u16)(cap + CAP_CFG_TYPE));
        volatile u8 **slot = type == CFG_COMMON ? &v->common
                             : type == CFG_NOTIFY ? &v->notify
                             : type == CFG_ISR    ? &v->isr
                             : type == CFG_DEVICE ? &v->dev.config
                                                  : NULL;
        if (!slot || *slot)
            continue;   /* another type, or a second of one: the first is used (4.1.4) */
        u32 len;
        *slot = map_cap(p, cap, type == CFG_COMMON ? COMMON_LEN : 1, &len, why);
        if (!*slot)
            return -ENOMEM;
        if (type == CFG_NOTIFY) {
            v->notify_mult = pci_read32(p, (u16)(cap + CAP_NOTIFY_MULT));
            v->notify_len = len;
        }
        if (type == CFG_DEVICE)
            v->dev.config_len = len;
    }
    if (!v->common || !v->notify || !v->isr) {
        *why = "no modern virtio capabilities (a legacy-only device)";
        return -ENODEV;
    }
    pci_write16(p, PCI_COMMAND,
                (u16)(pci_read16(p, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
    R8(v->common, C_STATUS) = 0;   /* reset: reads back 0 once done (4.1.4.3.2) */
    for (unsigned i = 0; i < 1000000 && R8(v->common, C_STATUS); i++)
        ;
    R8(v->common, C_STATUS) = VIRTIO_STATUS_ACKNOWLEDGE;
    R8(v->common, C_STATUS) = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
    return 0;
}

static u64 device_features(struct virtio_dev *d)
{
    struct vpci *v = of(d);
    R32(v->common, C_DFSELECT) = 0;
    u64 f = R32(v->common, C_DF);
    R32(v->common, C_DFSELECT) = 1;
    return f | (u64)R32(v->common, C_DF) << 32;
}

static void driver_features(struct virtio_dev *d, u64 f)
{
    struct vpci *v = of(d);
    R32(v->common, C_GFSELECT) = 0;
    R32(v->common, C_GF) = (u32)f;
    R32(v->common, C_GFSELECT) = 1;
    R32(v->common, C_GF) = (u32)(f >> 32);
}

static u8 get_status(struct virtio_dev *d)
{
    return R8(of(d)->common, C_STATUS);
}

static void set_status(struct virtio_dev *d, u8 status)
{
    R8(of(d)->common, C_STATUS) = status;
}

static int queue(struct virtio_dev *d, u16 idx, u16 max, struct virtq *q)
{
    struct vpci *v = of(d);
    if (idx >= R16(v->common, C_NUMQ) || idx >= VPCI_QUEUES)
        return -ENODEV;
    R16(v->common, C_Q_SELECT) = idx;
    u16 size = virtq_fit_size(R16(v->common, C_Q_SIZE), max);
    if (size == 0)
        return -ENODEV;   /* 4.1.4.3: a queue of size 0 is not available */
    /* where this queue's notifications go must lie in the notify region */
    u64 noff = (u64)R16(v->common, C_Q_NOFF) * v->notify_mult;
    if (noff + 2 > v->notify_len)
        return -EIO;
    v->qnotify[idx] = (u32)noff;
    paddr_t pa[3];
    int err = virtio_modern_rings(d, q, size, pa);
    if (err)
        return err;
    R16(v->common, C_Q_SIZE) = size;
    virtio_write64(v->common + C_Q_DESC, pa[0]);
    virtio_write64(v->common + C_Q_DRIVER, pa[1]);
    virtio_write64(v->common + C_Q_DEVICE, pa[2]);
    R16(v->common, C_Q_MSIX) = v->msix;
    if (R16(v->common, C_Q_MSIX) != v->msix)
        return -EIO;   /* the device could not take the vector */
    R16(v->common, C_Q_ENABLE) = 1;
    return 0;
}

/*T:850 The doorbell (VIRTIO 1.2, 2.7.13.4; for PCI 4.1.4.4): a 16-bit
 * write of the queue's index to the queue's address in the notification
 * region, cap.offset + queue_notify_off * notify_off_multiplier. The
 * write is to device memory: it traps (a VM exit under KVM; under TCG
 * the emulated store itself), and the device's emulation is woken to
 * look at the available ring. Nothing else is passed: the ring itself says what is new. The
 * other transports ring the same bell elsewhere: virtio-mmio writes
 * QueueNotify at offset 0x050 (4.2.2, virtio_mmio.c), a legacy PCI
 * device its Queue Notify I/O port (4.1.4.10, l_notify below). The
 * queue's offset was read once, when the queue was set up: reading it
 * here would mean selecting the queue first (two more trapping accesses),
 * and a notify from the interrupt (the receive queue's refill) landing
 * between another's select and read would send that kick to the wrong
 * queue. */
static void notify(struct virtio_dev *d, u16 idx)
{
    struct vpci *v = of(d);
    R16(v->notify, v->qnotify[idx]) = idx;
}

static void driver_ok(struct virtio_dev *d)
{
    struct vpci *v = of(d);
    R16(v->common, C_MSIX) = VIRTIO_NO_VECTOR;   /* configuration changes are not signalled */
    R8(v->common, C_STATUS) = R8(v->common, C_STATUS) | VIRTIO_STATUS_DRIVER_OK;
}

static void irq(unsigned vector, void *arg)
{
    struct vpci *v = arg;
    if (v->intx)   /* reading the ISR lowers the line (4.1.4.5.1, 4.1.4.10) */
        (void)(v->io ? inb((u16)(v->io + L_ISR)) : R8(v->isr, 0));
    v->dev.handler(v->dev.ctx);
    apic_eoi(vector);   /* handlers acknowledge their own (arch/x86/irq.c) */
}

static int interrupt(struct virtio_dev *d, unsigned vector, void (*handler)(void *ctx), void *ctx,
                     const char *name)
{
    struct vpci *v = of(d);
    d->handler = handler;
    d->ctx = ctx;
    int err = irq_register(vector, irq, v, name);
    if (err)
        return err;
    err = pci_msix_enable(&v->pci, 0, vector);
    if (!err) {
        v->msix = 0;
        ksnprintf(d->how, sizeof(d->how), "MSI-X");
        return 0;
    }
    irq_unregister(vector);
    if (err != -ENODEV)
        return err;
    /* no MSI-X (QEMU's -nic gives none): the INTx line, on its ISA vector */
    v->intx = true;
    v->msix = VIRTIO_NO_VECTOR;
    int line = pci_intx_line(&v->pci);
    if (line < 0)
        return line;
    err = irq_register(VEC_IRQ_BASE + (unsigned)line, irq, v, name);
    if (!err)
        err = pci_intx_enable(&v->pci, (unsigned)line);
    if (!err)
        ksnprintf(d->how, sizeof(d->how), "INTx, IRQ %d", line);
    return err;
}

/* ---- the legacy interface ---------------------------------------------- */

static u64 l_device_features(struct virtio_dev *d)
{
    return inl((u16)(of(d)->io + L_DF));
}

static void l_driver_features(struct virtio_dev *d, u64 f)
{
    outl((u16)(of(d)->io + L_GF), (u32)f);
}

static u8 l_get_status(struct virtio_dev *d)
{
    return inb((u16)(of(d)->io + L_STATUS));
}

static void l_set_status(struct virtio_dev *d, u8 status)
{
    outb((u16)(of(d)->io + L_STATUS), status);
}

static u32 l_header_len(const struct vpci *v)
{
    return v->msix == VIRTIO_NO_VECTOR ? L_CONFIG : L_CONFIG_MSIX;
}

static u32 l_config_read(struct virtio_dev *d, u32 off, unsigned size)
{
    u16 port = (u16)(of(d)->io + l_header_len(of(d)) + off);
    return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static int l_queue(struct virtio_dev *d, u16 idx, u16 max, struct virtq *q)
{
    struct vpci *v = of(d);
    outw((u16)(v->io + L_Q_SELECT), idx);
    u16 size = inw((u16)(v->io + L_Q_SIZE));
    if (size == 0)
        return -ENODEV;   /* no such queue */
    if (size > VIRTQ_MAX_SIZE || (size & (size - 1))) {
        printk("virtio: %s: queue %u has %u entries, which this driver cannot take (at most %u, "
               "a power of two)\n", d->where, idx, size, VIRTQ_MAX_SIZE);
        return -EINVAL;
    }
    (void)max;   /* the size is the device's: the driver uses what it needs of it */
    size_t ring = virtq_desc_bytes(size) + virtq_avail_bytes(size);
    size_t used_at = (ring + LEGACY_ALIGN - 1) / LEGACY_ALIGN * LEGACY_ALIGN;
    size_t bytes = used_at + virtq_used_bytes(size);
    unsigned pages = pages_for(bytes);
    paddr_t pa = page_alloc_contig(pages);
    if (!pa)
        return -ENOMEM;
    if ((pa >> PAGE_SHIFT) >> 32) {
        for (unsigned i = 0; i < pages; i++)
            page_free(pa + (paddr_t)i * PAGE_SIZE);
        return -ENOMEM;   /* beyond the 32-bit page number the register holds */
    }
    u8 *area = phys_to_virt(pa);
    int err = virtq_init(q, size, area, area + virtq_desc_bytes(size), area + used_at, false);
    if (err)
        return err;
    if (v->msix != VIRTIO_NO_VECTOR) {
        outw((u16)(v->io + L_Q_MSIX), v->msix);
        if (inw((u16)(v->io + L_Q_MSIX)) != v->msix)
            return -EIO;   /* the device could not take the vector */
    }
    outl((u16)(v->io + L_Q_PFN), (u32)(pa >> PAGE_SHIFT));
    return 0;
}

static void l_notify(struct virtio_dev *d, u16 idx)
{
    outw((u16)(of(d)->io + L_Q_NOTIFY), idx);
}

static void l_driver_ok(struct virtio_dev *d)
{
    struct vpci *v = of(d);
    if (v->msix != VIRTIO_NO_VECTOR)
        outw((u16)(v->io + L_CFG_MSIX), VIRTIO_NO_VECTOR);   /* configuration changes are not signalled */
    outb((u16)(v->io + L_STATUS), (u8)(inb((u16)(v->io + L_STATUS)) | VIRTIO_STATUS_DRIVER_OK));
}

static int interrupt(struct virtio_dev *d, unsigned vector, void (*handler)(void *ctx), void *ctx,
                     const char *name);

/* As the modern interrupt, and the device's configuration then moves
 * behind the two vector registers (4.1.4.10). */
static int l_interrupt(struct virtio_dev *d, unsigned vector, void (*handler)(void *ctx), void *ctx,
                       const char *name)
{
    struct vpci *v = of(d);
    int err = interrupt(d, vector, handler, ctx, name);
    if (!err) {
        d->config_len = v->io_len > l_header_len(v) ? v->io_len - l_header_len(v) : 0;
        char how[sizeof(d->how)];
        ksnprintf(how, sizeof(how), "legacy, %s", d->how);
        memcpy(d->how, how, sizeof(how));
    }
    return err;
}

static const struct virtio_transport legacy_transport = {
    .device_features = l_device_features,
    .driver_features = l_driver_features,
    .get_status = l_get_status,
    .set_status = l_set_status,
    .queue = l_queue,
    .notify = l_notify,
    .driver_ok = l_driver_ok,
    .interrupt = l_interrupt,
    .config_read = l_config_read,
};

/* A legacy-only device: its header in I/O BAR 0, reset and acknowledged. */
static int start_legacy(struct vpci *v, const char **why)
{
    struct pci_dev *p = &v->pci;
    u64 size;
    bool io;
    u64 base = pci_bar(p, 0, &size, &io);
    if (!base || !io || size < L_CONFIG || base + size > 0x10000) {
        *why = "left alone: neither modern capabilities nor a legacy I/O BAR 0";
        return -ENODEV;
    }
    v->io = (u16)base;
    v->io_len = (u32)size;
    v->msix = VIRTIO_NO_VECTOR;
    v->dev.t = &legacy_transport;
    v->dev.legacy = true;
    v->dev.config_len = v->io_len - L_CONFIG;
    pci_write16(p, PCI_COMMAND, (u16)(pci_read16(p, PCI_COMMAND) | PCI_COMMAND_IO | PCI_COMMAND_MASTER));
    outb((u16)(v->io + L_STATUS), 0);   /* reset */
    outb((u16)(v->io + L_STATUS), VIRTIO_STATUS_ACKNOWLEDGE);
    outb((u16)(v->io + L_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    return 0;
}

static const struct virtio_transport pci_transport = {
    .device_features = device_features,
    .driver_features = driver_features,
    .get_status = get_status,
    .set_status = set_status,
    .queue = queue,
    .notify = notify,
    .driver_ok = driver_ok,
    .interrupt = interrupt,
};

int virtio_pci_probe(struct pci_dev *p, const char **driver, const char **state)
{
    unsigned type = p->device >= 0x1040 ? p->device - 0x1040u
                    : p->device < 0x1040 && p->device >= 0x1000 ? p->subsystem
                                                                : 0;
    const char *name;
    virtio_attach_fn attach = virtio_driver_of(type, &name, state);
    if (!attach)
        return -ENODEV;
    if (nvpcis == VPCI_MAX) {
        *state = "left alone: too many virtio devices";
        return -ENOSPC;
    }
    struct vpci *v = &vpcis[nvpcis];
    memset(v, 0, sizeof(*v));
    v->pci = *p;
    v->dev.t = &pci_transport;
    ksnprintf(v->dev.where, sizeof(v->dev.where), "pci %02x:%02x.%u", p->bus, p->slot, p->fn);
    int err = start(v, state);
    if (err == -ENODEV)
        err = start_legacy(v, state);
    if (err)
        return err;
    nvpcis++;
    *driver = name;
    return attach(&v->dev, state);
}
