/*
 * virtio-blk over the modern PCI transport (VIRTIO 1.2, 5.2): a block
 * device of the kernel's blockdev interface (include/proteus/blockdev.h).
 * One request queue (5.2.2); each request is a chain of a header the
 * device reads (type, sector: 5.2.6), the data (read by the device for a
 * write, written by it for a read) and a status byte it writes.
 *
 * One request is in flight at a time, under the device's mutex: the
 * caller's thread adds the chain, notifies and sleeps until the interrupt
 * says the device used it. The device reads and writes the caller's
 * buffer itself, a descriptor per page (each page's physical address from
 * the page tables, vm_translate), up to DIRECT_PAGES pages a request; a
 * buffer with a page that is not mapped (or, for a read, not writable)
 * goes through bounce pages of the driver's own instead, BOUNCE_PAGES at
 * a time. A long transfer is several requests. The device's word is checked: the chain it returns
 * must be the one in flight (the virtqueue code), the status must be one
 * the spec defines, and a read must have written the whole buffer and
 * the status; anything else is -EIO and the device is stopped.
 */
#include <drivers/virtio.h>
#include <proteus/blockdev.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/printk.h>
#include <proteus/spinlock.h>
#include <proteus/string.h>
#include <proteus/sync.h>
#include <proteus/vm.h>

#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9
/* 5.2.6 */
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2
#define CFG_CAPACITY 0

#define BOUNCE_PAGES 16   /* 64 KiB per request */
#define DIRECT_PAGES 56   /* segments of the caller's own: a request's chain fits the 64-entry queue */
#define PTE_RW 0x2        /* SDM Vol. 3A, 4.5 (Table 4-19): the page is writable */
#define SECTORS_PER_PAGE (PAGE_SIZE / SECTOR_SIZE)
#define VEC_VIRTIO_BLK_BASE 0x58
#define REQUEST_TIMEOUT_NS 30000000000ULL

struct req_hdr {
    u32 type;
    u32 reserved;
    u64 sector;
};

struct vblk {
    struct blockdev bd;
    struct virtio_dev *vd;
    struct virtq q;
    struct mutex lock;          /* one request at a time */
    spinlock_t done_lock;
    struct waitq done_wq;
    bool done, failed, flush;
    u32 used_len;
    int used_err;
    struct req_hdr *hdr;        /* in the driver's own page, with the status */
    u8 *status;
    u8 *bounce[BOUNCE_PAGES];
    char state[48];
};

static unsigned nvblks;

static void stop(struct vblk *b, const char *why)
{
    if (!b->failed) {
        b->failed = true;
        virtio_fail(b->vd, why);
    }
}

/* The request in flight came back (done_lock held). */
static void answered(void *cookie, u32 len, void *ctx)
{
    struct vblk *b = ctx;
    b->used_len = len;
    b->done = true;
}

static void interrupt(void *ctx)
{
    struct vblk *b = ctx;
    unsigned long f = spin_lock_irqsave(&b->done_lock);
    int err = virtq_drain(&b->q, answered, b);
    if (err) {
        b->used_err = err;
        b->done = true;
    }
    if (b->done)
        waitq_wake_all(&b->done_wq);
    spin_unlock_irqrestore(&b->done_lock, f);
}

/* The caller's `bytes` at p as page-sized (or shorter) segments of
 * physical memory, into seg[]: their count, or 0 when a page is not
 * mapped, or is read-only and the device is to write it. */
static unsigned direct_segments(const u8 *p, u32 bytes, bool device_writes, struct virtq_buf *seg)
{
    unsigned n = 0;
    while (bytes) {
        paddr_t pa;
        u64 entry;
        int level;
        if (vm_translate((vaddr_t)(uintptr_t)p, &pa, &entry, &level) || (device_writes && !(entry & PTE_RW)))
            return 0;
        u32 in_page = (u32)(PAGE_SIZE - ((uintptr_t)p & (PAGE_SIZE - 1)));
        u32 l = bytes < in_page ? bytes : in_page;
        seg[n++] = (struct virtq_buf){ pa, l };
        p += l;
        bytes -= l;
    }
    return n;
}

