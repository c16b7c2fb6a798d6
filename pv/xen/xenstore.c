/*
 * The xenstore client (Xen's docs/misc/xenstore.txt; the wire format and
 * its checks are pv/xen/xenstore_wire.c). A domU reaches xenstored
 * through the ring page and event channel start_info names; dom0 runs
 * xenstored itself and has no client here.
 *
 * One request is outstanding at a time (req_lock is held from framing to
 * the reply): simple, and enough for a unikernel whose few users are the
 * lifecycle code and the app, so req_id only confirms that a reply is the
 * one waited for. A reply to anything else (a request that timed out, or
 * an id never sent) is reported and dropped.
 *
 * Two threads, as in Linux's xenbus: "xenstore" reads the response ring
 * whenever the event channel fires, hands replies to the waiting
 * requester and queues watch events; "xenwatch" runs the watches'
 * functions, so that they may make requests themselves (the reader could
 * not: it would wait for a reply only it can read). The reader counts as
 * waiting for an interrupt, so a domain whose threads all sleep is not
 * reported as deadlocked: the toolstack can still wake it (xl shutdown).
 *
 * What xenstored sends is another domain's word: bad ring indices reset
 * the ring and fail the request in flight with -EIO; a malformed reply
 * fails its request with -EPROTO's report and -EIO; each is counted
 * (xenstore_get_stats) and said once per kind.
 */
#include "xen.h"
#include "xenstore_wire.h"
#include <arch/cpu.h>
#include <proteus/cmdline.h>
#include <proteus/format.h>
#include <proteus/printk.h>
#include <proteus/range.h>
#include <proteus/string.h>
#include <proteus/sync.h>
#include <proteus/thread.h>
#include <proteus/timer.h>
#include <proteus/vm.h>
#include <pv/xenstore.h>

static volatile struct xenstore_domain_interface *intf;
static evtchn_port_t port;
static bool ready;

/* Taken with interrupts off: the event handler's count, the request in
 * flight, the queue of watch events. */
static spinlock_t lock = SPINLOCK_INIT;
static struct waitq events_wq = WAITQ_INIT(events_wq);   /* reader, writers */
static unsigned long events;                             /* the handler's count */
static struct waitq reply_wq = WAITQ_INIT(reply_wq);
static struct {
    bool waiting, done;
    u32 type, req_id;
    int err;
    u32 len;
} cur;
static struct list watch_queue = LIST_INIT(watch_queue);
static unsigned watch_queued;
static struct waitq watch_wq = WAITQ_INIT(watch_wq);
static struct xenstore_stats stats;

/* Held by a requester from framing to reading the reply, so `request`
 * and `reply` are its alone. */
static struct mutex req_lock = MUTEX_INIT(req_lock);
static u32 next_req_id = 1;
/* The buffers, 16 KiB: allocated by xenstore_init, on a domU only, not
 * carried in every image's BSS (issue 18). */
