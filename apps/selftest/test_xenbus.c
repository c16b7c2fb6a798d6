/*
 * xenbus against a backend that never gets there (pv/xen/xenbus.c): the
 * case plays the backend's side in xenstore, under the domain's own
 * data/selftest-xb/ (a frontend directory `fe` naming a backend
 * directory `be` of this domain), and has xenbus attach a netfront to
 * it with short deadlines. The frontend must give up, say so, close,
 * give back what it took, and return; a guest that waits for ever on a backend is the failure these
 * cases exist to catch. Without xenstore (dom0, other platforms) each
 * case says SKIP. The last case plays a whole backend (its rings mapped
 * through the grants, the event channel bound), hands the frontend one
 * good frame, then a response whose id no buffer has: the frontend must
 * take the frame and then stop the device rather than believe the id.
 * The same for blkfront: a read served through the granted segments,
 * then an answer carrying another id than the request's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <drivers/xenfront.h>
#include <proteus/api.h>
#include <proteus/blockdev.h>
#include <proteus/errno.h>
#include <proteus/netdev.h>
#include <proteus/thread.h>
#include <proteus/vm.h>
#include <pv/xen.h>
#include <pv/xen_grant.h>
#include <pv/xen_ring.h>
#include <pv/xenbus.h>
#include <pv/xenstore.h>
#include "selftest.h"

#define FE "data/selftest-xb/fe"
#define DEADLINE_MS 1500
#define RING_SIZE_OF_RX __CONST_RING_SIZE(netif_rx, 4096)

static char be[64];

/* The two directories, the backend in `state` with its features. */
static bool set_up(const char *state, const char *mac)
{
    if (!xenstore_available()) {
        test_skip("no xenstore (not a Xen PV domU)");
        return false;
    }
    snprintf(be, sizeof(be), "/local/domain/%u/data/selftest-xb/be", xen_domid);
    char path[96], id[8];
    snprintf(id, sizeof(id), "%u", xen_domid);
    xenstore_rm(XS_NO_TRANSACTION, "data/selftest-xb");
    snprintf(path, sizeof(path), "%s/state", be);
    int err = xenstore_write(XS_NO_TRANSACTION, path, state);
    snprintf(path, sizeof(path), "%s/feature-rx-copy", be);
    err = err ? err : xenstore_write(XS_NO_TRANSACTION, path, "1");
    err = err ? err : xenstore_write(XS_NO_TRANSACTION, FE "/backend", be);
    err = err ? err : xenstore_write(XS_NO_TRANSACTION, FE "/backend-id", id);
    err = err ? err : xenstore_write(XS_NO_TRANSACTION, FE "/mac", mac);
    if (err) {
        test_fail("writing the play backend's keys: %d", err);
        return false;
    }
    return true;
}

static int front_key(const char *key, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), FE "/%s", key);
    return xenstore_read(XS_NO_TRANSACTION, path, buf, len);
}

static void tear_down(void)
{
    xenstore_rm(XS_NO_TRANSACTION, "data/selftest-xb");
}

/* A state that is no state of xen/io/xenbus.h: said, not believed, and
 * the wait for InitWait ends at its deadline with nothing set up. */
static void test_backend_never_ready(void)
{
    if (!set_up("banana", "00:16:3e:00:00:99"))
        return;
    const char *verdict;
    struct xenbus_dev *dev;
    int err = xenbus_attach_at("vif", FE, DEADLINE_MS, DEADLINE_MS, &verdict, &dev);
    char st[8], ref[16];
    int n = front_key("state", st, sizeof(st));
    int r = front_key("tx-ring-ref", ref, sizeof(ref));
    tear_down();
    CHECK(err == -ETIMEDOUT, "attach gave %d (%s), not -ETIMEDOUT", err, verdict);
    CHECK(!strcmp(verdict, "failed: backend stuck in unreadable"), "verdict '%s'", verdict);
    CHECK(n == 1 && st[0] == '6', "the frontend's state is '%s' (%d), not Closed (6)",
          n > 0 ? st : "", n);
    CHECK(r == -ENOENT, "a ring was offered (%d) to a backend that never got ready", r);
    test_pass();
}

/* InitWait, and then nothing: the frontend sets up, writes its keys and
 * Connected in one transaction, waits until its deadline, closes. */