/* One request: its data in `data` (nseg segments: the caller's pages, or
 * the bounce pages); lock held. */
static int request(struct vblk *b, u32 type, u64 sector, u32 sectors, const struct virtq_buf *data,
                   unsigned nseg)
{
    if (b->failed)
        return -EIO;
    b->hdr->type = type;
    b->hdr->reserved = 0;
    b->hdr->sector = sector;
    *b->status = 0xff;
    struct virtq_buf bufs[DIRECT_PAGES + 3];
    unsigned n = 0;
    bufs[n++] = (struct virtq_buf){ virt_to_phys_direct(b->hdr), sizeof(*b->hdr) };
    for (unsigned i = 0; i < nseg; i++)
        bufs[n++] = data[i];
    bufs[n++] = (struct virtq_buf){ virt_to_phys_direct(b->status), 1 };
    /* the header, and for a write the data, are the device's to read */
    unsigned out = type == T_OUT ? n - 1 : 1;
    unsigned long f = spin_lock_irqsave(&b->done_lock);
    b->done = false;
    int err = virtq_add(&b->q, bufs, out, n - out, b);
    bool kick = !err && virtq_publish(&b->q);
    spin_unlock_irqrestore(&b->done_lock, f);
    if (err)
        return -EIO;
    if (kick)
        b->vd->t->notify(b->vd, 0);
    u64 deadline = clock_ns() + REQUEST_TIMEOUT_NS;
    f = spin_lock_irqsave(&b->done_lock);
    bool timed_out = false;
    while (!b->done && !timed_out)
        timed_out = !waitq_sleep_until(&b->done_wq, &b->done_lock, deadline);
    spin_unlock_irqrestore(&b->done_lock, f);
    if (timed_out) {
        stop(b, "a request not answered in 30 s");
        return -EIO;
    }
    if (b->used_err) {
        stop(b, "its used ring broke the rules");
        return -EIO;
    }
    u8 st = *b->status;
    u32 want = (type == T_IN ? sectors * SECTOR_SIZE : 0) + 1;
    if (st > S_UNSUPP || b->used_len < want) {
        stop(b, "an answer with an undefined status or short of the buffer");
        return -EIO;
    }
    return st == S_OK ? 0 : -EIO;
}

static int vblk_io(struct blockdev *bd, bool write, u64 sector, void *buf, u32 count)
{
    struct vblk *b = bd->priv;
    u8 *p = buf;
    mutex_lock(&b->lock);
    int err = 0;
    struct virtq_buf seg[DIRECT_PAGES + 1];
    while (count && !err) {
        /* the caller's own pages where they can be named (DIRECT_PAGES of
         * them, whatever the alignment: one more segment for a buffer
         * that does not start on a page) */
        u32 pages = b->q.size - 3u < DIRECT_PAGES ? b->q.size - 3u : DIRECT_PAGES;
        u32 n = count > (pages - 1) * SECTORS_PER_PAGE ? (pages - 1) * SECTORS_PER_PAGE : count;
        unsigned nseg = direct_segments(p, n * SECTOR_SIZE, !write, seg);
        if (nseg) {
            err = request(b, write ? T_OUT : T_IN, sector, n, seg, nseg);
            p += n * SECTOR_SIZE;
            sector += n;
            count -= n;
            continue;
        }
        n = count > BOUNCE_PAGES * SECTORS_PER_PAGE ? BOUNCE_PAGES * SECTORS_PER_PAGE : count;
        for (u32 i = 0, bytes = n * SECTOR_SIZE; bytes; i++) {
            u32 l = bytes > PAGE_SIZE ? PAGE_SIZE : bytes;
            seg[i] = (struct virtq_buf){ virt_to_phys_direct(b->bounce[i]), l };
            bytes -= l;
            nseg = i + 1;
        }
        if (write)
            blockdev_bounce_copy(b->bounce, p, n, true);
        err = request(b, write ? T_OUT : T_IN, sector, n, seg, nseg);
        if (!err && !write)
            blockdev_bounce_copy(b->bounce, p, n, false);
        p += n * SECTOR_SIZE;
        sector += n;
        count -= n;
    }
    mutex_unlock(&b->lock);
    return err;
}

