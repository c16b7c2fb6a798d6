/*
 * The virtio PCI transport, modern interface (include/drivers/virtio_pci.h;
 * VIRTIO 1.2, 4.1). A virtio device's registers live in its BARs, at
 * places named by vendor-specific PCI capabilities (4.1.4): the common
 * configuration (features, status, queues), the notification area, the
 * ISR byte and the device's own configuration. Each capability is
 * checked to lie inside its BAR before the BAR is mapped.
 *
 * Initialisation follows 3.1.1: reset, ACKNOWLEDGE, DRIVER, features,
 * FEATURES_OK (read back: the device may refuse), the queues, DRIVER_OK.
 * A transitional device (QEMU's default virtio-net-pci, id 0x1000) has
 * these capabilities too and is driven the same way; a legacy-only one
 * (no capabilities) is left alone, said so.
 */
#include <drivers/virtio_pci.h>
#include <arch/cpu.h>
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
#define NO_VECTOR VIRTIO_NO_VECTOR

#define R8(p, o) (*(volatile u8 *)((p) + (o)))
#define R16(p, o) (*(volatile u16 *)((p) + (o)))
#define R32(p, o) (*(volatile u32 *)((p) + (o)))

static void w64(volatile u8 *p, unsigned o, u64 v)
{
    R32(p, o) = (u32)v;   /* 4.1.3.1: 64-bit fields as two 32-bit writes */
    R32(p, o + 4) = (u32)(v >> 32);
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
    if (len)
        *len = l;
    volatile u8 *m = vm_map_device(base + off, l, "a virtio region");
    if (!m)
        *why = "a virtio region could not be mapped";
    return m;
}

int virtio_pci_start(struct virtio_pci *v, struct pci_dev *p, const char **why)
{
    memset(v, 0, sizeof(*v));
    v->pci_copy = *p;
    v->pci = p = &v->pci_copy;
    for (u8 cap = pci_find_cap(p, PCI_CAP_ID_VNDR, 0); cap; cap = pci_find_cap(p, PCI_CAP_ID_VNDR, cap)) {
        u8 type = pci_read8(p, (u16)(cap + CAP_CFG_TYPE));
        volatile u8 **slot = type == CFG_COMMON ? &v->common
                             : type == CFG_NOTIFY ? &v->notify
                             : type == CFG_ISR    ? &v->isr
                             : type == CFG_DEVICE ? &v->device
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
            v->device_len = len;
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

int virtio_pci_features(struct virtio_pci *v, u64 wanted)
{
    R32(v->common, C_DFSELECT) = 0;
    u64 dev = R32(v->common, C_DF);
    R32(v->common, C_DFSELECT) = 1;
    dev |= (u64)R32(v->common, C_DF) << 32;
    u64 f = dev & (wanted | 1ULL << VIRTIO_F_VERSION_1);
    if (!(f & 1ULL << VIRTIO_F_VERSION_1))
        return -ENODEV;
    R32(v->common, C_GFSELECT) = 0;
    R32(v->common, C_GF) = (u32)f;
    R32(v->common, C_GFSELECT) = 1;
    R32(v->common, C_GF) = (u32)(f >> 32);
    R8(v->common, C_STATUS) = R8(v->common, C_STATUS) | VIRTIO_STATUS_FEATURES_OK;
    if (!(R8(v->common, C_STATUS) & VIRTIO_STATUS_FEATURES_OK))
        return -ENODEV;
    v->features = f;
    return 0;
}

int virtio_pci_queue(struct virtio_pci *v, u16 idx, u16 max, struct virtq *q, u16 msix)
{
    if (idx >= R16(v->common, C_NUMQ))
        return -ENODEV;
    R16(v->common, C_Q_SELECT) = idx;
    u16 size = R16(v->common, C_Q_SIZE);
    if (size == 0)
        return -ENODEV;   /* 4.1.4.3: a queue of size 0 is not available */
    while (size > max || (size & (size - 1)))
        size = (u16)(size & (size - 1) ? size & (size - 1) : size / 2);
    paddr_t d = page_alloc(PAGE_DIRECT | PAGE_ZERO), a = page_alloc(PAGE_DIRECT | PAGE_ZERO),
            u = page_alloc(PAGE_DIRECT | PAGE_ZERO);
    /* one page each holds a queue of VIRTQ_MAX_SIZE with its event words */
    BUILD_BUG_ON(16 * VIRTQ_MAX_SIZE > PAGE_SIZE || 8 + 8 * VIRTQ_MAX_SIZE > PAGE_SIZE);
    if (!d || !a || !u)
        return -ENOMEM;
    int err = virtq_init(q, size, phys_to_virt(d), phys_to_virt(a), phys_to_virt(u),
                         v->features & 1ULL << VIRTIO_F_RING_EVENT_IDX);
    if (err)
        return err;
    /* where this queue's notifications go must lie in the notify region */
    u64 noff = (u64)R16(v->common, C_Q_NOFF) * v->notify_mult;
    if (noff + 2 > v->notify_len)
        return -EIO;
    R16(v->common, C_Q_SIZE) = size;
    w64(v->common, C_Q_DESC, d);
    w64(v->common, C_Q_DRIVER, a);
    w64(v->common, C_Q_DEVICE, u);
    R16(v->common, C_Q_MSIX) = msix;
    if (R16(v->common, C_Q_MSIX) != msix)
        return -EIO;   /* the device could not take the vector */
    R16(v->common, C_Q_ENABLE) = 1;
    return 0;
}

void virtio_pci_notify(struct virtio_pci *v, u16 idx)
{
    R16(v->common, C_Q_SELECT) = idx;
    u32 off = (u32)R16(v->common, C_Q_NOFF) * v->notify_mult;
    R16(v->notify, off) = idx;
}

void virtio_pci_driver_ok(struct virtio_pci *v)
{
    R16(v->common, C_MSIX) = NO_VECTOR;   /* configuration changes are not signalled */
    R8(v->common, C_STATUS) = R8(v->common, C_STATUS) | VIRTIO_STATUS_DRIVER_OK;
}

void virtio_pci_fail(struct virtio_pci *v, const char *why)
{
    if (v->common)
        R8(v->common, C_STATUS) = R8(v->common, C_STATUS) | VIRTIO_STATUS_FAILED;
    printk("virtio: %02x:%02x.%u: %s: the device is stopped\n", v->pci->bus, v->pci->slot,
           v->pci->fn, why);
}

static void interrupt(unsigned vector, void *arg)
{
    struct virtio_pci *v = arg;
    if (v->intx)
        (void)R8(v->isr, 0);   /* reading the ISR lowers the line (4.1.4.5.1) */
    v->handler(v->ctx);
    apic_eoi(vector);   /* handlers acknowledge their own (arch/x86/irq.c) */
}

int virtio_pci_interrupt(struct virtio_pci *v, unsigned vector, void (*handler)(void *ctx),
                         void *ctx, const char *name, char *how, size_t how_len)
{
    v->handler = handler;
    v->ctx = ctx;
    int err = irq_register(vector, interrupt, v, name);
    if (err)
        return err;
    err = pci_msix_enable(v->pci, 0, vector);
    if (!err) {
        ksnprintf(how, how_len, "MSI-X");
        return 0;
    }
    if (err != -ENODEV)
        return err;
    v->intx = true;   /* no MSI-X (QEMU's -nic gives none): the INTx line */
    err = pci_intx_route(v->pci, vector, &v->line);
    if (err)
        return err;
    ksnprintf(how, how_len, "INTx, IRQ %u", v->line);
    return NO_VECTOR;
}
