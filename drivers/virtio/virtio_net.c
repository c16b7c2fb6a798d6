/*
 * virtio-net (VIRTIO 1.2, 5.1), over whichever transport found it (modern
 * or legacy PCI, virtio-mmio: struct virtio_transport): a network device
 * of the kernel's netdev interface (include/proteus/netdev.h).
 * Queue 0 receives, queue 1 transmits (5.1.2); every frame on either is
 * preceded by a struct virtio_net_hdr (5.1.6), 12 bytes with VERSION_1,
 * which this driver leaves zero on transmit (no offloads are negotiated)
 * and skips on receive.
 *
 * Receive buffers are posted once, each 2 KiB (header and the largest
 * frame), and posted again as soon as the frame in them is handed on;
 * transmit copies each frame into a buffer of its own queue's pool, so
 * the caller's memory is free when send returns. One interrupt (an MSI-X
 * vector, or the INTx line) serves both queues. The device's lengths and ids are checked by the virtqueue
 * code; a device that breaks the rules is marked FAILED and its interface
 * goes down, instead of being trusted.
 */
#include <arch/cpu.h>
#include <drivers/virtio.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/netdev.h>
#include <proteus/printk.h>
#include <proteus/spinlock.h>
#include <proteus/string.h>
#include <proteus/vm.h>

#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1
/* 5.1.4 struct virtio_net_config */
#define CFG_MAC 0
#define CFG_STATUS 6
#define CFG_MTU 10

#define HDR_LEN 12   /* 5.1.6, with VERSION_1: num_buffers included */
#define BUF_SIZE 2048
#define QUEUE_MAX 128
#define RXQ 0
#define TXQ 1

struct vnet {
    struct netdev nd;
    struct virtio_dev *vd;
    u32 hdr_len;         /* 12, or 10 for a legacy device (5.1.6.1) */
    struct virtq rx, tx;
    u8 *rx_buf[QUEUE_MAX], *tx_buf[QUEUE_MAX];
    u16 tx_free[QUEUE_MAX], ntx_free;
    u16 nrx, ntx;            /* buffers in use: the queue's size, at most QUEUE_MAX */
    spinlock_t tx_lock;
    unsigned vector;
    char state[48];
    bool failed;
};

static unsigned nvnets;

static void fail(struct vnet *v, const char *why)
{
    if (v->failed)
        return;
    v->failed = true;
    v->nd.link_up = false;
    virtio_fail(v->vd, why);
}

static void post_rx(struct vnet *v, u8 *buf)
{
    struct virtq_buf b = { virt_to_phys_direct(buf), BUF_SIZE };
    if (virtq_add(&v->rx, &b, 0, 1, buf))
        fail(v, "no room to post a receive buffer again");
}

/* A frame in: handed on, and its buffer posted again. */
static void received(void *buf, u32 len, void *ctx)
{
    struct vnet *v = ctx;
    if (len < v->hdr_len)
        v->nd.rx_dropped++;   /* nothing but a header, or less */
    else
        netdev_receive(&v->nd, (u8 *)buf + v->hdr_len, len - v->hdr_len);
    post_rx(v, buf);
}

/* A transmit buffer the device is done with, back on the free list; its
 * cookie is its slot + 1 (a cookie is never NULL). tx_lock held. */
static void sent(void *cookie, u32 len, void *ctx)
{
    struct vnet *v = ctx;
    v->tx_free[v->ntx_free++] = (u16)((uintptr_t)cookie - 1);
}

/* Transmit buffers back (tx_lock held): false when the used ring broke
 * the rules, and the device is then stopped by the caller. */
static bool reclaim_tx(struct vnet *v)
{
    return virtq_drain(&v->tx, sent, v) == 0;
}

/* Queue q's doorbell, counted in the interface's statistics. */
static void kick(struct vnet *v, u16 q)
{
    netdev_count_notify(&v->nd);
    v->vd->t->notify(v->vd, q);
}

