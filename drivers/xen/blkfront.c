/*
 * blkfront: a Xen vbd as a block device of the kernel's blockdev
 * interface (include/proteus/blockdev.h), the frontend of xen/io/blkif.h.
 * One ring of one page and one event channel; the size (`sectors`, in
 * 512-byte units whatever `sector-size` is), read-only (`info` &
 * VDISK_READONLY) and how to flush (`feature-flush-cache`, else
 * `feature-barrier`, else the backend writes through) are read once the
 * backend is Connected.
 *
 * One request is in flight at a time, under the device's mutex, as in
 * virtio_blk.c: the caller's thread queues it, notifies and sleeps until
 * the event says the response came. Data goes through bounce pages of
 * the driver's, granted to the backend once, up to
 * BLKIF_MAX_SEGMENTS_PER_REQUEST (11) pages per request, so a long
 * transfer is several requests. The response must carry the id and
 * operation in flight and a BLKIF_RSP_* status (front_check.c); a
 * response that breaks that, a producer running ahead of the requests,
 * or no response in 30 s stops the device, said.
 */
#include <arch/cpu.h>
#include <drivers/xenfront.h>
#include <proteus/blockdev.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/printk.h>
#include <proteus/spinlock.h>
#include <proteus/string.h>
#include <proteus/sync.h>
#include <proteus/vm.h>
#include <pv/xen.h>
#include <pv/xen_ring.h>
#include <pv/xenbus.h>
#include <xen/io/protocols.h>

#define SEGS BLKIF_MAX_SEGMENTS_PER_REQUEST
#define SECTORS_PER_PAGE (PAGE_SIZE / SECTOR_SIZE)
#define VEC_BLKFRONT_BASE 0x78
#define REQUEST_TIMEOUT_MS 30000   /* a test's device: its connect deadline instead */

struct blkfront {
    struct blockdev bd;
    struct xenbus_dev *xd;
    blkif_front_ring_t ring;
    grant_ref_t ring_ref;
    evtchn_port_t port;
    unsigned vector;
    u8 *bounce[SEGS];
    grant_ref_t gref[SEGS];
    struct mutex lock;          /* one request at a time */
    spinlock_t done_lock;
    struct waitq done_wq;
    bool done, failed, stopped;
    u8 flush_op;                /* BLKIF_OP_FLUSH_DISKCACHE, _WRITE_BARRIER, or 0 */
    u64 next_id;
    struct blkif_response rsp;  /* the answer, copied out of the ring */
    const char *broken;         /* why the ring cannot be trusted */
    long broken_value;
    char state[64];
};

static struct blkfront *fronts;   /* BLOCKDEV_MAX, from free frames at the first one */
static unsigned nfronts;

static void stop(struct blkfront *b, const char *why, long value)
{
    if (b->failed)
        return;
    b->failed = true;
    printk("blkfront: %s: %s (%ld): device stopped\n", b->xd->name, why, value);
}

/* The response to the request in flight, from the event (done_lock
 * held): copied out, or the ring marked broken. */
static void event(void *ctx)
{
    struct blkfront *b = ctx;
    unsigned long f = spin_lock_irqsave(&b->done_lock);
    int more;
    do {
        RING_IDX prod = __atomic_load_n(&b->ring.sring->rsp_prod, __ATOMIC_RELAXED), n;
        xen_rmb();   /* the response after the index that says it is there */
        if (xen_ring_responses(prod, b->ring.rsp_cons, b->ring.req_prod_pvt, &n)) {
            b->broken = "rsp_prod runs ahead of the requests";
            b->broken_value = (long)prod;
            b->done = true;
            break;
        }
        for (; n; n--) {
            RING_COPY_RESPONSE(&b->ring, b->ring.rsp_cons, &b->rsp);
            b->ring.rsp_cons++;
            b->done = true;
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&b->ring, more);
    } while (more);
    if (b->done)
        waitq_wake_all(&b->done_wq);
    spin_unlock_irqrestore(&b->done_lock, f);
}

/* One request of `sectors` (up to SEGS pages) from `sector`, its data in
 * (or to go into) the bounce pages; lock held. */
