/*
 * netfront: a Xen vif as a network device of the kernel's netdev
 * interface (include/proteus/netdev.h), the frontend of xen/io/netif.h.
 * Two rings of one page each, transmit and receive, and one event
 * channel for both (no feature-split-event-channels, no multi-queue).
 *
 * Receive is `request-rx-copy`: each receive request names a page of
 * ours, granted writable once, into which the backend copies a frame;
 * the page is posted again as soon as the frame is handed on. Transmit
 * copies each frame into a half page of ours, granted read-only once, so
 * the caller's memory is free when send returns. Nothing is negotiated
 * that is not handled: no scatter-gather (so a frame is one slot and
 * NETRXF_more_data is the backend's mistake, dropped and counted), no
 * GSO, no checksum offload (`feature-no-csum-offload` = 1: the backend
 * fills checksums in; a frame still marked csum_blank is dropped).
 *
 * Every response is checked before it is believed (front_check.c): an
 * id out of range or not outstanding, a status that is neither a length
 * nor an error, offset and length beyond the page, a producer that runs
 * ahead of the requests: the device is stopped, said with the value, and
 * its interface goes down.
 */
#include <arch/cpu.h>
#include <drivers/xenfront.h>
#include <proteus/errno.h>
#include <proteus/ipv4.h>
#include <proteus/format.h>
#include <proteus/netdev.h>
#include <proteus/printk.h>
#include <proteus/spinlock.h>
#include <proteus/string.h>
#include <proteus/vm.h>
#include <pv/xen.h>
#include <pv/xen_ring.h>
#include <pv/xenbus.h>

#define RX_BUFS 64          /* of NET_RX_RING_SIZE (256) slots */
#define TX_BUFS 64
#define TX_BUF_SIZE 2048    /* a frame of ETH_FRAME_MAX, two to a page */
#define VEC_NETFRONT_BASE 0x70

struct netfront {
    struct netdev nd;
    struct xenbus_dev *xd;
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    RING_IDX rx_pushed;
    grant_ref_t tx_ring_ref, rx_ring_ref;
    evtchn_port_t port;
    unsigned vector;
    u8 *rx_page[RX_BUFS];
    grant_ref_t rx_gref[RX_BUFS];
    u8 rx_posted[RX_BUFS];
    u8 *tx_page[TX_BUFS / 2];
    grant_ref_t tx_gref[TX_BUFS / 2];
    u8 tx_posted[TX_BUFS];
    u16 tx_free[TX_BUFS], ntx_free;
    spinlock_t rx_lock, tx_lock;
    bool failed, in_frame;
    u64 multi_slot_dropped, csum_blank_dropped, backend_errors;
    char state[48];
};

static struct netfront *fronts;   /* NETDEV_MAX, from free frames at the first one */
static unsigned nfronts;

static void fail(struct netfront *nf, const char *why, long value)
{
    if (nf->failed)
        return;
    nf->failed = true;
    nf->nd.link_up = false;
    printk("netfront: %s: %s (%ld): device stopped\n", nf->xd->name, why, value);
}

static void notify(struct netfront *nf)
{
    netdev_count_notify(&nf->nd);
    int err = xen_evtchn_send(nf->port);   /* said by events.c */
    if (err)
        fail(nf, "notifying the backend failed", err);
}

/* ---- receive ----------------------------------------------------------- */

static void post_rx(struct netfront *nf, u16 id)
{
    netif_rx_request_t *req = RING_GET_REQUEST(&nf->rx, nf->rx.req_prod_pvt);
    req->id = id;
    req->gref = nf->rx_gref[id];
    nf->rx.req_prod_pvt++;
    nf->rx_posted[id] = 1;
}

static void push_rx(struct netfront *nf)
{
    int kick;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->rx, kick);
    nf->rx_pushed = nf->rx.req_prod_pvt;   /* what the backend may answer, kept on our side */
    if (kick)
        notify(nf);
}

/* One response: the frame handed on (or dropped, counted), its page
 * posted again. False when the backend broke the rules. */
