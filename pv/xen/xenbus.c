/*
 * xenbus: the devices the toolstack gave this domU (device/<type>/<id> in
 * xenstore, Xen's docs/misc/xenstore-paths.pandoc), each listed, and each
 * a driver knows brought through the state machine of xen/io/xenbus.h
 * with its backend (include/pv/xenbus.h has the sequence). It runs at
 * boot step 11, the personality's start_services, and not at 9b with the
 * PCI scan: xenstore answers a thread that can sleep, and 9b runs before
 * the scheduler.
 *
 * The backend is another domain: its `state` key is parsed and checked
 * before it is believed, and every wait for it has a deadline, after
 * which the device is said on the console with the state it stayed in,
 * closed and left alone, rather than the boot hanging on it.
 */
#include "xen.h"
#include <arch/cpu.h>
#include <drivers/xenfront.h>
#include <hw/x86.h>
#include <proteus/cmdline.h>
#include <proteus/device.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/printk.h>
#include <proteus/spinlock.h>
#include <proteus/string.h>
#include <proteus/vm.h>
#include <pv/xenbus.h>

#define XENBUS_MAX 8
#define LIST_BYTES 512

/* Both tables from free frames when the first device is found, so that
 * an image that never meets a xenbus carries neither in its BSS. */
static struct xenbus_dev *devs;   /* XENBUS_MAX of them */
static unsigned ndevs;

/* ---- keys -------------------------------------------------------------- */

static int key_path(struct xenbus_dev *d, bool backend, const char *key, char *path, size_t len)
{
    int n = ksnprintf(path, len, "%s/%s", backend ? d->backend : d->node, key);
    return n < 0 || (size_t)n >= len ? -ERANGE : 0;
}

int xenbus_read(struct xenbus_dev *d, bool backend, const char *key, char *buf, size_t len)
{
    char path[160];
    int err = key_path(d, backend, key, path, sizeof(path));
    return err ? err : xenstore_read(XS_NO_TRANSACTION, path, buf, len);
}

int xenbus_read_uint(struct xenbus_dev *d, bool backend, const char *key, u64 min, u64 max,
                     u64 *out)
{
    char v[24];
    int n = xenbus_read(d, backend, key, v, sizeof(v));
    if (n == -ERANGE)
        return -EINVAL;   /* longer than any number in range */
    if (n < 0)
        return n;
    return cmdline_parse_uint(v, min, max, out) ? -EINVAL : 0;
}

bool xenbus_feature(struct xenbus_dev *d, const char *key)
{
    u64 v;
    return !xenbus_read_uint(d, true, key, 0, 1, &v) && v;
}

int xenbus_write(struct xenbus_dev *d, u32 tx, const char *key, const char *value)
{
    char path[160];
    int err = key_path(d, false, key, path, sizeof(path));
    return err ? err : xenstore_write(tx, path, value);
}

int xenbus_write_uint(struct xenbus_dev *d, u32 tx, const char *key, u64 value)
{
    char v[24];
    ksnprintf(v, sizeof(v), "%llu", (unsigned long long)value);
    return xenbus_write(d, tx, key, v);
}

int xenbus_grant(struct xenbus_dev *d, const void *page, bool readonly, grant_ref_t *ref)
{
    int err = xen_grant_access(d->backend_id, virt_to_phys_direct(page) >> PAGE_SHIFT, readonly,
                               ref);
    if (err)
        printk("xenbus: %s: granting a page to domain %u failed: %s\n", d->name, d->backend_id,
               errno_name(err));
    return err;
}

/* An event channel's handler: the vector's slot holds the driver's. */
struct evtchn_slot {
    void (*fn)(void *ctx);
    void *ctx;
};
static struct evtchn_slot *slots;   /* one a vector, 256 */

static void evtchn_event(unsigned vector, void *unused)
{
    struct evtchn_slot *s = &slots[vector & 0xff];
    if (s->fn)
        s->fn(s->ctx);
}

int xenbus_event_channel(struct xenbus_dev *d, unsigned vector, void (*fn)(void *ctx), void *ctx,
                         evtchn_port_t *port)
{
    if (vector > 255)
        return -EINVAL;
    if (!slots) {
        slots = page_alloc_bytes(256 * sizeof(*slots));
        if (!slots) {
            printk("xenbus: %s: no %zu bytes of free frames for the event handlers' table\n",
                   d->name, 256 * sizeof(*slots));
            return -ENOMEM;
        }
        memset(slots, 0, 256 * sizeof(*slots));
    }
    int err = irq_register(vector, evtchn_event, NULL, d->name);
    if (err) {   /* another's vector: its slot stays as it is */
        printk("xenbus: %s: vector %#x: %s\n", d->name, vector, errno_name(err));
        return err;
    }
    slots[vector] = (struct evtchn_slot){ fn, ctx };   /* before any port can raise it */
    err = xen_evtchn_alloc_unbound(d->backend_id, port);   /* said by events.c */
    if (!err) {
        err = xen_evtchn_bind_port(*port, vector);
        if (err) {
            printk("xenbus: %s: binding port %u failed: %s\n", d->name, *port, errno_name(err));
            xen_evtchn_close(*port);
        }
    }
    if (err) {
        irq_unregister(vector);
        slots[vector] = (struct evtchn_slot){ NULL, NULL };
    }
    return err;
}

