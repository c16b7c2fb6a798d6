/*
 * The virtio MMIO transport (include/drivers/virtio_mmio.h; VIRTIO 1.2,
 * 4.2.2 "MMIO Device Register Layout"), version 2 (modern) and version 1
 * (legacy, 4.2.4), which QEMU's microvm uses unless told
 * `-global virtio-mmio.force-legacy=false`.
 *
 * The differences that matter here: a legacy device has 32 feature bits
 * and no VIRTIO_F_VERSION_1 or FEATURES_OK; its queue is one area the
 * driver names by page frame (QueuePFN, after GuestPageSize), with the
 * used ring at the QueueAlign boundary after the available ring (2.7.2's
 * legacy layout), where a modern one takes three addresses. QueueAlign is
 * set to 8 so that a queue of 128 fits one page: the page allocator gives
 * pages one at a time, and the legacy layout needs the area contiguous.
 * EVENT_IDX is not offered to a legacy device, whose used ring would then
 * sit over the available ring's used_event word (the device computes the
 * used ring's place without it).
 *
 * Each device raises an ISA IRQ the command line names; the handler reads
 * InterruptStatus and acknowledges it (4.2.2, InterruptACK) before the
 * driver looks at its queues.
 */
#include <arch/cpu.h>
#include <drivers/virtio.h>
#include <drivers/virtio_mmio.h>
#include <proteus/cmdline.h>
#include <proteus/device.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/options.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/string.h>
#include <proteus/vm.h>

/* 4.2.2 */
#define M_MAGIC 0x000
#define M_VERSION 0x004
#define M_DEVICE_ID 0x008
#define M_VENDOR_ID 0x00c
#define M_DEV_FEATURES 0x010
#define M_DEV_FEATURES_SEL 0x014
#define M_DRV_FEATURES 0x020
#define M_DRV_FEATURES_SEL 0x024
#define M_GUEST_PAGE_SIZE 0x028   /* legacy */
#define M_QUEUE_SEL 0x030
#define M_QUEUE_NUM_MAX 0x034
#define M_QUEUE_NUM 0x038
#define M_QUEUE_ALIGN 0x03c      /* legacy */
#define M_QUEUE_PFN 0x040        /* legacy */
#define M_QUEUE_READY 0x044
#define M_QUEUE_NOTIFY 0x050
#define M_INT_STATUS 0x060
#define M_INT_ACK 0x064
#define M_STATUS 0x070
#define M_QUEUE_DESC 0x080
#define M_QUEUE_DRIVER 0x090
#define M_QUEUE_DEVICE 0x0a0
#define M_CONFIG 0x100
#define MAGIC 0x74726976   /* "virt" */
#define LEGACY_ALIGN 8

#define REG(m, o) (*(volatile u32 *)((m)->regs + (o)))

#define VMMIO_MAX 8
#define VEC_VIRTIO_MMIO_BASE 0x60

struct vmmio {
    struct virtio_dev dev;   /* first: the drivers get &dev */
    volatile u8 *regs;
    unsigned irq;
};

static struct vmmio vmmios[VMMIO_MAX];
static unsigned nvmmios;

static struct vmmio *of(struct virtio_dev *d)
{
    return (struct vmmio *)d;
}

static u64 device_features(struct virtio_dev *d)
{
    struct vmmio *m = of(d);
    REG(m, M_DEV_FEATURES_SEL) = 0;
    u64 f = REG(m, M_DEV_FEATURES);
    if (d->legacy)
        return f;   /* 32 bits (4.2.4) */
    REG(m, M_DEV_FEATURES_SEL) = 1;
    return f | (u64)REG(m, M_DEV_FEATURES) << 32;
}

static void driver_features(struct virtio_dev *d, u64 f)
{
    struct vmmio *m = of(d);
    REG(m, M_DRV_FEATURES_SEL) = 0;
    REG(m, M_DRV_FEATURES) = (u32)f;
    if (!d->legacy) {
        REG(m, M_DRV_FEATURES_SEL) = 1;
        REG(m, M_DRV_FEATURES) = (u32)(f >> 32);
    }
}

static u8 get_status(struct virtio_dev *d)
{
    return (u8)REG(of(d), M_STATUS);
}

static void set_status(struct virtio_dev *d, u8 status)
{
    REG(of(d), M_STATUS) = status;
}

static int queue(struct virtio_dev *d, u16 idx, u16 max, struct virtq *q)
{
    struct vmmio *m = of(d);
    REG(m, M_QUEUE_SEL) = idx;
    /* the legacy area fits one page up to 128 */
    u16 size = virtq_fit_size(REG(m, M_QUEUE_NUM_MAX), d->legacy && max > 128 ? 128 : max);
    if (size == 0)
        return -ENODEV;   /* no such queue */
    int err;
    if (d->legacy) {
        paddr_t page = page_alloc(PAGE_DIRECT | PAGE_ZERO);
        if (!page)
            return -ENOMEM;
        u8 *base = phys_to_virt(page);
        /* 2.7.2 legacy layout, as the device computes it: the used ring
         * at LEGACY_ALIGN after the available ring's entries */
        size_t avail_off = virtq_desc_bytes(size);
        size_t used_off = ALIGN_UP(avail_off + 4 + 2u * size, LEGACY_ALIGN);
        BUILD_BUG_ON(16 * 128 + 4 + 2 * 128 + LEGACY_ALIGN + 6 + 8 * 128 > PAGE_SIZE);
        err = virtq_init(q, size, base, base + avail_off, base + used_off, false);
        if (err)
            return err;
        REG(m, M_QUEUE_NUM) = size;
        REG(m, M_QUEUE_ALIGN) = LEGACY_ALIGN;
        REG(m, M_QUEUE_PFN) = (u32)(page >> PAGE_SHIFT);
        return 0;
    }
    paddr_t pa[3];
    err = virtio_modern_rings(d, q, size, pa);
    if (err)
        return err;
    REG(m, M_QUEUE_NUM) = size;
    virtio_write64(m->regs + M_QUEUE_DESC, pa[0]);
    virtio_write64(m->regs + M_QUEUE_DRIVER, pa[1]);
    virtio_write64(m->regs + M_QUEUE_DEVICE, pa[2]);
    REG(m, M_QUEUE_READY) = 1;
    return 0;
}