static bool take_rx(struct netfront *nf, const netif_rx_response_t *r)
{
    const char *why = xenfront_netif_rx_check(r, RX_BUFS, nf->rx_posted);
    if (why) {
        fail(nf, why, r->id < RX_BUFS ? r->status : r->id);
        return false;
    }
    if (r->flags & NETRXF_extra_info) {
        fail(nf, "an extra-info slot, which no feature negotiated asks for", r->flags);
        return false;
    }
    nf->rx_posted[r->id] = 0;
    bool continued = nf->in_frame;
    nf->in_frame = r->flags & NETRXF_more_data;
    if (continued || nf->in_frame) {
        /* a frame over several slots, without feature-sg: dropped whole */
        if (!continued) {
            nf->multi_slot_dropped++;
            nf->nd.rx_dropped++;
        }
    } else if (r->status < 0) {
        nf->backend_errors++;
        nf->nd.rx_dropped++;
    } else if (r->flags & NETRXF_csum_blank) {
        nf->csum_blank_dropped++;   /* no checksum in it, and none was asked for */
        nf->nd.rx_dropped++;
    } else {
        netdev_receive(&nf->nd, nf->rx_page[r->id] + r->offset, (size_t)r->status);
    }
    post_rx(nf, r->id);
    return true;
}

static void service_rx(struct netfront *nf)
{
    unsigned long f = spin_lock_irqsave(&nf->rx_lock);
    int more;
    do {
        RING_IDX prod = __atomic_load_n(&nf->rx.sring->rsp_prod, __ATOMIC_RELAXED), n;
        xen_rmb();   /* the responses after the index that says they are there */
        /* held to the requests pushed, not to those posted again in this
         * loop: the backend has not seen those, and their slots hold our
         * requests, not its responses */
        if (xen_ring_responses(prod, nf->rx.rsp_cons, nf->rx_pushed, &n)) {
            fail(nf, "the receive ring's rsp_prod runs ahead of the requests", (long)prod);
            break;
        }
        for (; n && !nf->failed; n--) {
            netif_rx_response_t r;
            RING_COPY_RESPONSE(&nf->rx, nf->rx.rsp_cons, &r);
            nf->rx.rsp_cons++;
            if (!take_rx(nf, &r))
                break;
        }
        if (nf->failed)
            break;
        RING_FINAL_CHECK_FOR_RESPONSES(&nf->rx, more);
    } while (more);
    if (!nf->failed)
        push_rx(nf);
    spin_unlock_irqrestore(&nf->rx_lock, f);
}

/* ---- transmit ---------------------------------------------------------- */

/*T:895 Transmit slots back (tx_lock held): false when the backend broke
 * the rules. The response producer is another domain's, so it is read
 * once, held to the requests outstanding (xen_ring_responses,
 * include/pv/xen_ring.h), and each response is copied out of the shared
 * page before it is looked at (RING_COPY_RESPONSE): checking a value in
 * place and then using it would let dom0 change it in between. A
 * NETIF_RSP_OKAY, or an error the protocol defines (counted), gives the
 * id's half page back to the free list. The grant is not ended: the page
 * stays granted read-only and is used for a later frame. (Linux's
 * xen-netfront grants each packet's page and ends the grant when its
 * response comes back; copying into pages granted once takes both steps
 * off the data path.) RING_FINAL_CHECK_FOR_RESPONSES sets rsp_event, the
 * response the next event should come at, and looks once more, as
 * virtq_drain does. */
static bool reclaim_tx(struct netfront *nf)
{
    int more;
    do {
        RING_IDX prod = __atomic_load_n(&nf->tx.sring->rsp_prod, __ATOMIC_RELAXED), n;
        xen_rmb();
        if (xen_ring_responses(prod, nf->tx.rsp_cons, nf->tx.req_prod_pvt, &n)) {
            fail(nf, "the transmit ring's rsp_prod runs ahead of the requests", (long)prod);
            return false;
        }
        for (; n; n--) {
            netif_tx_response_t r;
            RING_COPY_RESPONSE(&nf->tx, nf->tx.rsp_cons, &r);
            nf->tx.rsp_cons++;
            const char *why = xenfront_netif_tx_check(&r, TX_BUFS, nf->tx_posted);
            if (why) {
                fail(nf, why, r.id < TX_BUFS ? r.status : r.id);
                return false;
            }
            if (r.status != NETIF_RSP_OKAY)
                nf->nd.tx_errors++;   /* the backend dropped it */
            nf->tx_posted[r.id] = 0;
            nf->tx_free[nf->ntx_free++] = r.id;
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&nf->tx, more);
    } while (more);
    return true;
}