static int request(struct blkfront *b, u8 op, u64 sector, u32 sectors)
{
    if (b->failed)
        return -EIO;
    unsigned long f = spin_lock_irqsave(&b->done_lock);
    blkif_request_t *req = RING_GET_REQUEST(&b->ring, b->ring.req_prod_pvt);
    u64 id = ++b->next_id;
    req->operation = op;
    req->handle = 0;   /* "only for read/write requests": the backend's own vdev */
    req->id = id;
    req->sector_number = sector;
    u8 nseg = 0;
    for (u32 left = sectors; left; nseg++) {
        u32 n = left > SECTORS_PER_PAGE ? SECTORS_PER_PAGE : left;
        req->seg[nseg].gref = b->gref[nseg];
        req->seg[nseg].first_sect = 0;
        req->seg[nseg].last_sect = (u8)(n - 1);
        left -= n;
    }
    req->nr_segments = nseg;
    b->ring.req_prod_pvt++;
    b->done = false;
    b->broken = NULL;
    int kick;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&b->ring, kick);
    spin_unlock_irqrestore(&b->done_lock, f);
    if (kick) {
        int err = xen_evtchn_send(b->port);
        if (err) {
            stop(b, "notifying the backend failed", err);
            return -EIO;
        }
    }
    unsigned ms = b->xd->under_test ? b->xd->test_ms : REQUEST_TIMEOUT_MS;
    u64 deadline = clock_ns() + (u64)ms * 1000000;
    f = spin_lock_irqsave(&b->done_lock);
    bool timed_out = false;
    while (!b->done && !timed_out)
        timed_out = !waitq_sleep_until(&b->done_wq, &b->done_lock, deadline);
    struct blkif_response rsp = b->rsp;
    const char *broken = b->broken;
    spin_unlock_irqrestore(&b->done_lock, f);
    if (timed_out) {
        printk("blkfront: %s: no answer in %u ms\n", b->xd->name, ms);
        stop(b, "a request not answered, operation", op);
        return -EIO;
    }
    const char *why = broken ? broken : xenfront_blkif_check(&rsp, id, op);
    if (why) {
        stop(b, why, broken ? b->broken_value : (long)rsp.id);
        return -EIO;
    }
    if (rsp.status == BLKIF_RSP_EOPNOTSUPP && op == b->flush_op) {
        printk("blkfront: %s: the backend does not support the flush it offered\n", b->xd->name);
        b->flush_op = 0;
    }
    return rsp.status == BLKIF_RSP_OKAY ? 0 : -EIO;
}

static int bf_io(struct blockdev *bd, bool write, u64 sector, void *buf, u32 count)
{
    struct blkfront *b = bd->priv;
    u8 *p = buf;
    mutex_lock(&b->lock);
    int err = 0;
    while (count && !err) {
        u32 n = count > SEGS * SECTORS_PER_PAGE ? SEGS * SECTORS_PER_PAGE : count;
        if (write)
            blockdev_bounce_copy(b->bounce, p, n, true);
        err = request(b, write ? BLKIF_OP_WRITE : BLKIF_OP_READ, sector, n);
        if (!err && !write)
            blockdev_bounce_copy(b->bounce, p, n, false);
        p += n * SECTOR_SIZE;
        sector += n;
        count -= n;
    }
    mutex_unlock(&b->lock);
    return err;
}

/* Without either flush feature the backend writes through (blkif.h,
 * "feature-flush-cache"): a flush has nothing to wait for. */
static int bf_flush(struct blockdev *bd)
{
    struct blkfront *b = bd->priv;
    mutex_lock(&b->lock);
    int err = b->failed ? -EIO : b->flush_op ? request(b, b->flush_op, 0, 0) : 0;
    mutex_unlock(&b->lock);
    return err;
}

static const struct blockdev_ops bf_ops = { .io = bf_io, .flush = bf_flush };

/* ---- xenbus ------------------------------------------------------------ */

static int bf_setup(struct xenbus_dev *d, const char **state)
{
    if (nfronts == BLOCKDEV_MAX) {
        *state = "left alone: too many block devices";
        return -ENOSPC;
    }
    if (!fronts && !(fronts = page_alloc_bytes(BLOCKDEV_MAX * sizeof(*fronts)))) {
        *state = "left alone: no free frames for the devices' state";
        return -ENOMEM;
    }
    struct blkfront *b = &fronts[nfronts];
    memset(b, 0, sizeof(*b));
    b->xd = d;
    d->priv = b;
    b->ring_ref = XENBUS_NO_REF;
    for (unsigned i = 0; i < SEGS; i++)
        b->gref[i] = XENBUS_NO_REF;
    paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
    b->ring.sring = pa ? phys_to_virt(pa) : NULL;   /* for release, before FRONT_RING_INIT */
    bool ok = pa != 0;
    for (unsigned i = 0; ok && i < SEGS; i++) {
        paddr_t bp = page_alloc(PAGE_DIRECT | PAGE_ZERO);
        b->bounce[i] = bp ? phys_to_virt(bp) : NULL;
        ok = bp != 0;
    }
    if (!ok) {
        printk("blkfront: %s: no memory for its ring and bounce pages (%u pages)\n", d->name,
               1 + SEGS);
        *state = "failed: no memory for its ring and buffers";
        return -ENOMEM;
    }
    blkif_sring_t *s = phys_to_virt(pa);
    SHARED_RING_INIT(s);
    FRONT_RING_INIT(&b->ring, s, PAGE_SIZE);
    int err = xenbus_grant(d, s, false, &b->ring_ref);
    for (unsigned i = 0; !err && i < SEGS; i++)
        err = xenbus_grant(d, b->bounce[i], false, &b->gref[i]);
    if (err) {
        *state = "failed: its pages could not be granted";
        return err;
    }
    mutex_init(&b->lock, false);
    b->done_lock = (spinlock_t)SPINLOCK_INIT;
    waitq_init(&b->done_wq);
    b->vector = VEC_BLKFRONT_BASE + nfronts;
    err = xenbus_event_channel(d, b->vector, event, b, &b->port);
    if (err) {
        b->port = 0;
        *state = "failed: no event channel";
        return err;
    }
    nfronts++;
    return 0;
}