void xenbus_event_channel_close(unsigned vector, evtchn_port_t port)
{
    if (!port)
        return;
    xen_evtchn_close(port);   /* said by events.c if it fails */
    irq_unregister(vector);
    slots[vector & 0xff] = (struct evtchn_slot){ NULL, NULL };
}

static void free_page_now(void *page)
{
    page_free(virt_to_phys_direct(page));
}

void xenbus_give_back(grant_ref_t ref, void *page)
{
    if (!page)
        return;
    if (ref == XENBUS_NO_REF)
        free_page_now(page);
    else   /* freed only once the backend let go of it */
        xen_grant_end_deferred(ref, free_page_now, page);
}

/* ---- the state machine ------------------------------------------------- */

static const char *state_name(int s)
{
    return xenbus_state_name(s);
}

/* The backend's state changed (or the watch was set): read and checked. */
static void backend_changed(struct xenstore_watch *w, const char *changed)
{
    struct xenbus_dev *d = w->ctx;
    char v[16];
    int n = xenstore_read(XS_NO_TRANSACTION, d->watch_path, v, sizeof(v));
    int st = -1;
    if (n >= 0 && xenbus_parse_state(v, &st)) {
        printk("xenbus: %s: the backend's state is '%s', not a state of xen/io/xenbus.h\n",
               d->name, v);
        st = -1;
    } else if (n == -ENOENT) {
        st = XenbusStateUnknown;   /* the backend's directory went, or is not there yet */
    } else if (n < 0) {
        st = -1;
    }
    unsigned long f = spin_lock_irqsave(&d->lock);
    d->backend_state = st;
    waitq_wake_all(&d->wq);
    spin_unlock_irqrestore(&d->lock, f);
    /* A connected backend that goes away: no more I/O to it. */
    if (d->connected && st >= XenbusStateClosing) {
        printk("xenbus: %s: the backend went to %s: device stopped\n", d->name, state_name(st));
        d->connected = false;
        d->drv->stop(d);
        if (d->under_test)   /* registered nowhere: nothing else holds its memory */
            d->drv->release(d);
        xenbus_write_uint(d, XS_NO_TRANSACTION, "state", XenbusStateClosed);
    }
}

/* Wait until the backend's state is one of `want` (a bit per state), or
 * one of `fail`, or the deadline: the state it had then. */
static int wait_backend(struct xenbus_dev *d, unsigned want, unsigned fail, unsigned ms)
{
    u64 deadline = clock_ns() + (u64)ms * 1000000;
    unsigned long f = spin_lock_irqsave(&d->lock);
    int st = d->backend_state;
    while (!(st >= 0 && ((want | fail) & 1u << st))) {
        if (!waitq_sleep_until(&d->wq, &d->lock, deadline))
            break;
        st = d->backend_state;
    }
    st = d->backend_state;
    spin_unlock_irqrestore(&d->lock, f);
    return st;
}

static int set_state(struct xenbus_dev *d, u32 tx, enum xenbus_state s)
{
    int err = xenbus_write_uint(d, tx, "state", s);
    if (err && tx == XS_NO_TRANSACTION)
        printk("xenbus: %s: writing state %s failed: %s\n", d->name, state_name(s),
               errno_name(err));
    return err;
}

static int write_keys(u32 tx, void *ctx)
{
    struct xenbus_dev *d = ctx;
    int err = d->drv->write_keys(d, tx);
    return err ? err : set_state(d, tx, d->drv->announce);
}

#define BIT(s) (1u << (s))

/* The backend stayed short of `want` until the deadline: said, with the
 * state it stayed in, for the console and the device list. */
static int stuck(struct xenbus_dev *d, int st, const char *want, unsigned ms)
{
    printk("xenbus: %s: the backend (%s) stayed in %s (%d) for %u ms, not %s\n", d->name,
           d->backend, state_name(st), st, ms, want);
    ksnprintf(d->state_text, sizeof(d->state_text), "failed: backend stuck in %s",
              state_name(st));
    return -ETIMEDOUT;
}

