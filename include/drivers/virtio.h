/*
 * A virtio device as its drivers (virtio-net, virtio-blk) see it, whatever
 * the transport: PCI (drivers/virtio/virtio_pci.c) or MMIO
 * (drivers/virtio/virtio_mmio.c). VIRTIO 1.2, 2 "Basic Facilities of a
 * Virtio Device" and 3.1 "Device Initialization"; a legacy device (0.9.5:
 * virtio-mmio version 1) differs in its queue layout, its feature bits and
 * its net header, which the transport and driver handle.
 */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <drivers/virtqueue.h>
#include <proteus/types.h>

/* 2.1 device status */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128
/* 6 reserved feature bits */
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
/* 5 device types */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

struct virtio_dev;
struct virtio_transport {
    /* The device's feature bits (32 for a legacy device), and the
     * driver's choice written back (2.2). */
    u64 (*device_features)(struct virtio_dev *d);
    void (*driver_features)(struct virtio_dev *d, u64 f);
    u8 (*get_status)(struct virtio_dev *d);
    void (*set_status)(struct virtio_dev *d, u8 status);
    /* Queue `idx`: at most `max` entries, rings in fresh memory, its
     * interrupt the device's one. 0 or an errno. */
    int (*queue)(struct virtio_dev *d, u16 idx, u16 max, struct virtq *q);
    void (*notify)(struct virtio_dev *d, u16 idx);
    /* DRIVER_OK, and whatever the transport needs set first. */
    void (*driver_ok)(struct virtio_dev *d);
    /* The device's one interrupt on `vector`, handler(ctx) for it; what
     * it is ("MSI-X", "INTx, IRQ 11", "IRQ 12") into d->how. */
    int (*interrupt)(struct virtio_dev *d, unsigned vector, void (*handler)(void *ctx), void *ctx,
                     const char *name);
    /* `size` bytes (1, 2 or 4) at `off` of the device's configuration,
     * for a transport where it is not memory (legacy PCI's I/O ports);
     * NULL: d->config maps it. */
    u32 (*config_read)(struct virtio_dev *d, u32 off, unsigned size);
};

struct virtio_dev {
    const struct virtio_transport *t;
    volatile u8 *config;   /* the device's own configuration */
    u32 config_len;
    u64 features;          /* negotiated */
    bool legacy;           /* virtio 0.9.5: no VERSION_1 */
    char where[24];        /* "pci 00:03.0", "mmio 0xfeb00e00": for messages */
    char how[24];
    /* the driver's interrupt handler, which the transport's calls */
    void (*handler)(void *ctx);
    void *ctx;
};

/* A 64-bit register of a modern device, as two 32-bit writes, low half
 * first (4.1.3.1, 4.2.2: the transports access no register wider). */
static inline void virtio_write64(volatile u8 *reg, u64 v)
{
    *(volatile u32 *)reg = (u32)v;
    *(volatile u32 *)(reg + 4) = (u32)(v >> 32);
}

/* A modern queue's three parts, each in a fresh zeroed page (one page
 * holds any of them for a queue of VIRTQ_MAX_SIZE, with its event word),
 * and q set up over them with EVENT_IDX as negotiated: 0 and their
 * physical addresses in pa[] (descriptors, driver area, device area), or
 * -ENOMEM with nothing kept. */
int virtio_modern_rings(struct virtio_dev *d, struct virtq *q, u16 size, paddr_t pa[3]);

/* `size` bytes (1, 2 or 4) at `off` of the device's own configuration
 * (net: 5.1.4, block: 5.2.4), whatever the transport; 0 for bytes beyond
 * what the device has (a driver checks the feature bit first anyway). */
u32 virtio_config(struct virtio_dev *d, u32 off, unsigned size);

/* Offer `wanted` & what the device has and settle, as 3.1.1 says: a
 * modern device must have VIRTIO_F_VERSION_1 and accept FEATURES_OK; a
 * legacy one takes 32 bits and no EVENT_IDX (its used ring would sit over
 * the used_event word: drivers/virtio/virtio_mmio.c). 0, or -ENODEV when
 * the device refuses. */
int virtio_features(struct virtio_dev *d, u64 wanted);
/* Mark the device FAILED and say why (a driver that gives up on it, or
 * found it breaking the rules). */
void virtio_fail(struct virtio_dev *d, const char *why);

/* The drivers, for every transport: 0 and their verdict in *state ("up as
 * net0 (MSI-X)"), or an errno and why in *state. They belong to device
 * classes (Makefile, DEVCLASS_C) that an image carries only when its app
 * uses them: a transport finds its driver with virtio_driver_of. */
typedef int (*virtio_attach_fn)(struct virtio_dev *d, const char **state);
int virtio_net_attach(struct virtio_dev *d, const char **state);
int virtio_blk_attach(struct virtio_dev *d, const char **state);
/* The driver for virtio device type `type` in this image, its name in
 * *name; NULL, with the reason in *why, for a type no driver knows or one
 * whose class this image does not carry. */
virtio_attach_fn virtio_driver_of(u32 type, const char **name, const char **why);

#endif