static void test_backend_never_connects(void)
{
    if (!set_up("2", "00:16:3e:00:00:99"))
        return;
    unsigned grants_before = xen_grant_free_count();
    const char *verdict;
    struct xenbus_dev *dev;
    int err = xenbus_attach_at("vif", FE, DEADLINE_MS, DEADLINE_MS, &verdict, &dev);
    unsigned grants_after = xen_grant_free_count();
    char st[8], ref[16], copy[4], csum[4];
    int n = front_key("state", st, sizeof(st));
    int r = front_key("tx-ring-ref", ref, sizeof(ref));
    int c = front_key("request-rx-copy", copy, sizeof(copy));
    int k = front_key("feature-no-csum-offload", csum, sizeof(csum));
    tear_down();
    CHECK(err == -ETIMEDOUT, "attach gave %d (%s), not -ETIMEDOUT", err, verdict);
    CHECK(!strcmp(verdict, "failed: backend stuck in InitWait"), "verdict '%s'", verdict);
    CHECK(r > 0 && c == 1 && copy[0] == '1' && k == 1 && csum[0] == '1',
          "the frontend's keys: tx-ring-ref %d, request-rx-copy %d, no-csum-offload %d", r, c, k);
    CHECK(n == 1 && st[0] == '6', "the frontend's state is '%s' (%d), not Closed (6)",
          n > 0 ? st : "", n);
    /* nothing mapped them (this backend never looked), so every grant
     * ends at once and its page is freed */
    CHECK(grants_after == grants_before, "%u grant references free after, %u before: not given back",
          grants_after, grants_before);
    printf("selftest: xenbus gave up on a backend in InitWait after %u ms, tx-ring-ref %s\n",
           DEADLINE_MS, ref);
    test_pass();
}

/* The toolstack's mac key broken: refused before anything is granted. */
static void test_bad_mac(void)
{
    if (!set_up("2", "01:00:5e:00:00:01"))
        return;
    const char *verdict;
    struct xenbus_dev *dev;
    int err = xenbus_attach_at("vif", FE, DEADLINE_MS, DEADLINE_MS, &verdict, &dev);
    char st[8];
    int n = front_key("state", st, sizeof(st));
    tear_down();
    CHECK(err == -EINVAL, "attach gave %d (%s), not -EINVAL", err, verdict);
    CHECK(!strcmp(verdict, "failed: no usable mac key"), "verdict '%s'", verdict);
    CHECK(n == 1 && st[0] == '6', "the frontend's state is '%s' (%d), not Closed (6)",
          n > 0 ? st : "", n);
    test_pass();
}

static void *page(void)
{
    paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
    return pa ? phys_to_virt(pa) : NULL;
}

static void sleep_ms(unsigned ms)
{
    proteus_sleep_until_ns(proteus_clock_ns() + ms * 1000000ull);
}

/* The backend's side once the frontend has written its keys: the
 * receive ring mapped, the event channel bound, Connected. */
struct play {
    void *ring;                 /* where the frontend's rx ring is mapped */
    grant_handle_t ring_h;
    evtchn_port_t port;         /* our end */
    volatile int done;          /* 1: connected, <0: an error */
};

static void *play_backend(void *arg)
{
    struct play *p = arg;
    char v[16], path[96];
    u64 rx_ref = 0, evtchn = 0;
    int err = -ETIMEDOUT;
    for (unsigned i = 0; i < 150 && err; i++) {   /* 3 s for the frontend's Connected */
        if (front_key("state", v, sizeof(v)) == 1 && v[0] == '4')
            err = 0;
        else
            sleep_ms(20);
    }
    if (!err && front_key("rx-ring-ref", v, sizeof(v)) > 0)
        rx_ref = strtoull(v, NULL, 10);
    if (!err && front_key("event-channel", v, sizeof(v)) > 0)
        evtchn = strtoull(v, NULL, 10);
    if (!err && (!rx_ref || !evtchn))
        err = -ENOENT;
    if (!err)
        err = (p->ring = page()) ? 0 : -ENOMEM;
    if (!err)
        err = xen_grant_map(xen_domid, (grant_ref_t)rx_ref, p->ring, false, &p->ring_h);
    if (!err)
        err = xen_evtchn_bind_interdomain(xen_domid, (evtchn_port_t)evtchn, &p->port);
    snprintf(path, sizeof(path), "%s/state", be);
    if (!err)
        err = xenstore_write(XS_NO_TRANSACTION, path, "4");
    p->done = err ? err : 1;
    return NULL;
}

static volatile unsigned got_len;
static u8 got[64];