/* Without VIRTIO_BLK_F_FLUSH the device writes through (5.2.5.1): a
 * flush has nothing to wait for. */
static int vblk_flush(struct blockdev *bd)
{
    struct vblk *b = bd->priv;
    if (!b->flush)
        return b->failed ? -EIO : 0;
    mutex_lock(&b->lock);
    int err = request(b, T_FLUSH, 0, 0, NULL, 0);
    mutex_unlock(&b->lock);
    return err;
}

static const struct blockdev_ops vblk_ops = { .io = vblk_io, .flush = vblk_flush };

int virtio_blk_attach(struct virtio_dev *d, const char **state)
{
    if (nvblks == BLOCKDEV_MAX) {
        *state = "left alone: too many block devices";
        return -ENOSPC;
    }
    /* Per-device state from free pages at attach (page_alloc_bytes, zeroed),
     * not a table in the image sized for the most devices. Never freed: a
     * device that fails to come up keeps it, as its interrupt may name it. */
    struct vblk *b = page_alloc_bytes(sizeof(*b));
    if (!b) {
        *state = "failed: no memory for its state";
        virtio_fail(d, *state);
        return -ENOMEM;
    }
    b->vd = d;
    int err = virtio_features(d, 1ULL << VIRTIO_BLK_F_RO | 1ULL << VIRTIO_BLK_F_FLUSH |
                                    1ULL << VIRTIO_F_RING_EVENT_IDX);
    if (err) {
        *state = "failed: the device refused the features";
        virtio_fail(d, *state);
        return err;
    }
    if (d->config_len < 8) {
        *state = "failed: no capacity in its configuration";
        virtio_fail(d, *state);
        return -ENODEV;
    }
    err = d->t->interrupt(d, VEC_VIRTIO_BLK_BASE + nvblks, interrupt, b, "virtio-blk");
    if (!err)
        err = d->t->queue(d, 0, 64, &b->q);
    if (!err && b->q.size < BOUNCE_PAGES + 3)
        err = -ENODEV;   /* a request's chain would not fit (no indirect descriptors here) */
    paddr_t hdr = err ? 0 : page_alloc(PAGE_DIRECT | PAGE_ZERO);
    for (unsigned i = 0; hdr && i < BOUNCE_PAGES; i++) {
        paddr_t pa = page_alloc(PAGE_DIRECT);
        if (!pa) {
            hdr = 0;
            break;
        }
        b->bounce[i] = phys_to_virt(pa);
    }
    if (err || !hdr) {
        *state = err ? "failed: no interrupt or no queue" : "failed: no memory for its buffers";
        virtio_fail(d, *state);
        return err ? err : -ENOMEM;
    }
    b->hdr = phys_to_virt(hdr);
    b->status = (u8 *)b->hdr + sizeof(*b->hdr);
    mutex_init(&b->lock, false);
    b->done_lock = (spinlock_t)SPINLOCK_INIT;
    waitq_init(&b->done_wq);
    b->flush = d->features & 1ULL << VIRTIO_BLK_F_FLUSH;
    b->bd.read_only = d->features & 1ULL << VIRTIO_BLK_F_RO;
    b->bd.sectors = virtio_config(d, CFG_CAPACITY, 4) | (u64)virtio_config(d, CFG_CAPACITY + 4, 4) << 32;
    b->bd.ops = &vblk_ops;
    b->bd.priv = b;
    d->t->driver_ok(d);
    nvblks++;
    err = blockdev_register(&b->bd);
    if (err) {
        *state = "failed: the block device table is full";
        return err;
    }
    ksnprintf(b->state, sizeof(b->state), "up as %s (%s)", b->bd.name, d->how);
    *state = b->state;
    return 0;
}
