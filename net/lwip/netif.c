/*
 * The kernel's network devices (include/proteus/netdev.h) as lwIP
 * interfaces (lwIP 2.1.3, src/include/lwip/netif.h; the Ethernet glue is
 * lwIP's own, netif/ethernet.c and ipv4/etharp.c). A device hands each
 * frame to its listener from its interrupt; lwIP must not be entered
 * there, so the listener copies the frame into a small ring and a thread
 * per interface ("lwip-rx") feeds it to the stack (tcpip_input). Frames
 * that find the ring full are dropped and counted, as a NIC whose ring is
 * full drops them. Transmission is from the stack's own thread, with the
 * core lock held: the pbuf chain is copied out flat and sent.
 */
#include <errno.h>
#include <string.h>
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include <proteus/api.h>
#include <proteus/net.h>
#include <proteus/netdev.h>
#include <proteus/spinlock.h>
#include <proteus/sync.h>
#include <proteus/thread.h>

#define RX_RING 32

struct port {
    struct netif netif;
    struct netdev *nd;
    spinlock_t lock;
    struct waitq wq;
    unsigned head, count;
    u64_t dropped;
    u16_t len[RX_RING];
    u8_t frame[RX_RING][ETH_FRAME_MAX];
    u8_t rx[ETH_FRAME_MAX];   /* the rx thread's copy of the frame it feeds */
    u8_t tx[ETH_FRAME_MAX];
};

static struct port ports[NETDEV_MAX];
static unsigned nports;
static int started;

static void on_frame(struct netdev *nd, const void *frame, size_t len, void *ctx)
{
    struct port *p = ctx;
    unsigned long f = spin_lock_irqsave(&p->lock);
    if (p->count == RX_RING) {
        p->dropped++;
    } else {
        unsigned slot = (p->head + p->count) % RX_RING;
        memcpy(p->frame[slot], frame, len);   /* len <= ETH_FRAME_MAX: netdev_receive checked */
        p->len[slot] = (u16_t)len;
        p->count++;
        waitq_wake_one(&p->wq);
    }
    spin_unlock_irqrestore(&p->lock, f);
}

static void *rx_thread(void *arg)
{
    struct port *p = arg;
    u8_t *buf = p->rx;
    for (;;) {
        unsigned long f = spin_lock_irqsave(&p->lock);
        while (!p->count)
            waitq_sleep(&p->wq, &p->lock);
        u16_t len = p->len[p->head];
        memcpy(buf, p->frame[p->head], len);
        p->head = (p->head + 1) % RX_RING;
        p->count--;
        spin_unlock_irqrestore(&p->lock, f);
        struct pbuf *pb = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
        if (!pb) {
            p->dropped++;
            continue;
        }
        pbuf_take(pb, buf, len);
        if (p->netif.input(pb, &p->netif) != ERR_OK)
            pbuf_free(pb);
    }
    return NULL;
}

static err_t linkoutput(struct netif *n, struct pbuf *pb)
{
    struct port *p = n->state;
    if (pb->tot_len > sizeof(p->tx))
        return ERR_BUF;
    pbuf_copy_partial(pb, p->tx, pb->tot_len, 0);
    int err = netdev_send(p->nd, p->tx, pb->tot_len);
    for (unsigned tries = 0; err == -EAGAIN && tries < 100; tries++) {
        thread_yield();   /* the device's queue is full: let it drain */
        err = netdev_send(p->nd, p->tx, pb->tot_len);
    }
    return err ? ERR_IF : ERR_OK;
}

static err_t port_init(struct netif *n)
{
    struct port *p = n->state;
    n->name[0] = 'e';
    n->name[1] = 'n';
    n->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(n->hwaddr, p->nd->mac, ETH_HWADDR_LEN);
    n->mtu = p->nd->mtu;
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
               (p->nd->link_up ? NETIF_FLAG_LINK_UP : 0);
    n->output = etharp_output;
    n->linkoutput = linkoutput;
    return ERR_OK;
}

int proteus_net_start(void)
{
    if (__atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL))
        return (int)nports;
    tcpip_init(NULL, NULL);
    for (unsigned i = 0; i < netdev_count() && nports < NETDEV_MAX; i++) {
        struct port *p = &ports[nports];
        p->nd = netdev_get(i);
        p->lock = (spinlock_t)SPINLOCK_INIT;
        waitq_init(&p->wq);
        int err;
        if (!thread_create("lwip-rx", rx_thread, p, 8, &err))
            return err;
        LOCK_TCPIP_CORE();
        struct netif *n = netif_add(&p->netif, NULL, NULL, NULL, p, port_init, tcpip_input);
        if (n) {
            if (!netif_default)
                netif_set_default(n);
            netif_set_up(n);
            dhcp_start(n);
        }
        UNLOCK_TCPIP_CORE();
        if (!n)
            return -EIO;
        netdev_set_listener(p->nd, on_frame, p);
        nports++;
    }
    return (int)nports;
}

int proteus_net_address(unsigned i, unsigned timeout_ms, uint32_t *ip, uint32_t *mask,
                        uint32_t *gw)
{
    if (i >= nports)
        return -ENODEV;
    struct netif *n = &ports[i].netif;
    uint64_t end = proteus_clock_ns() + (uint64_t)timeout_ms * 1000000;
    for (;;) {
        LOCK_TCPIP_CORE();
        bool bound = dhcp_supplied_address(n) || !ip4_addr_isany_val(*netif_ip4_addr(n));
        *ip = ip4_addr_get_u32(netif_ip4_addr(n));
        *mask = ip4_addr_get_u32(netif_ip4_netmask(n));
        *gw = ip4_addr_get_u32(netif_ip4_gw(n));
        UNLOCK_TCPIP_CORE();
        if (bound)
            return 0;
        if (proteus_clock_ns() >= end)
            return -ETIMEDOUT;
        proteus_sleep_until_ns(proteus_clock_ns() + 10000000);
    }
}
