/*
 * The network devices' registry and the checks common to all of them
 * (include/proteus/netdev.h). Drivers register during the bus scans of
 * boot; the stack and apps find them here by number.
 */
#include <drivers/virtio.h>
#include <drivers/xenfront.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/netdev.h>
#include <proteus/printk.h>

/* The network drivers. This file is the class's core (Makefile,
 * DEVCLASS_C): an app that uses the network links it, and these
 * references link the drivers with it; the buses reach them by weak
 * reference and find none in an image whose app does not. */
static const void *const net_drivers[] __attribute__((used)) = {
    (const void *)virtio_net_attach,
    &netfront_driver,
};

static struct netdev *devs[NETDEV_MAX];
static unsigned ndevs;

int netdev_register(struct netdev *nd)
{
    if (ndevs == NETDEV_MAX)
        return -ENOSPC;
    ksnprintf(nd->name, sizeof(nd->name), "net%u", ndevs);
    __atomic_store_n(&devs[ndevs], nd, __ATOMIC_RELEASE);
    ndevs++;
    pr_info("%s: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u link %s\n", nd->name, nd->mac[0],
            nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5], nd->mtu,
            nd->link_up ? "up" : "down");
    return 0;
}

unsigned netdev_count(void)
{
    return ndevs;
}

struct netdev *netdev_get(unsigned i)
{
    return i < ndevs ? __atomic_load_n(&devs[i], __ATOMIC_ACQUIRE) : NULL;
}

/*T:810 The device class's one door out. lwIP has built the frame (its
 * etharp_output put the Ethernet header in front) and its linkoutput in
 * net/lwip/netif.c has copied the pbuf chain flat into the port's buffer,
 * in lwIP's own thread with its core lock held. Above this line nothing
 * knows the transport; below it, nd->ops->send is vnet_send
 * (drivers/virtio/virtio_net.c) or nf_send (drivers/xen/netfront.c). The
 * length is held to Ethernet's limits here, once for every driver. Both
 * drivers copy the frame into a buffer the other side may read, so the
 * caller's memory is free when this returns; -EAGAIN means the ring is
 * full, and linkoutput yields and tries again (up to 100 times). */
int netdev_send(struct netdev *nd, const void *frame, size_t len)
{
    if (!nd || !frame || len < ETH_HLEN || len > (size_t)ETH_HLEN + nd->mtu)
        return -EINVAL;
    int err = nd->ops->send(nd, frame, len);
    if (!err)
        nd->tx_frames++;
    else if (err != -EAGAIN)
        nd->tx_errors++;
    return err;
}

void netdev_receive(struct netdev *nd, const void *frame, size_t len)
{
    if (len < ETH_HLEN || len > (size_t)ETH_HLEN + nd->mtu || !nd->rx) {
        nd->rx_dropped++;
        return;
    }
    nd->rx_frames++;
    nd->rx(nd, frame, len, nd->rx_ctx);
}

void netdev_set_listener(struct netdev *nd,
                         void (*rx)(struct netdev *, const void *, size_t, void *), void *ctx)
{
    nd->rx_ctx = ctx;
    __atomic_store_n(&nd->rx, rx, __ATOMIC_RELEASE);
}