static void on_frame(struct netdev *nd, const void *frame, size_t len, void *ctx)
{
    memcpy(got, frame, len < sizeof(got) ? len : sizeof(got));
    got_len = (unsigned)len;
}

/* One response in the receive ring, as a backend writes it, and the
 * event that says so. */
static void respond(struct play *p, netif_rx_response_t r)
{
    netif_rx_sring_t *s = p->ring;
    RING_IDX i = s->rsp_prod;
    s->ring[i % RING_SIZE_OF_RX].rsp = r;
    __atomic_thread_fence(__ATOMIC_RELEASE);   /* the response before the index */
    s->rsp_prod = i + 1;
    xen_evtchn_send(p->port);
}

static void test_netfront_hostile_backend(void)
{
    if (!set_up("2", "00:16:3e:00:00:99"))
        return;
    unsigned grants_before = xen_grant_free_count();
    static struct play p;
    memset(&p, 0, sizeof(p));
    int err;
    struct thread *t = thread_create("play-backend", play_backend, &p, 8, &err);
    CHECK(t, "thread_create: %d", err);
    const char *verdict;
    struct xenbus_dev *dev;
    err = xenbus_attach_at("vif", FE, 3000, 3000, &verdict, &dev);
    thread_join(t, NULL);
    struct netdev *nd = netfront_netdev(dev);
    CHECK(err == 0 && p.done == 1 && nd, "attach gave %d (%s); the play backend %d", err, verdict,
          p.done);
    /* a frame, copied into the buffer of the first request as rx-copy
     * would: to the frontend's MAC from a local one, EtherType 0x88b5 */
    netif_rx_sring_t *s = p.ring;
    netif_rx_request_t req = s->ring[s->rsp_prod % RING_SIZE_OF_RX].req;
    u8 *win = page();
    grant_handle_t h;
    CHECK(win && xen_grant_map(xen_domid, req.gref, win, false, &h) == 0,
          "mapping the buffer of request %u", req.id);
    static const char payload[] = "proteus netfront test";
    memcpy(win, nd->mac, 6);
    memcpy(win + 6, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8);
    memcpy(win + 14, payload, sizeof(payload));
    xen_grant_unmap(win, h);
    got_len = 0;
    netdev_set_listener(nd, on_frame, NULL);
    respond(&p, (netif_rx_response_t){ .id = req.id, .offset = 0, .flags = 0, .status = 60 });
    for (unsigned i = 0; i < 100 && !got_len; i++)
        sleep_ms(10);
    CHECK(got_len == 60 && !memcmp(got + 14, payload, sizeof(payload)),
          "the good frame: %u bytes came", got_len);
    /* an id no buffer has */
    respond(&p, (netif_rx_response_t){ .id = 300, .offset = 0, .flags = 0, .status = 60 });
    for (unsigned i = 0; i < 100 && nd->link_up; i++)
        sleep_ms(10);
    u8 frame[60] = { 0 };
    int sent = nd->ops->send(nd, frame, sizeof(frame));
    bool down = !nd->link_up;
    /* the backend closes: the frontend lets go, Closed, its grants end
     * once we unmap the ring */
    char path[96];
    snprintf(path, sizeof(path), "%s/state", be);
    xenstore_write(XS_NO_TRANSACTION, path, "5");
    char st[8] = "";
    for (unsigned i = 0; i < 100 && !(front_key("state", st, sizeof(st)) == 1 && st[0] == '6'); i++)
        sleep_ms(20);
    xen_grant_unmap(p.ring, p.ring_h);
    xen_evtchn_close(p.port);
    sleep_ms(300);   /* the deferred ends retry every 100 ms */
    unsigned grants_after = xen_grant_free_count();
    tear_down();
    CHECK(down && sent == -EIO, "after an id out of range: link %s, send gave %d",
          down ? "down" : "up", sent);
    CHECK(st[0] == '6', "the frontend's state is '%s', not Closed (6)", st);
    CHECK(grants_after == grants_before, "%u grant references free after, %u before",
          grants_after, grants_before);
    test_pass();
}

/* ---- a blkif backend ---------------------------------------------------- */

#define RING_SIZE_OF_BLK __CONST_RING_SIZE(blkif, 4096)

struct play_blk {
    void *ring;
    grant_handle_t ring_h;
    evtchn_port_t port;
    volatile int done;          /* 1: connected, <0: an error */
    volatile bool wrong_id, silent, stop;
    volatile unsigned served;
};

static u8 blk_byte(u64 sector, unsigned j)
{
    return (u8)(sector * 7 + j);
}

