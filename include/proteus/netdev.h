/*
 * Network devices, whatever the transport (virtio-net on PCI or MMIO, Xen
 * netfront): one interface that the TCP/IP stack and apps use
 * (kernel/netdev.c). A device sends Ethernet frames and hands received
 * ones to whoever listens; it says its MAC, MTU and link.
 */
#ifndef PROTEUS_NETDEV_H
#define PROTEUS_NETDEV_H

#include <proteus/types.h>

#define NETDEV_MAX 4
/* What a bus says of a network device in an image without the class
 * (Makefile, DEVCLASS_C: only an app that uses the network links it). */
#define NETDEV_ABSENT "this image has no network drivers (its app does not use the network)"
#define ETH_HLEN 14
#define ETH_FRAME_MAX 1514   /* header and a 1500-byte payload, no FCS */

struct netdev;
struct netdev_ops {
    /* Queue one frame (ETH_HLEN..ETH_HLEN + mtu bytes), copied: 0,
     * -EAGAIN when the device's queue is full, -EIO when it failed. */
    int (*send)(struct netdev *nd, const void *frame, size_t len);
};

struct netdev {
    char name[8];        /* "net0" */
    u8 mac[6];
    u16 mtu;
    bool link_up;
    const struct netdev_ops *ops;
    void *priv;          /* the driver's */
    /* An IPv4 address the platform assigned, "a.b.c.d" or "a.b.c.d/p"
     * (Xen's toolstack writes a vif's ip= to its backend's `ip` key), or
     * "": the stack takes it instead of asking DHCP, unless the command
     * line's ip= names this interface's address (net/lwip/netif.c). */
    char platform_ip[20];
    /* statistics */
    u64 rx_frames, tx_frames, rx_dropped, tx_errors;
    /* the doorbell rung (virtio's notify, netfront's event-channel send),
     * for either direction, and the interrupts or events taken: what a
     * frame costs in exits, the device's suppression rules deciding
     * (the tour's chapter 8); the driver counts them with netdev_count_*,
     * from either context, so a word: i386 has no cheap 64-bit atomic add */
    unsigned long notifies, interrupts;
    /* the listener: called for each frame received, in interrupt context
     * or the driver's thread; the frame is valid only during the call */
    void (*rx)(struct netdev *nd, const void *frame, size_t len, void *ctx);
    void *rx_ctx;
};

/* A driver's new device: named net<N> and listed; -ENOSPC beyond
 * NETDEV_MAX. */
int netdev_register(struct netdev *nd);
unsigned netdev_count(void);
struct netdev *netdev_get(unsigned i);
/* Send through the device; a frame of a bad length is -EINVAL. */
int netdev_send(struct netdev *nd, const void *frame, size_t len);
/* From the driver: a frame arrived (its length checked by the driver
 * against its buffer; here against the Ethernet limits). */
void netdev_receive(struct netdev *nd, const void *frame, size_t len);
static inline void netdev_count_notify(struct netdev *nd)
{
    __atomic_add_fetch(&nd->notifies, 1, __ATOMIC_RELAXED);
}
static inline void netdev_count_interrupt(struct netdev *nd)
{
    __atomic_add_fetch(&nd->interrupts, 1, __ATOMIC_RELAXED);
}
void netdev_set_listener(struct netdev *nd,
                         void (*rx)(struct netdev *, const void *, size_t, void *), void *ctx);

#endif