/*T:860 Completion. The device has read the frame, handed it to the host's
 * network, put {head, 0} in the transmit queue's used ring, moved
 * used->idx, and, unless suppressed, raised the device's one interrupt
 * (MSI-X vector VEC_VIRTIO_NET_BASE + n, or the INTx line, whose handler
 * in the transport reads the ISR to lower it). The interrupt serves both
 * queues: frames in (each handed to the netdev listener, its buffer
 * posted again and, if the device wants it, one notify for the lot) and
 * transmit buffers back to the free list through sent(). A transmit
 * buffer is also taken back in vnet_send when the free list is empty. */
static void service(struct vnet *v)
{
    if (v->failed)
        return;
    u16 posted_before = v->rx.avail_idx;
    if (virtq_drain(&v->rx, received, v))
        return fail(v, "the receive queue's used ring broke the rules");
    if (v->rx.avail_idx != posted_before && virtq_publish(&v->rx))
        kick(v, RXQ);
    unsigned long f = spin_lock_irqsave(&v->tx_lock);
    bool ok = reclaim_tx(v);
    spin_unlock_irqrestore(&v->tx_lock, f);
    if (!ok)
        fail(v, "the transmit queue's used ring broke the rules");
}

static void interrupt(void *ctx)
{
    struct vnet *v = ctx;
    netdev_count_interrupt(&v->nd);
    service(v);
}

/*T:820 (a) virtio-net. A frame goes out on queue 1, the transmit queue
 * (VIRTIO 1.2, 5.1.2), as one buffer the device only reads: the
 * struct virtio_net_hdr (5.1.6), all zero because no offload was
 * negotiated (5.1.6.2: no checksum to fill, no segmentation), then the
 * frame. The buffer is one of the driver's own, taken from a free list
 * and named to the device by its guest-physical address
 * (virt_to_phys_direct): the device's emulation (QEMU, or vhost-net in
 * the host's kernel) can reach all of the guest's RAM, so an address is
 * all it needs, and nothing is shared page by page. The slot number
 * rides along as the chain's cookie, which comes back when the device is
 * done (sent(), below). The notification is sent after the lock is
 * dropped: it is a trap into the hypervisor, not something to hold a
 * lock across. */
static int vnet_send(struct netdev *nd, const void *frame, size_t len)
{
    struct vnet *v = nd->priv;
    if (v->failed)
        return -EIO;
    unsigned long f = spin_lock_irqsave(&v->tx_lock);
    if (!v->ntx_free && !reclaim_tx(v)) {   /* take back what the device finished with */
        spin_unlock_irqrestore(&v->tx_lock, f);
        fail(v, "the transmit queue's used ring broke the rules");
        return -EIO;
    }
    if (!v->ntx_free) {
        spin_unlock_irqrestore(&v->tx_lock, f);
        return -EAGAIN;
    }
    u16 slot = v->tx_free[--v->ntx_free];
    u8 *buf = v->tx_buf[slot];
    memset(buf, 0, v->hdr_len);
    memcpy(buf + v->hdr_len, frame, len);
    struct virtq_buf b = { virt_to_phys_direct(buf), (u32)(v->hdr_len + len) };
    int err = virtq_add(&v->tx, &b, 1, 0, (void *)(uintptr_t)(slot + 1));
    bool notify = !err && virtq_publish(&v->tx);
    spin_unlock_irqrestore(&v->tx_lock, f);
    if (notify)
        kick(v, TXQ);
    return err ? -EAGAIN : 0;
}

static const struct netdev_ops vnet_ops = { .send = vnet_send };

/* Buffers of BUF_SIZE, two to a page. */
static bool alloc_bufs(u8 **bufs, unsigned n)
{
    for (unsigned i = 0; i < n; i += 2) {
        paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
        if (!pa)
            return false;
        bufs[i] = phys_to_virt(pa);
        if (i + 1 < n)
            bufs[i + 1] = bufs[i] + BUF_SIZE;
    }
    return true;
}

#define VEC_VIRTIO_NET_BASE 0x50