/* A read into the request's segments, each mapped through its grant. */
static int serve_read(const blkif_request_t *q)
{
    u8 *win = page();
    if (!win)
        return -ENOMEM;
    u64 sector = q->sector_number;
    int err = 0;
    for (unsigned i = 0; i < q->nr_segments && !err; i++) {
        grant_handle_t h;
        err = xen_grant_map(xen_domid, q->seg[i].gref, win, false, &h);
        for (unsigned sct = q->seg[i].first_sect; !err && sct <= q->seg[i].last_sect; sct++, sector++)
            for (unsigned j = 0; j < SECTOR_SIZE; j++)
                win[sct * SECTOR_SIZE + j] = blk_byte(sector, j);
        if (!err)
            xen_grant_unmap(win, h);
    }
    page_free(virt_to_phys_direct(win));
    return err;
}

static void *play_blk_backend(void *arg)
{
    struct play_blk *p = arg;
    char v[16], path[96];
    u64 ring_ref = 0, evtchn = 0;
    int err = -ETIMEDOUT;
    for (unsigned i = 0; i < 150 && err; i++) {   /* 3 s for the frontend's Initialised */
        if (front_key("state", v, sizeof(v)) == 1 && v[0] == '3')
            err = 0;
        else
            sleep_ms(20);
    }
    if (!err && front_key("ring-ref", v, sizeof(v)) > 0)
        ring_ref = strtoull(v, NULL, 10);
    if (!err && front_key("event-channel", v, sizeof(v)) > 0)
        evtchn = strtoull(v, NULL, 10);
    if (!err && (!ring_ref || !evtchn))
        err = -ENOENT;
    if (!err)
        err = (p->ring = page()) ? 0 : -ENOMEM;
    if (!err)
        err = xen_grant_map(xen_domid, (grant_ref_t)ring_ref, p->ring, false, &p->ring_h);
    if (!err)
        err = xen_evtchn_bind_interdomain(xen_domid, (evtchn_port_t)evtchn, &p->port);
    static const char *const keys[][2] = { { "sectors", "64" }, { "info", "0" },
                                           { "sector-size", "512" }, { "state", "4" } };
    for (unsigned i = 0; i < 4 && !err; i++) {
        snprintf(path, sizeof(path), "%s/%s", be, keys[i][0]);
        err = xenstore_write(XS_NO_TRANSACTION, path, keys[i][1]);
    }
    p->done = err ? err : 1;
    if (err)
        return NULL;
    /* serve until told to stop: each request answered in place */
    blkif_sring_t *s = p->ring;
    RING_IDX cons = 0;
    while (!p->stop) {
        RING_IDX prod = s->req_prod;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (cons == prod || p->silent) {   /* silent: takes requests, answers none */
            sleep_ms(2);
            continue;
        }
        blkif_request_t q = s->ring[cons % RING_SIZE_OF_BLK].req;
        int status = q.operation == BLKIF_OP_READ && serve_read(&q) ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
        blkif_response_t r = { .id = q.id + (p->wrong_id ? 1 : 0), .operation = q.operation,
                               .status = (int16_t)status };
        s->ring[cons % RING_SIZE_OF_BLK].rsp = r;
        cons++;
        __atomic_thread_fence(__ATOMIC_RELEASE);   /* the response before the index */
        s->rsp_prod = cons;
        p->served++;
        xen_evtchn_send(p->port);
    }
    return NULL;
}

/* Connected to a play backend that serves reads, or answers with the
 * wrong id (wrong_id), or never answers (silent): the reads' results. */
struct blk_run {
    int good, bad, after;
    bool data_ok;
    u64 sectors;
    bool read_only;
    unsigned served;
    char state;
    unsigned grants_before, grants_after;
    int err, done;
    const char *verdict;
};