/* A device a driver knows, brought up within the deadlines (ms): 0, or
 * why not, with its device-list verdict in d->state_text either way. A
 * device that does not come up is closed, and its backend no longer
 * watched. */
static int connect(struct xenbus_dev *d, unsigned backend_ms, unsigned connect_ms)
{
    const char *why = NULL;
    int err, st;
    d->lock = (spinlock_t)SPINLOCK_INIT;
    waitq_init(&d->wq);
    d->backend_state = -1;
    ksnprintf(d->watch_path, sizeof(d->watch_path), "%s/state", d->backend);
    d->watch = (struct xenstore_watch){ .path = d->watch_path, .fn = backend_changed, .ctx = d };
    err = xenstore_watch(&d->watch);
    if (err) {
        ksnprintf(d->state_text, sizeof(d->state_text), "failed: cannot watch its backend: %s",
                  errno_name(err));
        return err;
    }
    st = wait_backend(d, BIT(XenbusStateInitWait) | BIT(XenbusStateInitialised) |
                             BIT(XenbusStateConnected),
                      BIT(XenbusStateClosing) | BIT(XenbusStateClosed), backend_ms);
    if (st < XenbusStateInitWait || st > XenbusStateConnected) {
        err = stuck(d, st, "InitWait", backend_ms);
        goto close;
    }
    err = d->drv->setup(d, &why);
    if (err) {
        strlcpy(d->state_text, why, sizeof(d->state_text));
        goto release;
    }
    err = xenstore_transact(write_keys, d);
    if (err) {
        printk("xenbus: %s: writing its keys failed: %s\n", d->name, errno_name(err));
        ksnprintf(d->state_text, sizeof(d->state_text), "failed: its keys not written: %s",
                  errno_name(err));
        goto stop;
    }
    st = wait_backend(d, BIT(XenbusStateConnected), BIT(XenbusStateClosing) | BIT(XenbusStateClosed),
                      connect_ms);
    if (st != XenbusStateConnected) {
        err = stuck(d, st, "Connected", connect_ms);
        goto stop;
    }
    d->connected = true;
    err = d->drv->connected(d, &why);
    strlcpy(d->state_text, why, sizeof(d->state_text));
    if (!err)
        return 0;
    /* connected failed: it may have registered the device, whose memory
     * then stays (stopped), never given back */
    d->connected = false;
    d->drv->stop(d);
    goto close;
stop:
    d->drv->stop(d);
release:
    d->drv->release(d);
close:
    set_state(d, XS_NO_TRANSACTION, XenbusStateClosed);
    xenstore_unwatch(&d->watch);
    return err;
}

/* A slot for the device at `node` of type `type`, its backend keys read
 * (0), or NULL and *err. */
static struct xenbus_dev *new_dev(const char *name, const char *node, int *err, u64 *backend_id)
{
    if (ndevs == XENBUS_MAX) {
        printk("xenbus: more than %u devices: %s and later ones left alone\n", XENBUS_MAX, name);
        *err = -ENOSPC;
        return NULL;
    }
    if (!devs) {
        devs = page_alloc_bytes(XENBUS_MAX * sizeof(*devs));
        if (!devs) {
            printk("xenbus: no %zu bytes of free frames for the device table: %s left alone\n",
                   XENBUS_MAX * sizeof(*devs), name);
            *err = -ENOMEM;
            return NULL;
        }
    }
    struct xenbus_dev *d = &devs[ndevs];
    memset(d, 0, sizeof(*d));
    strlcpy(d->name, name, sizeof(d->name));
    strlcpy(d->node, node, sizeof(d->node));
    *backend_id = DOMID_INVALID;
    int n = xenbus_read(d, false, "backend", d->backend, sizeof(d->backend));
    *err = n < 0 ? n : xenbus_read_uint(d, false, "backend-id", 0, DOMID_FIRST_RESERVED - 1,
                                        backend_id);
    if (!*err && (n == 0 || d->backend[0] != '/'))
        *err = -EINVAL;   /* a backend path must be absolute */
    d->backend_id = (domid_t)*backend_id;
    return d;
}

/* The driver for `type` in this image, or NULL and why in *why. */
static const struct xenbus_driver *driver_of(const char *type, const char **why)
{
    for (const struct xenbus_class *c = xenbus_classes; c->type; c++)
        if (!strcmp(c->type, type)) {
            *why = c->absent;
            return c->drv;
        }
    *why = "no driver";
    return NULL;
}

/* device/<type>/<id>: its backend read, listed, and connected if a
 * driver knows the type. */