static struct xs_buffers {
    char request[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    char reply[XENSTORE_PAYLOAD_MAX + 1];
    struct xs_rx rx;         /* the reader thread's, under rx_lock */
    struct xs_rx saved_rx;   /* the real ring's, while a test ring is attached */
} *xb;
static struct mutex rx_lock = MUTEX_INIT(rx_lock);

/* Watches by token; watch_running is the one whose fn runs now, so that
 * unwatch can wait for it to end. */
static struct mutex watches_lock = MUTEX_INIT(watches_lock);
static struct list watches = LIST_INIT(watches);
static struct condvar watch_done;
static struct xenstore_watch *watch_running;
static u32 next_watch_id = 1;
static struct thread *xenwatch_thread;

/* A queued watch event: a page each, as a watch event's body is a path
 * (at most XENSTORE_ABS_PATH_MAX) and a token; a longer one is refused. */
struct watch_event {
    struct list link;
    u32 len;
    char body[PAGE_SIZE - sizeof(struct list) - sizeof(u32)];
};
#define WATCH_QUEUE_MAX 64

static void notify(void)
{
    (void)xen_evtchn_send(port);
}

static void event(unsigned vector, void *ctx)
{
    unsigned long f = spin_lock_irqsave(&lock);
    events++;
    waitq_wake_all(&events_wq);
    spin_unlock_irqrestore(&lock, f);
}

/* Say a kind of trouble the first few times only: a hostile server could
 * otherwise fill the console. */
#define SAY_MAX 4
#define say_limited(counter, ...)                                   \
    do {                                                            \
        if ((counter) <= SAY_MAX)                                   \
            printk(__VA_ARGS__);                                    \
    } while (0)

/* The request in flight ends with `err` (lock held). */
static void finish_locked(int err, u32 len)
{
    cur.done = true;
    cur.err = err;
    cur.len = len;
    waitq_wake_all(&reply_wq);
}

static void fail_current(int err)
{
    unsigned long f = spin_lock_irqsave(&lock);
    if (cur.waiting && !cur.done)
        finish_locked(err, 0);
    spin_unlock_irqrestore(&lock, f);
}

static void queue_watch_event(void)
{
    struct watch_event *e = NULL;
    if (xb->rx.hdr.len <= sizeof(e->body)) {
        paddr_t pa = page_alloc(PAGE_DIRECT);
        e = pa ? phys_to_virt(pa) : NULL;
        if (!e) {
            printk("xenstore: no memory for a watch event: dropped\n");
            return;
        }
    } else {
        stats.protocol_errors++;
        say_limited(stats.protocol_errors,
                    "xenstore: a watch event of %u bytes (longer than any path): dropped\n",
                    xb->rx.hdr.len);
        return;
    }
    e->len = xb->rx.hdr.len;
    memcpy(e->body, xb->rx.body, xb->rx.hdr.len + 1);
    unsigned long f = spin_lock_irqsave(&lock);
    bool full = watch_queued >= WATCH_QUEUE_MAX;
    if (!full) {
        list_add_tail(&watch_queue, &e->link);
        watch_queued++;
        waitq_wake_one(&watch_wq);
    }
    spin_unlock_irqrestore(&lock, f);
    if (full) {
        page_free(virt_to_phys_direct(e));
        printk("xenstore: %u watch events queued and not yet handled: one dropped\n",
               WATCH_QUEUE_MAX);
    }
}

static void deliver_reply(void)
{
    char tn[16], tn2[16];
    unsigned long f = spin_lock_irqsave(&lock);
    bool mine = cur.waiting && !cur.done && xb->rx.hdr.req_id == cur.req_id;
    if (mine) {
        int err = xs_reply_check(cur.type, &xb->rx.hdr, xb->rx.body);
        if (err == -EPROTO) {
            stats.protocol_errors++;
            say_limited(stats.protocol_errors,
                        "xenstore: a malformed reply (%s, %u bytes) to %s: the request fails\n",
                        xs_type_name(xb->rx.hdr.type, tn), xb->rx.hdr.len,
                        xs_type_name(cur.type, tn2));
            err = -EIO;
        }
        memcpy(xb->reply, xb->rx.body, xb->rx.hdr.len + 1);
        finish_locked(err, xb->rx.hdr.len);
    }
    spin_unlock_irqrestore(&lock, f);
    if (!mine) {
        stats.unknown_replies++;
        say_limited(stats.unknown_replies,
                    "xenstore: a reply (%s) to request %u, which is not outstanding: dropped\n",
                    xs_type_name(xb->rx.hdr.type, tn), xb->rx.hdr.req_id);
    }
}

/* Everything the response ring holds. */
static void drain(void)
{
    bool took = false;
    for (;;) {
        int r = xs_rx_take(&xb->rx, intf);
        if (r == XS_RX_MORE)
            break;
        took = true;
        if (r == -EIO || r == -EPROTO) {
            u64 *count = r == -EIO ? &stats.ring_errors : &stats.protocol_errors;
            ++*count;
            say_limited(*count, "xenstore: %s: the response ring is reset and the request "
                                "in flight fails\n",
                        r == -EIO ? "rsp_prod out of range (beyond the ring, or backwards)"
                                  : "a header longer than XENSTORE_PAYLOAD_MAX");
            fail_current(-EIO);
            continue;
        }
        if (xb->rx.hdr.type == XS_WATCH_EVENT) {
            stats.watch_events++;
            queue_watch_event();
        } else {
            deliver_reply();
        }
    }
    if (took)
        notify();   /* there is room: xenstored may have more */
}

static void *reader(void *unused)
{
    unsigned long handled = 0;
    sched_waiting_for_irq_begin();
    for (;;) {
        unsigned long f = spin_lock_irqsave(&lock);
        while (events == handled)
            waitq_sleep(&events_wq, &lock);
        handled = events;
        spin_unlock_irqrestore(&lock, f);
        mutex_lock(&rx_lock);
        drain();
        mutex_unlock(&rx_lock);
    }
    return NULL;
}

/* ---- requests ---------------------------------------------------------- */

/* Send parts as a `type` request and wait for its reply, which lands in
 * `reply` (req_lock held by the caller). 0 and *len, or a negative errno. */
static int transact_locked(u32 type, u32 tx, const char *const parts[], unsigned n, u32 *len)
{
    char tn[16];
    for (unsigned i = 0; i < n; i++)
        if (!parts[i])
            return -EINVAL;   /* an app's NULL path or value */
    long l = xs_frame(xb->request, type, next_req_id, tx, parts, n);
    if (l < 0)
        return (int)l;
    u64 deadline = clock_ns() + (u64)XENSTORE_TIMEOUT_MS * 1000000;
    unsigned long f = spin_lock_irqsave(&lock);
    cur = (typeof(cur)){ .waiting = true, .type = type, .req_id = next_req_id++ };
    spin_unlock_irqrestore(&lock, f);
    stats.requests++;

    int err = 0;
    for (long off = 0; off < l && !err;) {
        long put = xs_ring_put(intf, xb->request + off, (size_t)(l - off));
        if (put < 0) {
            stats.ring_errors++;
            say_limited(stats.ring_errors,
                        "xenstore: req_cons out of range (prod %u, cons %u): request fails\n",
                        intf->req_prod, intf->req_cons);
            err = -EIO;
            break;
        }
        off += put;
        notify();
        if (off < l) {   /* the ring is full: wait for xenstored to take some */
            f = spin_lock_irqsave(&lock);
            unsigned long seen = events;
            while (events == seen && !err)
                if (!waitq_sleep_until(&events_wq, &lock, deadline))
                    err = -ETIMEDOUT;
            spin_unlock_irqrestore(&lock, f);
        }
    }

    f = spin_lock_irqsave(&lock);
    while (!err && !cur.done)
        if (!waitq_sleep_until(&reply_wq, &lock, deadline))
            err = -ETIMEDOUT;
    if (!err)
        err = cur.err;
    *len = cur.len;
    cur.waiting = false;
    spin_unlock_irqrestore(&lock, f);
    if (err == -ETIMEDOUT) {
        stats.timeouts++;
        printk("xenstore: no reply to %s (request %u) in %u ms\n", xs_type_name(type, tn),
               cur.req_id, XENSTORE_TIMEOUT_MS);
    }
    return err;
}

static int simple(u32 type, u32 tx, const char *const parts[], unsigned n)
{
    if (!ready)
        return -ENODEV;
    u32 len;
    mutex_lock(&req_lock);
    int err = transact_locked(type, tx, parts, n, &len);
    mutex_unlock(&req_lock);
    return err;
}

bool xenstore_available(void)
{
    return ready;
}

/* A request on `path` whose reply is copied into buf: its length, or
 * -ERANGE when len cannot hold it and `extra` bytes more (a value's NUL,
 * which the reply buffer always has after the payload). */
static int fetch(u32 type, u32 tx, const char *path, char *buf, size_t len, u32 extra)
{
    if (!ready)
        return -ENODEV;
    if (!buf && len)
        return -EINVAL;
    const char *parts[] = { path };
    u32 got;
    mutex_lock(&req_lock);
    int err = transact_locked(type, tx, parts, 1, &got);
    if (!err && got + extra > len)
        err = -ERANGE;
    if (!err) {
        memcpy(buf, xb->reply, got + extra);
        err = (int)got;
    }
    mutex_unlock(&req_lock);
    return err;
}

int xenstore_read(u32 tx, const char *path, char *buf, size_t len)
{
    return fetch(XS_READ, tx, path, buf, len, 1);
}

int xenstore_write(u32 tx, const char *path, const char *value)
{
    const char *parts[] = { path, value };
    return simple(XS_WRITE, tx, parts, 2);
}

int xenstore_mkdir(u32 tx, const char *path)
{
    const char *parts[] = { path };
    return simple(XS_MKDIR, tx, parts, 1);
}

int xenstore_rm(u32 tx, const char *path)
{
    const char *parts[] = { path };
    return simple(XS_RM, tx, parts, 1);
}

int xenstore_directory(u32 tx, const char *path, char *buf, size_t len)
{
    int got = fetch(XS_DIRECTORY, tx, path, buf, len, 0);
    int names = 0;
    for (int i = 0; i < got; i++)
        names += buf[i] == '\0';   /* each name ends with its NUL (checked) */
    return got < 0 ? got : names;
}

int xenstore_transaction_start(u32 *tx)
{
    if (!ready)
        return -ENODEV;
    const char *parts[] = { "" };
    u32 got;
    mutex_lock(&req_lock);
    int err = transact_locked(XS_TRANSACTION_START, XS_NO_TRANSACTION, parts, 1, &got);
    if (!err)
        err = xs_parse_u32(xb->reply, got, tx);   /* checked already: cannot fail */
    mutex_unlock(&req_lock);
    return err;
}

int xenstore_transaction_end(u32 tx, bool abort)
{
    const char *parts[] = { abort ? "F" : "T" };
    return simple(XS_TRANSACTION_END, tx, parts, 1);
}

int xenstore_transact(int (*fn)(u32 tx, void *ctx), void *ctx)
{
    int err = -EAGAIN;
    for (unsigned i = 0; i < XENSTORE_TRANSACTION_TRIES && err == -EAGAIN; i++) {
        u32 tx;
        err = xenstore_transaction_start(&tx);
        if (err)
            return err;
        err = fn(tx, ctx);
        if (err) {
            (void)xenstore_transaction_end(tx, true);
            continue;
        }
        err = xenstore_transaction_end(tx, false);
    }
    if (err == -EAGAIN)
        printk("xenstore: a transaction conflicted %u times in a row: given up\n",
               XENSTORE_TRANSACTION_TRIES);
    return err;
}

void xenstore_get_stats(struct xenstore_stats *s)
{
    unsigned long f = spin_lock_irqsave(&lock);
    *s = stats;
    spin_unlock_irqrestore(&lock, f);
}

/* ---- watches ----------------------------------------------------------- */

int xenstore_watch(struct xenstore_watch *w)
{
    if (!ready)
        return -ENODEV;
    mutex_lock(&watches_lock);
    w->id = next_watch_id++;
    ksnprintf(w->token, sizeof(w->token), "pw%u", w->id);
    list_add_tail(&watches, &w->link);
    mutex_unlock(&watches_lock);
    const char *parts[] = { w->path, w->token };
    int err = simple(XS_WATCH, XS_NO_TRANSACTION, parts, 2);
    if (err) {
        mutex_lock(&watches_lock);
        list_del(&w->link);
        mutex_unlock(&watches_lock);
    }
    return err;
}

int xenstore_unwatch(struct xenstore_watch *w)
{
    if (!ready)
        return -ENODEV;
    const char *parts[] = { w->path, w->token };
    int err = simple(XS_UNWATCH, XS_NO_TRANSACTION, parts, 2);
    mutex_lock(&watches_lock);
    list_del(&w->link);
    /* its fn may be running now; from itself, it is already ending */
    while (watch_running == w && thread_current() != xenwatch_thread)
        condvar_wait(&watch_done, &watches_lock);
    mutex_unlock(&watches_lock);
    return err;
}

static void dispatch(struct watch_event *e)
{
    const char *path, *token;
    if (xs_watch_event_parse(e->body, e->len, &path, &token)) {
        stats.protocol_errors++;
        say_limited(stats.protocol_errors,
                    "xenstore: a malformed watch event (%u bytes; path and token need a NUL "
                    "each): dropped\n", e->len);
        return;
    }
    mutex_lock(&watches_lock);
    struct xenstore_watch *w = NULL;
    struct list *pos;
    list_for_each(pos, &watches) {
        struct xenstore_watch *c = container_of(pos, struct xenstore_watch, link);
        if (!strcmp(c->token, token)) {
            w = c;
            break;
        }
    }
    watch_running = w;
    mutex_unlock(&watches_lock);
    u64 id;
    if (!w && token[0] == 'p' && token[1] == 'w' &&
        !cmdline_parse_uint(token + 2, 1, next_watch_id - 1, &id))
        return;   /* one of ours, unwatched while the event was on its way */
    if (!w) {
        stats.unknown_watches++;
        say_limited(stats.unknown_watches,
                    "xenstore: a watch event for %s with token '%s', never watched: dropped\n",
                    path, token);
        return;
    }
    w->fn(w, path);
    mutex_lock(&watches_lock);
    watch_running = NULL;
    condvar_broadcast(&watch_done);
    mutex_unlock(&watches_lock);
}

static void *xenwatch(void *unused)
{
    for (;;) {
        unsigned long f = spin_lock_irqsave(&lock);
        while (list_empty(&watch_queue))
            waitq_sleep(&watch_wq, &lock);
        struct watch_event *e = container_of(list_pop(&watch_queue), struct watch_event, link);
        watch_queued--;
        spin_unlock_irqrestore(&lock, f);
        dispatch(e);
        page_free(virt_to_phys_direct(e));
    }
    return NULL;
}

/* ---- start ------------------------------------------------------------- */

int xenstore_init(void)
{
    if (xen_is_dom0())
        return -ENODEV;
    unsigned long pfn = xen_mfn_ready() ? xen_mfn_to_pfn(xen_start_info->store_mfn) : ~0UL;
    port = xen_start_info->store_evtchn;
    if (pfn == ~0UL || !port ||
        !range_inside((u64)pfn << PAGE_SHIFT, PAGE_SIZE, xen_bootstrap_start, xen_bootstrap_end)) {
        printk("xenstore: start_info's ring (mfn %#lx, port %u) is not a page of this domain's "
               "bootstrap region: no xenstore\n",
               (unsigned long)xen_start_info->store_mfn, port);
        return -EINVAL;
    }
    intf = phys_to_virt((paddr_t)pfn << PAGE_SHIFT);
    xb = page_alloc_bytes(sizeof(*xb));   /* zeroed */
    if (!xb) {
        printk("xenstore: no %u pages for its buffers: no xenstore\n", pages_for(sizeof(*xb)));
        return -ENOMEM;
    }
    condvar_init(&watch_done);
    xs_rx_init(&xb->rx, intf);
    int err = irq_register(VEC_XENSTORE, event, NULL, "xenstore");
    if (!err)
        err = xen_evtchn_bind_port(port, VEC_XENSTORE);
    if (err) {
        printk("xenstore: binding its event channel (port %u) failed: %s\n", port,
               errno_name(err));
        return err;
    }
    struct thread *r = thread_create("xenstore", reader, NULL, 4, &err);
    xenwatch_thread = r ? thread_create("xenwatch", xenwatch, NULL, 8, &err) : NULL;
    if (!xenwatch_thread) {
        printk("xenstore: its threads could not start: %s\n", errno_name(err));
        return err;
    }
    ready = true;
    notify();   /* anything xenstored put there before we listened */
    return 0;
}

/* A save (pv/xen/suspend.c): no request in flight and the reader out of
 * the ring while the domain is suspended; both locks stay held until
 * xenstore_resume. */
void xenstore_suspend(void)
{
    if (!ready)
        return;
    mutex_lock(&req_lock);
    mutex_lock(&rx_lock);
}

/* After it: the ring is the same page (start_info names its frame anew),
 * its channel a new port, and xenstored a new connection that knows none
 * of the watches, so each is set again (and fires once, as when set). */
void xenstore_resume(void)
{
    if (!ready)
        return;
    port = xen_start_info->store_evtchn;
    xs_rx_init(&xb->rx, intf);   /* a message half taken before the save is gone */
    int err = xen_evtchn_bind_port(port, VEC_XENSTORE);
    if (err)
        printk("xenstore: binding its channel (port %u) after the restore failed: %s\n", port,
               errno_name(err));
    mutex_unlock(&rx_lock);
    mutex_unlock(&req_lock);
    event(VEC_XENSTORE, NULL);   /* have the reader look at once */
    mutex_lock(&watches_lock);
    struct list *pos;
    list_for_each(pos, &watches) {
        struct xenstore_watch *w = container_of(pos, struct xenstore_watch, link);
        const char *parts[] = { w->path, w->token };
        err = simple(XS_WATCH, XS_NO_TRANSACTION, parts, 2);
        if (err)
            printk("xenstore: watching %s again after the restore failed: %s\n", w->path,
                   errno_name(err));
    }
    mutex_unlock(&watches_lock);
}

int xenstore_test_attach(void *page, u32 test_port, struct xenstore_saved *was)
{
    if (!ready)
        return -ENODEV;
    mutex_lock(&req_lock);
    mutex_lock(&rx_lock);
    *was = (struct xenstore_saved){ intf, port };
    xb->saved_rx = xb->rx;
    intf = page;
    port = test_port;
    xs_rx_init(&xb->rx, intf);
    int err = xen_evtchn_bind_port(port, VEC_XENSTORE);
    mutex_unlock(&rx_lock);
    mutex_unlock(&req_lock);
    return err;
}

void xenstore_test_restore(const struct xenstore_saved *was)
{
    mutex_lock(&req_lock);
    mutex_lock(&rx_lock);
    intf = was->page;
    port = was->port;
    xb->rx = xb->saved_rx;
    mutex_unlock(&rx_lock);
    mutex_unlock(&req_lock);
    event(VEC_XENSTORE, NULL);   /* what xenstored sent meanwhile */
}