/*T:885 The frame on the shared transmit ring. As in vnet_send, the frame
 * is copied into a buffer of the driver's (half of a page granted
 * read-only at setup, id picks which), and the ring slot then names it:
 *
 *   tx sring page (xen/include/public/io/ring.h, netif.h)
 *     req_prod, req_event, rsp_prod, rsp_event, then slots:
 *     slot[req_prod_pvt % 256] = struct netif_tx_request
 *        { gref, offset, flags = 0, id, size }
 *     ...the same slot later holds the backend's netif_tx_response
 *        { id, status }
 *
 * There is no descriptor table: the request carries its buffer itself,
 * and the buffer is a (grant, offset) the backend can use, not an address
 * it cannot. RING_PUSH_REQUESTS_AND_CHECK_NOTIFY stores req_prod (after a
 * write barrier), fences, and compares with the backend's req_event: the
 * same "have I crossed the index you asked about" test as virtq_publish's
 * avail_event, for the same reason. Only then is the backend notified. */
static int nf_send(struct netdev *nd, const void *frame, size_t len)
{
    struct netfront *nf = nd->priv;
    if (nf->failed)
        return -EIO;
    unsigned long f = spin_lock_irqsave(&nf->tx_lock);
    if (!nf->ntx_free && !reclaim_tx(nf)) {
        spin_unlock_irqrestore(&nf->tx_lock, f);
        return -EIO;
    }
    if (!nf->ntx_free) {
        spin_unlock_irqrestore(&nf->tx_lock, f);
        return -EAGAIN;
    }
    u16 id = nf->tx_free[--nf->ntx_free];
    u16 offset = (u16)(id % 2 * TX_BUF_SIZE);
    memcpy(nf->tx_page[id / 2] + offset, frame, len);
    netif_tx_request_t *req = RING_GET_REQUEST(&nf->tx, nf->tx.req_prod_pvt);
    req->gref = nf->tx_gref[id / 2];
    req->offset = offset;
    req->flags = 0;   /* the checksum is in the frame; no more slots, no extra info */
    req->id = id;
    req->size = (u16)len;
    nf->tx.req_prod_pvt++;
    nf->tx_posted[id] = 1;
    int kick;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&nf->tx, kick);
    spin_unlock_irqrestore(&nf->tx_lock, f);
    if (kick)
        notify(nf);
    return nf->failed ? -EIO : 0;
}

static const struct netdev_ops nf_ops = { .send = nf_send };

/*T:893 The way back: netback has sent the frame, written a response in
 * the ring, moved rsp_prod and, because rsp_event asked for it, sent an
 * event on the channel. Xen marks the port pending in this domain's
 * shared_info and enters its event callback: xen_upcall
 * (pv/xen/events.c) finds the port, clears its pending bit and
 * dispatches the vector it is bound to, as a native interrupt would be
 * (arch/x86/irq.c), to xenbus's evtchn_event and then here. The event,
 * like virtio-net's interrupt, serves both rings: frames in, transmit
 * slots back. */
static void event(void *ctx)
{
    struct netfront *nf = ctx;
    netdev_count_interrupt(&nf->nd);
    if (nf->failed)
        return;
    service_rx(nf);
    unsigned long f = spin_lock_irqsave(&nf->tx_lock);
    reclaim_tx(nf);
    spin_unlock_irqrestore(&nf->tx_lock, f);
}

/* ---- xenbus ------------------------------------------------------------ */

static void *page(void)
{
    paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
    return pa ? phys_to_virt(pa) : NULL;
}

/*T:870 (b) Xen netfront. The backend (xen-netback in dom0's Linux) is
 * another domain, which cannot read this domain's memory by address the
 * way QEMU reads a guest-physical address. Everything it is to touch is
 * granted to it, page by page, by a grant reference (a small integer:
 * an index in this domain's grant table). So before any frame moves, the
 * two rings and the buffers are allocated here and each page granted to
 * the backend once: the rings and receive pages writable, the transmit
 * pages read-only (a frame to send needs no writing by dom0). 2 + 64 +
 * 32 pages, 98 references; they stay granted while the device lives.
 * SHARED_RING_INIT and FRONT_RING_INIT are Xen's own macros
 * (xen/include/public/io/ring.h): one page of slots with free-running
 * indices. */