static void blk_run(bool silent, struct blk_run *out)
{
    memset(out, 0, sizeof(*out));
    out->good = out->bad = out->after = -1;
    out->grants_before = xen_grant_free_count();
    static struct play_blk p;
    memset((void *)&p, 0, sizeof(p));
    int err;
    struct thread *t = thread_create("play-blkback", play_blk_backend, (void *)&p, 8, &err);
    if (!t) {
        out->err = err;
        return;
    }
    struct xenbus_dev *dev;
    out->err = xenbus_attach_at("vbd", FE, 3000, 3000, &out->verdict, &dev);
    struct blockdev *bd = blkfront_blockdev(dev);
    static u8 buf[16 * SECTOR_SIZE];
    if (!out->err && p.done == 1 && bd) {
        /* 16 sectors from 5: two segments of a bounce page each */
        out->good = bd->ops->io(bd, false, 5, buf, 16);
        out->data_ok = true;
        for (unsigned i = 0; i < sizeof(buf); i++)
            out->data_ok &= buf[i] == blk_byte(5 + i / SECTOR_SIZE, i % SECTOR_SIZE);
        p.wrong_id = !silent;
        p.silent = silent;
        out->bad = bd->ops->io(bd, false, 0, buf, 1);
        out->after = bd->ops->io(bd, false, 0, buf, 1);   /* stopped: no request goes out */
    }
    out->done = p.done;
    out->served = p.served;
    out->sectors = bd ? bd->sectors : 0;   /* the close gives the device's memory back */
    out->read_only = bd && bd->read_only;
    char path[96];
    snprintf(path, sizeof(path), "%s/state", be);
    xenstore_write(XS_NO_TRANSACTION, path, "5");   /* the backend closes */
    char st[8] = "";
    for (unsigned i = 0; i < 100 && !(front_key("state", st, sizeof(st)) == 1 && st[0] == '6'); i++)
        sleep_ms(20);
    out->state = st[0];
    p.stop = true;
    thread_join(t, NULL);
    if (p.ring) {
        xen_grant_unmap(p.ring, p.ring_h);
        xen_evtchn_close(p.port);
    }
    sleep_ms(300);   /* the deferred ends retry every 100 ms */
    out->grants_after = xen_grant_free_count();
    tear_down();
}

/* A read served; then an answer with another id than the request's. */
static void test_blkfront_hostile_backend(void)
{
    if (!set_up("2", "00:16:3e:00:00:99"))
        return;
    struct blk_run r;
    blk_run(false, &r);
    CHECK(r.err == 0 && r.done == 1, "attach gave %d (%s); the play backend %d", r.err,
          r.verdict ? r.verdict : "-", r.done);
    CHECK(r.sectors == 64 && !r.read_only, "%llu sectors%s", (unsigned long long)r.sectors,
          r.read_only ? ", read-only" : "");
    CHECK(r.good == 0 && r.data_ok, "the good read gave %d, its data %s", r.good,
          r.data_ok ? "right" : "wrong");
    CHECK(r.bad == -EIO && r.after == -EIO && r.served == 2,
          "an answer with another id gave %d, the next read %d; %u requests reached the backend",
          r.bad, r.after, r.served);
    CHECK(r.state == '6', "the frontend's state is '%c', not Closed (6)", r.state ? r.state : '-');
    CHECK(r.grants_after == r.grants_before, "%u grant references free after, %u before",
          r.grants_after, r.grants_before);
    test_pass();
}

/* A read served; then none answered: the request's deadline (the test
 * device's 3 s, a real one's 30 s) stops the device instead of a hang. */
static void test_blkfront_silent_backend(void)
{
    if (!set_up("2", "00:16:3e:00:00:99"))
        return;
    struct blk_run r;
    u64 t0 = proteus_clock_ns();
    blk_run(true, &r);
    u64 ms = (proteus_clock_ns() - t0) / 1000000;
    CHECK(r.err == 0 && r.done == 1 && r.good == 0 && r.data_ok,
          "attach gave %d (%s); the play backend %d; the good read %d", r.err,
          r.verdict ? r.verdict : "-", r.done, r.good);
    CHECK(r.bad == -EIO && r.after == -EIO, "an unanswered read gave %d, the next %d", r.bad,
          r.after);
    CHECK(ms < 10000, "it took %llu ms", (unsigned long long)ms);
    CHECK(r.state == '6', "the frontend's state is '%c', not Closed (6)", r.state ? r.state : '-');
    CHECK(r.grants_after == r.grants_before, "%u grant references free after, %u before",
          r.grants_after, r.grants_before);
    test_pass();
}

const struct test_case xenbus_tests[] = {
    { "xen.xenbus_backend_never_ready", test_backend_never_ready },
    { "xen.xenbus_backend_never_connects", test_backend_never_connects },
    { "xen.xenbus_bad_mac", test_bad_mac },
    { "xen.netfront_hostile_backend", test_netfront_hostile_backend },
    { "xen.blkfront_hostile_backend", test_blkfront_hostile_backend },
    { "xen.blkfront_silent_backend", test_blkfront_silent_backend },
    { NULL, NULL },
};