int virtio_net_attach(struct virtio_dev *d, const char **state)
{
    if (nvnets == NETDEV_MAX) {
        *state = "left alone: too many network devices";
        return -ENOSPC;
    }
    struct vnet *v = page_alloc_bytes(sizeof(*v));   /* as virtio_blk.c: kept for good */
    if (!v) {
        *state = "failed: no memory for its state";
        virtio_fail(d, *state);
        return -ENOMEM;
    }
    v->vd = d;
    int err = virtio_features(d, 1ULL << VIRTIO_NET_F_MAC | 1ULL << VIRTIO_NET_F_STATUS |
                                    1ULL << VIRTIO_NET_F_MTU | 1ULL << VIRTIO_F_RING_EVENT_IDX);
    if (err) {
        *state = "failed: the device refused the features";
        virtio_fail(d, *state);
        return err;
    }
    v->hdr_len = d->legacy ? 10 : HDR_LEN;
    v->vector = VEC_VIRTIO_NET_BASE + nvnets;
    err = d->t->interrupt(d, v->vector, interrupt, v, "virtio-net");
    *state = "failed: no interrupt (its vector taken, or no MSI-X and no line)";
    if (!err) {
        err = d->t->queue(d, RXQ, QUEUE_MAX, &v->rx);
        if (!err)
            err = d->t->queue(d, TXQ, QUEUE_MAX, &v->tx);
        *state = "failed: its queues could not be set up";
    }
    /* a legacy PCI device fixes its queues' sizes, which may exceed the
     * driver's: it uses QUEUE_MAX entries of them */
    v->nrx = v->rx.size < QUEUE_MAX ? v->rx.size : QUEUE_MAX;
    v->ntx = v->tx.size < QUEUE_MAX ? v->tx.size : QUEUE_MAX;
    if (!err && (!alloc_bufs(v->rx_buf, v->nrx) || !alloc_bufs(v->tx_buf, v->ntx))) {
        err = -ENOMEM;
        *state = "failed: no memory for its buffers";
    }
    if (err) {
        virtio_fail(d, *state);
        return err;
    }
    for (u16 i = 0; i < v->nrx; i++)
        post_rx(v, v->rx_buf[i]);
    for (u16 i = 0; i < v->ntx; i++)
        v->tx_free[v->ntx_free++] = i;
    v->tx_lock = (spinlock_t)SPINLOCK_INIT;
    bool has_mac = d->features & 1ULL << VIRTIO_NET_F_MAC && d->config_len >= 6;
    for (unsigned i = 0; i < 6; i++)
        v->nd.mac[i] = has_mac ? (u8)virtio_config(d, CFG_MAC + i, 1) : 0;
    if (!has_mac) {   /* a locally administered address of our own */
        static const u8 local[6] = { 0x02, 0x50, 0x52, 0x4f, 0x54, 0x00 };
        memcpy(v->nd.mac, local, 6);
        v->nd.mac[5] = (u8)nvnets;
    }
    u16 mtu = 1500;
    if (d->features & 1ULL << VIRTIO_NET_F_MTU && d->config_len >= CFG_MTU + 2) {
        mtu = (u16)virtio_config(d, CFG_MTU, 2);
        if (mtu < 68 || mtu > 1500)
            mtu = 1500;   /* buffers are sized for 1500; a larger MTU is not used */
    }
    v->nd.mtu = mtu;
    v->nd.link_up = !(d->features & 1ULL << VIRTIO_NET_F_STATUS) ||
                    (d->config_len >= CFG_STATUS + 2 &&
                     (virtio_config(d, CFG_STATUS, 2) & VIRTIO_NET_S_LINK_UP));
    v->nd.ops = &vnet_ops;
    v->nd.priv = v;
    d->t->driver_ok(d);
    if (virtq_publish(&v->rx))
        kick(v, RXQ);
    nvnets++;
    err = netdev_register(&v->nd);
    if (err) {
        *state = "failed: the netdev table is full";
        return err;
    }
    ksnprintf(v->state, sizeof(v->state), "up as %s (%s)", v->nd.name, d->how);
    *state = v->state;
    return 0;
}