static int pages_and_grants(struct netfront *nf, struct xenbus_dev *d, const char **state)
{
    netif_tx_sring_t *txs = page();
    netif_rx_sring_t *rxs = page();
    nf->tx.sring = txs;   /* for release, before FRONT_RING_INIT */
    nf->rx.sring = rxs;
    bool ok = txs && rxs;
    for (unsigned i = 0; ok && i < RX_BUFS; i++)
        ok = (nf->rx_page[i] = page()) != NULL;
    for (unsigned i = 0; ok && i < TX_BUFS / 2; i++)
        ok = (nf->tx_page[i] = page()) != NULL;
    if (!ok) {
        printk("netfront: %s: no memory for its rings and buffers (%u pages)\n", d->name,
               2 + RX_BUFS + TX_BUFS / 2);
        *state = "failed: no memory for its rings and buffers";
        return -ENOMEM;
    }
    SHARED_RING_INIT(txs);
    FRONT_RING_INIT(&nf->tx, txs, PAGE_SIZE);
    SHARED_RING_INIT(rxs);
    FRONT_RING_INIT(&nf->rx, rxs, PAGE_SIZE);
    int err = xenbus_grant(d, txs, false, &nf->tx_ring_ref);
    if (!err)
        err = xenbus_grant(d, rxs, false, &nf->rx_ring_ref);
    for (unsigned i = 0; !err && i < RX_BUFS; i++)
        err = xenbus_grant(d, nf->rx_page[i], false, &nf->rx_gref[i]);
    for (unsigned i = 0; !err && i < TX_BUFS / 2; i++)
        err = xenbus_grant(d, nf->tx_page[i], true, &nf->tx_gref[i]);
    if (err) {
        *state = "failed: its pages could not be granted";
        return err;
    }
    return 0;
}

/* The rings, the buffers and their grants, and the event channel. */
static int nf_setup(struct xenbus_dev *d, const char **state)
{
    if (nfronts == NETDEV_MAX) {
        *state = "left alone: too many network devices";
        return -ENOSPC;
    }
    if (!fronts && !(fronts = page_alloc_bytes(NETDEV_MAX * sizeof(*fronts)))) {
        *state = "left alone: no free frames for the devices' state";
        return -ENOMEM;
    }
    struct netfront *nf = &fronts[nfronts];
    memset(nf, 0, sizeof(*nf));
    nf->xd = d;
    d->priv = nf;
    nf->tx_ring_ref = nf->rx_ring_ref = XENBUS_NO_REF;
    for (unsigned i = 0; i < RX_BUFS; i++)
        nf->rx_gref[i] = XENBUS_NO_REF;
    for (unsigned i = 0; i < TX_BUFS / 2; i++)
        nf->tx_gref[i] = XENBUS_NO_REF;
    char mac[24];
    int n = xenbus_read(d, false, "mac", mac, sizeof(mac));
    if (n < 0 || xenfront_parse_mac(mac, nf->nd.mac)) {
        printk("netfront: %s: its mac key is %s%s%s: not a unicast xx:xx:xx:xx:xx:xx\n", d->name,
               n < 0 ? errno_name(n) : "'", n < 0 ? "" : mac, n < 0 ? "" : "'");
        *state = "failed: no usable mac key";
        return -EINVAL;
    }
    /* The address the toolstack gives the vif (xl's vif ip=, which libxl
     * writes to the backend's `ip` key: Xen's docs/misc/
     * xl-network-configuration.pandoc): a blank-separated list, of which
     * the stack takes the first in place of DHCP. */
    char ip[64];
    n = xenbus_read(d, true, "ip", ip, sizeof(ip));
    if (n > 0) {
        size_t len = 0;
        while (ip[len] && ip[len] != ' ')
            len++;
        ip[len] = '\0';
        u32 a;
        int prefix;
        if (len < sizeof(nf->nd.platform_ip) && !ipv4_parse(ip, &a, &prefix))
            memcpy(nf->nd.platform_ip, ip, len + 1);
        else
            printk("netfront: %s: the backend's ip key '%s' is no a.b.c.d[/prefix]: ignored\n", d->name, ip);
    }
    if (!xenbus_feature(d, "feature-rx-copy")) {
        *state = "failed: the backend offers no feature-rx-copy";
        return -ENODEV;
    }
    int err = pages_and_grants(nf, d, state);
    if (err)
        return err;
    nf->rx_lock = (spinlock_t)SPINLOCK_INIT;
    nf->tx_lock = (spinlock_t)SPINLOCK_INIT;
    for (u16 i = 0; i < TX_BUFS; i++)
        nf->tx_free[nf->ntx_free++] = i;
    for (u16 i = 0; i < RX_BUFS; i++)
        post_rx(nf, i);
    nf->nd.mtu = 1500;
    nf->nd.ops = &nf_ops;
    nf->nd.priv = nf;
    nf->vector = VEC_NETFRONT_BASE + nfronts;
    err = xenbus_event_channel(d, nf->vector, event, nf, &nf->port);
    if (err) {
        nf->port = 0;
        *state = "failed: no event channel";
        return err;
    }
    nfronts++;
    return 0;
}

