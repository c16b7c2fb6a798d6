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
#include <stdio.h>
#include <string.h>
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include <proteus/api.h>
#include <proteus/ipv4.h>
#include <proteus/options.h>
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

/* Address `a` (host order) with its prefix length (-1: none given, the
 * class C default 24) into addr and mask; the mask in host order. */
static uint32_t set_address(uint32_t a, int prefix, ip4_addr_t *addr, ip4_addr_t *mask)
{
    if (prefix < 0)
        prefix = 24;
    uint32_t m = prefix ? ~0u << (32 - prefix) : 0;
    ip4_addr_set_u32(addr, lwip_htonl(a));
    ip4_addr_set_u32(mask, lwip_htonl(m));
    return m;
}

/* ip=, gw=, dns= from the kernel options: true when ip= is there and
 * every one given is well-formed (a malformed one is said, and DHCP used). */
static bool static_config(ip4_addr_t *addr, ip4_addr_t *mask, ip4_addr_t *gw, ip4_addr_t *dns)
{
    const char *ip = kernel_option("ip"), *g = kernel_option("gw"), *d = kernel_option("dns");
    if (!ip)
        return false;
    uint32_t a, gv = 0, dv = 0;
    int prefix;
    if (ipv4_parse(ip, &a, &prefix) || (g && ipv4_parse(g, &gv, NULL)) ||
        (d && ipv4_parse(d, &dv, NULL))) {
        printf("net: ip=%s gw=%s dns=%s: not a.b.c.d[/prefix] addresses; DHCP instead\n", ip,
               g ? g : "", d ? d : "");
        return false;
    }
    set_address(a, prefix, addr, mask);
    ip4_addr_set_u32(gw, lwip_htonl(gv));
    ip4_addr_set_u32(dns, lwip_htonl(dv));
    return true;
}

/* The address the platform gave the device (nd->platform_ip), as
 * static_config's; false when there is none or it is malformed (said). */
static bool platform_config(struct netdev *nd, ip4_addr_t *addr, ip4_addr_t *mask, ip4_addr_t *gw)
{
    if (!nd->platform_ip[0])
        return false;
    uint32_t a;
    int prefix;
    if (ipv4_parse(nd->platform_ip, &a, &prefix)) {
        printf("net: %s: the platform's address '%s' is not a.b.c.d[/prefix]; DHCP instead\n",
               nd->name, nd->platform_ip);
        return false;
    }
    uint32_t m = set_address(a, prefix, addr, mask);
    ip4_addr_set_zero(gw);   /* the platform names no gateway: gw= does */
    const char *g = kernel_option("gw");
    uint32_t gv;
    if (g && !ipv4_parse(g, &gv, NULL) && ((gv ^ a) & m) == 0)
        ip4_addr_set_u32(gw, lwip_htonl(gv));
    printf("net: %s: %s from the platform\n", nd->name, nd->platform_ip);
    return true;
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
        ip4_addr_t addr, mask, gw, dns;
        ip4_addr_set_zero(&dns);
        bool fixed = (nports == 0 && static_config(&addr, &mask, &gw, &dns)) ||
                     platform_config(p->nd, &addr, &mask, &gw);
        LOCK_TCPIP_CORE();
        struct netif *n = netif_add(&p->netif, fixed ? &addr : NULL, fixed ? &mask : NULL,
                                    fixed ? &gw : NULL, p, port_init, tcpip_input);
        if (n) {
            if (!netif_default)
                netif_set_default(n);
            netif_set_up(n);
            if (!fixed)
                dhcp_start(n);
            else if (!ip4_addr_isany_val(dns))
                dns_setserver(0, &dns);
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
        bool bound = !ip4_addr_isany_val(*netif_ip4_addr(n));   /* by DHCP or ip= */
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

int proteus_net_arp(unsigned i, uint32_t ip, unsigned timeout_ms, uint8_t mac[6])
{
    if (i >= nports)
        return -ENODEV;
    struct netif *n = &ports[i].netif;
    ip4_addr_t want;
    ip4_addr_set_u32(&want, ip);
    uint64_t end = proteus_clock_ns() + (uint64_t)timeout_ms * 1000000, next = 0;
    for (;;) {
        LOCK_TCPIP_CORE();
        struct eth_addr *eth = NULL;
        const ip4_addr_t *found;
        bool known = etharp_find_addr(n, &want, &eth, &found) >= 0 && eth;
        if (known)
            memcpy(mac, eth->addr, 6);
        else if (proteus_clock_ns() >= next)
            etharp_request(n, &want);   /* again each 500 ms */
        UNLOCK_TCPIP_CORE();
        if (known)
            return 0;
        if (proteus_clock_ns() >= next)
            next = proteus_clock_ns() + 500000000;
        if (proteus_clock_ns() >= end)
            return -ETIMEDOUT;
        proteus_sleep_until_ns(proteus_clock_ns() + 5000000);
    }
}