/* A device that never came up gives back its pages (each once the
 * backend let go of it), grants and event channel, and its slot if it is
 * the last. */
static void bf_release(struct xenbus_dev *d)
{
    struct blkfront *b = d->priv;
    if (!b)
        return;
    xenbus_event_channel_close(b->vector, b->port);
    xenbus_give_back(b->ring_ref, b->ring.sring);
    for (unsigned i = 0; i < SEGS; i++)
        xenbus_give_back(b->gref[i], b->bounce[i]);
    if (b->port && b == &fronts[nfronts - 1])
        nfronts--;
    memset(b, 0, sizeof(*b));
    d->priv = NULL;
}

/* xen/io/blkif.h, "Frontend XenBus Nodes": one ring, its event channel,
 * and the ABI of the requests' layout (an i386 domain's differs from the
 * x86_64 backend's: xen/io/protocols.h). */
static int bf_write_keys(struct xenbus_dev *d, u32 tx)
{
    struct blkfront *b = d->priv;
    int err = xenbus_write_uint(d, tx, "ring-ref", b->ring_ref);
    if (!err)
        err = xenbus_write_uint(d, tx, "event-channel", b->port);
    if (!err)
        err = xenbus_write(d, tx, "protocol", XEN_IO_PROTO_ABI_NATIVE);
    return err;
}

static int bf_connected(struct xenbus_dev *d, const char **state)
{
    struct blkfront *b = d->priv;
    u64 sectors, info = 0, sector_size = SECTOR_SIZE;
    int err = xenbus_read_uint(d, true, "sectors", 1, ~0ULL >> 9, &sectors);
    int e2 = xenbus_read_uint(d, true, "info", 0, 0xffffffff, &info);
    int e3 = xenbus_read_uint(d, true, "sector-size", 512, 1u << 16, &sector_size);
    if (err || (e2 && e2 != -ENOENT) || (e3 && e3 != -ENOENT)) {
        printk("blkfront: %s: the backend's sectors (%s), info (%s) or sector-size (%s) is "
               "unusable\n", d->name, errno_name(err), errno_name(e2), errno_name(e3));
        *state = "failed: unusable sectors, info or sector-size";
        return -EINVAL;
    }
    if (sector_size != SECTOR_SIZE) {
        /* requests are in 512-byte units, but each must then be whole
         * logical sectors of the backend's, which blockdev callers do not
         * know about */
        printk("blkfront: %s: a sector-size of %llu: only 512 is driven\n", d->name,
               (unsigned long long)sector_size);
        *state = "left alone: sector-size is not 512";
        return -ENODEV;
    }
    b->flush_op = xenbus_feature(d, "feature-flush-cache")  ? BLKIF_OP_FLUSH_DISKCACHE
                  : xenbus_feature(d, "feature-barrier") ? BLKIF_OP_WRITE_BARRIER
                                                         : 0;
    b->bd.sectors = sectors;
    b->bd.read_only = info & VDISK_READONLY;
    b->bd.ops = &bf_ops;
    b->bd.priv = b;
    err = xenbus_write_uint(d, XS_NO_TRANSACTION, "state", XenbusStateConnected);
    if (err) {
        printk("blkfront: %s: writing state Connected failed: %s\n", d->name, errno_name(err));
        *state = "failed: state Connected not written";
        return err;
    }
    err = d->under_test ? 0 : blockdev_register(&b->bd);
    if (err) {
        *state = "failed: the block device table is full";
        return err;
    }
    ksnprintf(b->state, sizeof(b->state), "up as %s (event channel %u%s)", b->bd.name, b->port,
              b->flush_op == BLKIF_OP_FLUSH_DISKCACHE ? ", flush-cache"
              : b->flush_op                           ? ", barrier"
                                                      : "");
    *state = b->state;
    return 0;
}

/* No more requests: the one in flight (if any) finishes first, under the
 * mutex. The grants stay: the domain ends, or the device is dead to it. */
static void bf_stop(struct xenbus_dev *d)
{
    struct blkfront *b = d->priv;
    if (!b || b->stopped)
        return;
    b->stopped = true;
    if (b->bd.ops) {
        mutex_lock(&b->lock);
        b->failed = true;
        mutex_unlock(&b->lock);
    } else {
        b->failed = true;
    }
    xen_evtchn_mask(b->port);
}

struct blockdev *blkfront_blockdev(const struct xenbus_dev *d)
{
    return d && d->drv == &blkfront_driver && d->priv ? &((struct blkfront *)d->priv)->bd : NULL;
}

const struct xenbus_driver blkfront_driver = {
    .name = "blkfront",
    .announce = XenbusStateInitialised,
    .setup = bf_setup,
    .write_keys = bf_write_keys,
    .connected = bf_connected,
    .stop = bf_stop,
    .release = bf_release,
};
