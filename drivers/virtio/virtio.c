/*
 * What every virtio transport and driver shares (include/drivers/virtio.h).
 */
#include <drivers/virtio.h>
#include <proteus/blockdev.h>
#include <proteus/errno.h>
#include <proteus/netdev.h>
#include <proteus/printk.h>
#include <proteus/vm.h>

/* Weak: the drivers of a device class the app does not use are not in
 * the image (Makefile, DEVCLASS_C), and then these are NULL. */
#pragma weak virtio_net_attach
#pragma weak virtio_blk_attach

/* The virtio device types a driver knows: the one place each is written. */
static const struct {
    u32 type;
    const char *name;
    virtio_attach_fn attach;   /* NULL where the image lacks its class */
    const char *absent;
} drivers[] = {
    { VIRTIO_ID_NET, "virtio-net", virtio_net_attach, "left alone: " NETDEV_ABSENT },
    { VIRTIO_ID_BLOCK, "virtio-blk", virtio_blk_attach, "left alone: " BLOCKDEV_ABSENT },
};

virtio_attach_fn virtio_driver_of(u32 type, const char **name, const char **why)
{
    for (unsigned i = 0; i < ARRAY_SIZE(drivers); i++) {
        if (drivers[i].type != type)
            continue;
        *name = drivers[i].name;
        if (!drivers[i].attach)
            *why = drivers[i].absent;
        return drivers[i].attach;
    }
    *why = "left alone: no driver for its virtio device type";
    return NULL;
}

int virtio_features(struct virtio_dev *d, u64 wanted)
{
    u64 dev = d->t->device_features(d), f;
    if (d->legacy) {
        f = dev & wanted & 0xffffffffu & ~(1ULL << VIRTIO_F_RING_EVENT_IDX);
    } else {
        f = dev & (wanted | 1ULL << VIRTIO_F_VERSION_1);
        if (!(f & 1ULL << VIRTIO_F_VERSION_1))
            return -ENODEV;
    }
    d->t->driver_features(d, f);
    if (!d->legacy) {
        d->t->set_status(d, d->t->get_status(d) | VIRTIO_STATUS_FEATURES_OK);
        if (!(d->t->get_status(d) & VIRTIO_STATUS_FEATURES_OK))
            return -ENODEV;   /* the device refused them */
    }
    d->features = f;
    return 0;
}

int virtio_modern_rings(struct virtio_dev *d, struct virtq *q, u16 size, paddr_t pa[3])
{
    BUILD_BUG_ON(16 * VIRTQ_MAX_SIZE > PAGE_SIZE || 8 + 8 * VIRTQ_MAX_SIZE > PAGE_SIZE);
    for (unsigned i = 0; i < 3; i++) {
        pa[i] = page_alloc(PAGE_DIRECT | PAGE_ZERO);
        if (!pa[i]) {
            while (i--)
                page_free(pa[i]);
            return -ENOMEM;
        }
    }
    return virtq_init(q, size, phys_to_virt(pa[0]), phys_to_virt(pa[1]), phys_to_virt(pa[2]),
                      d->features & 1ULL << VIRTIO_F_RING_EVENT_IDX);
}

u32 virtio_config(struct virtio_dev *d, u32 off, unsigned size)
{
    if (off > d->config_len || size > d->config_len - off)
        return 0;
    if (d->t->config_read)
        return d->t->config_read(d, off, size);
    volatile u8 *p = d->config + off;
    return size == 1 ? *p : size == 2 ? *(volatile u16 *)p : *(volatile u32 *)p;
}

void virtio_fail(struct virtio_dev *d, const char *why)
{
    d->t->set_status(d, d->t->get_status(d) | VIRTIO_STATUS_FAILED);
    printk("virtio: %s: %s: the device is stopped\n", d->where, why);
}
