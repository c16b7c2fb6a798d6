/*
 * The virtio PCI transport, modern interface (drivers/virtio/virtio_pci.c;
 * Virtual I/O Device (VIRTIO) Version 1.2, 4.1 "Virtio Over PCI Bus"):
 * what a virtio device driver (virtio-net) asks of it. The device's
 * registers are found through vendor-specific capabilities (4.1.4) that
 * point into its BARs; its interrupts are MSI-X messages.
 */
#ifndef DRIVERS_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_H

#include <drivers/pci.h>
#include <drivers/virtqueue.h>

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
#define VIRTIO_NO_VECTOR 0xffff   /* 4.1.5.1.2: no MSI-X vector */

struct virtio_pci {
    struct pci_dev *pci;     /* &pci_copy: the scan's own is gone after the probe */
    struct pci_dev pci_copy;
    volatile u8 *common;     /* 4.1.4.3 struct virtio_pci_common_cfg */
    volatile u8 *notify;     /* 4.1.4.4 */
    u32 notify_mult, notify_len;
    volatile u8 *isr;        /* 4.1.4.5 */
    volatile u8 *device;     /* the device's own configuration */
    u32 device_len;
    u64 features;            /* negotiated */
    /* the interrupt (virtio_pci_interrupt) */
    void (*handler)(void *ctx);
    void *ctx;
    bool intx;
    unsigned line;
};

/* Find and map the capabilities, reset the device and say ACKNOWLEDGE
 * and DRIVER: 0, or -ENODEV (not a modern virtio device: the reason in
 * *why), -ENOMEM. */
int virtio_pci_start(struct virtio_pci *v, struct pci_dev *p, const char **why);
/* Offer `wanted` & what the device has (VERSION_1 is required) and set
 * FEATURES_OK: 0, or -ENODEV when the device refuses. */
int virtio_pci_features(struct virtio_pci *v, u64 wanted);
/* Queue `idx`: at most `max` entries (the device may have fewer), rings
 * in fresh pages, interrupts on MSI-X entry `msix`. 0 or an errno. */
int virtio_pci_queue(struct virtio_pci *v, u16 idx, u16 max, struct virtq *q, u16 msix);
void virtio_pci_notify(struct virtio_pci *v, u16 idx);
/* The device's one interrupt, on `vector`: MSI-X entry 0 where the device
 * has MSI-X, else its INTx line (whose handler reads the ISR to lower it,
 * 4.1.4.5.1); `handler(ctx)` runs for it. The MSI-X vector to give every
 * queue (0, or VIRTIO_NO_VECTOR with INTx), or a negative errno. A few
 * words for the device's line ("MSI-X", "INTx, IRQ 11") go into `how`. */
int virtio_pci_interrupt(struct virtio_pci *v, unsigned vector, void (*handler)(void *ctx),
                         void *ctx, const char *name, char *how, size_t how_len);
void virtio_pci_driver_ok(struct virtio_pci *v);
/* Mark the device FAILED (a driver that gives up on it, or found it
 * breaking the rules) and say why. */
void virtio_pci_fail(struct virtio_pci *v, const char *why);

#endif