static void found(const char *type, const char *id)
{
    char name[24], node[40], ident[40];
    ksnprintf(name, sizeof(name), "%s/%s", type, id);
    ksnprintf(node, sizeof(node), "device/%s/%s", type, id);
    int err;
    u64 backend_id;
    struct xenbus_dev *d = new_dev(name, node, &err, &backend_id);
    if (!d)
        return;
    if (!err)
        ksnprintf(ident, sizeof(ident), "backend domain %llu", (unsigned long long)backend_id);
    else
        ksnprintf(ident, sizeof(ident), "no backend");
    d->dev = device_add("xen", d->name, ident);
    const char *why;
    d->drv = driver_of(type, &why);
    if (!d->drv) {
        device_bound(d->dev, NULL, why);
        device_report(d->dev);   /* listed and left alone; the slot is reused */
        return;
    }
    ndevs++;
    if (err) {
        printk("xenbus: %s: its backend and backend-id keys are unusable: %s\n", d->name,
               errno_name(err));
        ksnprintf(d->state_text, sizeof(d->state_text), "failed: no usable backend keys");
    } else {
        connect(d, XENBUS_BACKEND_MS, XENBUS_CONNECT_MS);
    }
    device_bound(d->dev, d->drv->name, d->state_text);
    device_report(d->dev);
}

int xenbus_attach_at(const char *type, const char *node, unsigned backend_ms, unsigned connect_ms,
                     const char **verdict, struct xenbus_dev **dev)
{
    *dev = NULL;
    *verdict = "failed: no such device type";
    const char *why;
    const struct xenbus_driver *drv = driver_of(type, &why);
    if (!drv)
        return -ENODEV;
    int err;
    u64 backend_id;
    struct xenbus_dev *d = new_dev(node, node, &err, &backend_id);
    *verdict = "failed: no usable backend keys";
    if (!d || err)
        return d ? err : -ENOSPC;
    d->drv = drv;
    d->under_test = true;
    d->test_ms = connect_ms;
    ndevs++;
    err = connect(d, backend_ms, connect_ms);
    *verdict = d->state_text;
    if (!err)
        *dev = d;
    return err;
}

void xenbus_scan(void)
{
    static char types[LIST_BYTES], ids[LIST_BYTES];
    int nt = xenstore_directory(XS_NO_TRANSACTION, "device", types, sizeof(types));
    if (nt == -ENOENT)
        return;   /* no devices given */
    if (nt < 0) {
        printk("xenbus: reading device/ failed: %s\n", errno_name(nt));
        return;
    }
    const char *t = types;
    for (int i = 0; i < nt; i++, t += strlen(t) + 1) {
        char path[48];
        ksnprintf(path, sizeof(path), "device/%s", t);
        int ni = xenstore_directory(XS_NO_TRANSACTION, path, ids, sizeof(ids));
        if (ni < 0) {
            printk("xenbus: reading %s failed: %s\n", path, errno_name(ni));
            continue;
        }
        const char *id = ids;
        for (int j = 0; j < ni; j++, id += strlen(id) + 1)
            found(t, id);
    }
}

unsigned xenbus_connected_count(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ndevs; i++)
        n += devs[i].connected;
    return n;
}

/* Closing, then Closed once the backend has closed its side (or the wait
 * ran out: the domain ends anyway, and the toolstack tears down what is
 * left). */
static void close_one(struct xenbus_dev *d)
{
    d->connected = false;
    d->drv->stop(d);
    set_state(d, XS_NO_TRANSACTION, XenbusStateClosing);
    int st = wait_backend(d, BIT(XenbusStateClosing) | BIT(XenbusStateClosed), 0,
                          XENBUS_CLOSE_MS);
    set_state(d, XS_NO_TRANSACTION, XenbusStateClosed);
    if (st != XenbusStateClosed)
        st = wait_backend(d, BIT(XenbusStateClosed), 0, XENBUS_CLOSE_MS);
    if (st != XenbusStateClosed)
        printk("xenbus: %s: the backend is in %s (%d), not Closed, after %u s\n", d->name,
               state_name(st), st, 2 * XENBUS_CLOSE_MS / 1000);
    else
        pr_info("xenbus: %s closed\n", d->name);
}

/* Only where a thread may block for xenstored (as control.c's exit
 * status); a crash or an exit from an interrupt leaves it to the
 * toolstack. */
void xenbus_shutdown(void)
{
    unsigned long flags = irq_save();
    irq_restore(flags);
    if (!xenstore_available() || this_cpu()->irq_depth || !(flags & X86_EFLAGS_IF))
        return;
    for (unsigned i = 0; i < ndevs; i++)
        if (devs[i].connected)
            close_one(&devs[i]);
}