/* A device that never came up gives back its pages (each once the
 * backend let go of it), grants and event channel, and its slot if it is
 * the last. */
static void nf_release(struct xenbus_dev *d)
{
    struct netfront *nf = d->priv;
    if (!nf)
        return;
    xenbus_event_channel_close(nf->vector, nf->port);
    xenbus_give_back(nf->tx_ring_ref, nf->tx.sring);
    xenbus_give_back(nf->rx_ring_ref, nf->rx.sring);
    for (unsigned i = 0; i < RX_BUFS; i++)
        xenbus_give_back(nf->rx_gref[i], nf->rx_page[i]);
    for (unsigned i = 0; i < TX_BUFS / 2; i++)
        xenbus_give_back(nf->tx_gref[i], nf->tx_page[i]);
    if (nf->port && nf == &fronts[nfronts - 1])
        nfronts--;
    memset(nf, 0, sizeof(*nf));
    d->priv = NULL;
}

/*T:880 How the backend learns where the rings are: not a register, but
 * keys in xenstore under this device's frontend directory
 * (xen/include/public/io/netif.h, "Frontend XenBus Nodes" and "Frontend
 * feature flags"). tx-ring-ref and rx-ring-ref are the grant references
 * of the two ring pages, which netback maps; event-channel is the port
 * nf_setup allocated for the backend's domain (xenbus_event_channel:
 * EVTCHNOP_alloc_unbound, bound to this device's vector), which netback
 * binds to. pv/xen/xenbus.c writes these keys and the new state
 * (Connected) in one transaction, then waits for the backend to say
 * Connected too (the state machine of xen/io/xenbus.h). xenstore is
 * used only to set the device up; no frame ever goes through it. */
static int nf_write_keys(struct xenbus_dev *d, u32 tx)
{
    struct netfront *nf = d->priv;
    int err = xenbus_write_uint(d, tx, "tx-ring-ref", nf->tx_ring_ref);
    if (!err)
        err = xenbus_write_uint(d, tx, "rx-ring-ref", nf->rx_ring_ref);
    if (!err)
        err = xenbus_write_uint(d, tx, "event-channel", nf->port);
    if (!err)
        err = xenbus_write(d, tx, "request-rx-copy", "1");
    if (!err)
        err = xenbus_write(d, tx, "feature-rx-notify", "1");
    if (!err)
        err = xenbus_write(d, tx, "feature-no-csum-offload", "1");
    return err;
}

static int nf_connected(struct xenbus_dev *d, const char **state)
{
    struct netfront *nf = d->priv;
    nf->nd.link_up = true;
    push_rx(nf);   /* the receive buffers posted in setup */
    int err = d->under_test ? 0 : netdev_register(&nf->nd);
    if (err) {
        *state = "failed: the netdev table is full";
        return err;
    }
    if (d->under_test)
        ksnprintf(nf->nd.name, sizeof(nf->nd.name), "test");
    ksnprintf(nf->state, sizeof(nf->state), "up as %s (event channel %u)", nf->nd.name,
              nf->port);
    *state = nf->state;
    event(nf);   /* anything that came before the handler was looked for */
    return 0;
}

/* The grants stay: the domain ends, or the device is dead to it. */
static void nf_stop(struct xenbus_dev *d)
{
    struct netfront *nf = d->priv;
    if (!nf)
        return;
    xen_evtchn_mask(nf->port);
    nf->failed = true;
    nf->nd.link_up = false;
}

struct netdev *netfront_netdev(const struct xenbus_dev *d)
{
    return d && d->drv == &netfront_driver && d->priv ? &((struct netfront *)d->priv)->nd : NULL;
}

const struct xenbus_driver netfront_driver = {
    .name = "netfront",
    .announce = XenbusStateConnected,
    .setup = nf_setup,
    .write_keys = nf_write_keys,
    .connected = nf_connected,
    .stop = nf_stop,
    .release = nf_release,
};