static void notify(struct virtio_dev *d, u16 idx)
{
    REG(of(d), M_QUEUE_NOTIFY) = idx;
}

static void driver_ok(struct virtio_dev *d)
{
    struct vmmio *m = of(d);
    REG(m, M_STATUS) = REG(m, M_STATUS) | VIRTIO_STATUS_DRIVER_OK;
}

static void irq(unsigned vector, void *arg)
{
    struct vmmio *m = arg;
    u32 why = REG(m, M_INT_STATUS);
    REG(m, M_INT_ACK) = why;   /* lowers the line */
    if (why & 1)               /* bit 0: a used ring was updated; bit 1 configuration */
        m->dev.handler(m->dev.ctx);
    apic_eoi(vector);
}

static int interrupt(struct virtio_dev *d, unsigned vector, void (*handler)(void *ctx), void *ctx,
                     const char *name)
{
    struct vmmio *m = of(d);
    d->handler = handler;
    d->ctx = ctx;
    /* an ISA line, on its ISA vector (the 8259s' are fixed), whatever the
     * driver's own vector would have been */
    vector = VEC_IRQ_BASE + m->irq;
    int err = irq_register(vector, irq, m, name);
    if (!err)
        err = apic_route_irq(m->irq, vector);
    if (!err)
        ksnprintf(d->how, sizeof(d->how), "IRQ %u", m->irq);
    return err;
}

static const struct virtio_transport mmio_transport = {
    .device_features = device_features,
    .driver_features = driver_features,
    .get_status = get_status,
    .set_status = set_status,
    .queue = queue,
    .notify = notify,
    .driver_ok = driver_ok,
    .interrupt = interrupt,
};

static void probe(const char *value)
{
    u64 size, base;
    unsigned line;
    if (virtio_mmio_parse(value, &size, &base, &line)) {
        printk("virtio-mmio: '%s' is not <size>@<base>:<irq> with an ISA IRQ (ignored)\n", value);
        return;
    }
    char addr[24], ident[40];
    ksnprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)base);
    volatile u8 *regs = vm_map_device(base, size, "a virtio-mmio device");
    if (!regs)
        return;   /* said by vm_map_device */
    u32 magic = *(volatile u32 *)(regs + M_MAGIC), version = *(volatile u32 *)(regs + M_VERSION);
    u32 id = *(volatile u32 *)(regs + M_DEVICE_ID);
    ksnprintf(ident, sizeof(ident), "virtio v%u type %u irq %u", version, id, line);
    struct device *dev = device_add("mmio", addr, ident);
    const char *driver = NULL, *name = NULL, *state = "no device there";
    virtio_attach_fn attach = NULL;
    if (magic != MAGIC || (version != 1 && version != 2))
        state = "not a virtio-mmio device (magic or version)";
    else if (id == 0)
        state = "an empty slot";   /* 4.2.2: DeviceID 0 is no device */
    else if (!(attach = virtio_driver_of(id, &name, &state)))
        ;   /* state says why */
    else if (nvmmios == VMMIO_MAX)
        state = "left alone: too many virtio-mmio devices";
    else {
        struct vmmio *m = &vmmios[nvmmios];
        memset(m, 0, sizeof(*m));
        m->regs = regs;
        m->irq = line;
        m->dev.t = &mmio_transport;
        m->dev.legacy = version == 1;
        m->dev.config = regs + M_CONFIG;
        m->dev.config_len = (u32)(size - M_CONFIG);
        ksnprintf(m->dev.where, sizeof(m->dev.where), "mmio %s", addr);
        REG(m, M_STATUS) = 0;   /* reset */
        if (m->dev.legacy)
            REG(m, M_GUEST_PAGE_SIZE) = PAGE_SIZE;
        REG(m, M_STATUS) = VIRTIO_STATUS_ACKNOWLEDGE;
        REG(m, M_STATUS) = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
        nvmmios++;
        driver = name;
        attach(&m->dev, &state);
    }
    device_bound(dev, driver, state);
    device_report(dev);
}

void virtio_mmio_scan(void)
{
    const struct cmdline *c = boot_cmdline();
    size_t n = strlen(VIRTIO_MMIO_OPTION);
    for (unsigned i = 0; i < c->nopts; i++)
        if (!strncmp(c->opts[i], VIRTIO_MMIO_OPTION, n) && c->opts[i][n] == '=')
            probe(c->opts[i] + n + 1);
}
