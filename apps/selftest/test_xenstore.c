/*
 * The xenstore client (pv/xen/xenstore.c) against the real xenstored of a
 * domU's toolstack: read, write, directory and rm under the domain's own
 * data/ path, transactions, watches, and the errors xenstored names. The
 * keys this writes are its own (data/selftest*), removed at the end of
 * each case. The wire format's checks against hostile servers are host
 * unit tests (tests/unit/test_xenstore_wire.c). Elsewhere (dom0, other
 * platforms) each case says SKIP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <proteus/api.h>
#include <proteus/thread.h>
#include <pv/xen.h>
#include <pv/xenstore.h>
#include <xen/io/xs_wire.h>
#include "selftest.h"

static bool no_xenstore(void)
{
    if (!xenstore_available())
        test_skip("no xenstore (not a Xen PV domU)");
    return !xenstore_available();
}

static void test_read_write(void)
{
    if (no_xenstore())
        return;
    char buf[64];
    CHECK(xenstore_write(XS_NO_TRANSACTION, "data/selftest", "v1") == 0, "write failed");
    int n = xenstore_read(XS_NO_TRANSACTION, "data/selftest", buf, sizeof(buf));
    CHECK(n == 2 && !strcmp(buf, "v1"), "read back %d: '%s'", n, n >= 0 ? buf : "");
    CHECK(xenstore_read(XS_NO_TRANSACTION, "data/selftest", buf, 2) == -ERANGE,
          "a buffer without room for the NUL must give -ERANGE");
    /* the public call an app uses reads the same key */
    CHECK(proteus_xenstore_read("data/selftest", buf, sizeof(buf)) == 2, "proteus_xenstore_read");
    CHECK(xenstore_write(XS_NO_TRANSACTION, "data/selftest-b", "") == 0, "an empty value");
    n = xenstore_directory(XS_NO_TRANSACTION, "data", buf, sizeof(buf));
    bool a = false, b = false;
    for (const char *p = buf; n > 0 && p < buf + sizeof(buf) && *p; p += strlen(p) + 1) {
        a |= !strcmp(p, "selftest");
        b |= !strcmp(p, "selftest-b");
    }
    CHECK(n >= 2 && a && b, "directory data: %d entries, selftest %d, selftest-b %d", n, a, b);
    CHECK(xenstore_rm(XS_NO_TRANSACTION, "data/selftest") == 0 &&
              xenstore_rm(XS_NO_TRANSACTION, "data/selftest-b") == 0, "rm failed");
    CHECK(xenstore_read(XS_NO_TRANSACTION, "data/selftest", buf, sizeof(buf)) == -ENOENT,
          "a removed key must be -ENOENT");
    test_pass();
}

/* What the toolstack and the kernel wrote: the domain's name and the
 * feature keys that advertise the shutdown requests Proteus acts on. */
static void test_domain_keys(void)
{
    if (no_xenstore())
        return;
    char buf[128];
    int n = xenstore_read(XS_NO_TRANSACTION, "name", buf, sizeof(buf));
    CHECK(n > 0, "name: %d", n);
    n = xenstore_read(XS_NO_TRANSACTION, "control/feature-poweroff", buf, sizeof(buf));
    CHECK(n == 1 && buf[0] == '1', "control/feature-poweroff: %d", n);
    n = xenstore_read(XS_NO_TRANSACTION, "control/feature-reboot", buf, sizeof(buf));
    CHECK(n == 1 && buf[0] == '1', "control/feature-reboot: %d", n);
    test_pass();
}

/* xenstored's own errors reach the caller by name; a request too long to
 * frame is refused before it is sent. */
static void test_errors(void)
{
    if (no_xenstore())
        return;
    char buf[32];
    CHECK(xenstore_read(XS_NO_TRANSACTION, "data/selftest-none", buf, sizeof(buf)) == -ENOENT,
          "a missing key must be -ENOENT");
    int err = xenstore_write(XS_NO_TRANSACTION, "/tool/selftest", "x");
    CHECK(err == -EACCES, "writing /tool as a domU gave %d, not -EACCES", err);
    CHECK(xenstore_read(XS_NO_TRANSACTION, NULL, buf, sizeof(buf)) == -EINVAL, "a NULL path");
    CHECK(xenstore_write(XS_NO_TRANSACTION, "data/selftest-n", NULL) == -EINVAL, "a NULL value");
    static char big[5000];
    memset(big, 'a', sizeof(big) - 1);
    err = xenstore_write(XS_NO_TRANSACTION, "data/selftest-big", big);
    CHECK(err == -E2BIG, "a %zu-byte value gave %d, not -E2BIG", sizeof(big) - 1, err);
    struct xenstore_stats st;
    xenstore_get_stats(&st);
    CHECK(st.ring_errors == 0 && st.protocol_errors == 0 && st.unknown_replies == 0 &&
              st.unknown_watches == 0 && st.timeouts == 0,
          "the client counted trouble: ring %llu, protocol %llu, unknown replies %llu, "
          "watches %llu, timeouts %llu",
          (unsigned long long)st.ring_errors, (unsigned long long)st.protocol_errors,
          (unsigned long long)st.unknown_replies, (unsigned long long)st.unknown_watches,
          (unsigned long long)st.timeouts);
    test_pass();
}

static int write_pair(u32 tx, void *ctx)
{
    int err = xenstore_write(tx, "data/selftest-t1", ctx);
    return err ? err : xenstore_write(tx, "data/selftest-t2", ctx);
}

static void test_transaction(void)
{
    if (no_xenstore())
        return;
    char buf[32];
    u32 tx;
    /* an aborted one leaves nothing */
    CHECK(xenstore_transaction_start(&tx) == 0 && tx != XS_NO_TRANSACTION, "start");
    CHECK(xenstore_write(tx, "data/selftest-t1", "gone") == 0, "write in the transaction");
    CHECK(xenstore_transaction_end(tx, true) == 0, "abort");
    CHECK(xenstore_read(XS_NO_TRANSACTION, "data/selftest-t1", buf, sizeof(buf)) == -ENOENT,
          "an aborted write is there");
    /* a committed one leaves both */
    CHECK(xenstore_transact(write_pair, "both") == 0, "transact");
    CHECK(xenstore_read(XS_NO_TRANSACTION, "data/selftest-t1", buf, sizeof(buf)) == 4 &&
              !strcmp(buf, "both"), "t1");
    CHECK(xenstore_read(XS_NO_TRANSACTION, "data/selftest-t2", buf, sizeof(buf)) == 4 &&
              !strcmp(buf, "both"), "t2");
    /* a conflicting one gives -EAGAIN: another write to a key it read */
    CHECK(xenstore_transaction_start(&tx) == 0, "start");
    CHECK(xenstore_read(tx, "data/selftest-t1", buf, sizeof(buf)) == 4, "read in it");
    CHECK(xenstore_write(XS_NO_TRANSACTION, "data/selftest-t1", "other") == 0, "outside write");
    CHECK(xenstore_write(tx, "data/selftest-t2", "lost") == 0, "write in it");
    int err = xenstore_transaction_end(tx, false);
    CHECK(err == -EAGAIN, "a conflicting commit gave %d, not -EAGAIN", err);
    CHECK(xenstore_read(XS_NO_TRANSACTION, "data/selftest-t2", buf, sizeof(buf)) == 4,
          "the conflicting write landed");
    xenstore_rm(XS_NO_TRANSACTION, "data/selftest-t1");
    xenstore_rm(XS_NO_TRANSACTION, "data/selftest-t2");
    test_pass();
}

static volatile int watch_fired;
static char watch_path[128];

static void on_change(struct xenstore_watch *w, const char *changed)
{
    snprintf(watch_path, sizeof(watch_path), "%s", changed);
    __atomic_add_fetch(&watch_fired, 1, __ATOMIC_SEQ_CST);
}

static bool wait_fired(int n)
{
    uint64_t end = proteus_clock_ns() + 5000000000ull;
    while (__atomic_load_n(&watch_fired, __ATOMIC_SEQ_CST) < n && proteus_clock_ns() < end)
        proteus_sleep_until_ns(proteus_clock_ns() + 1000000);
    return watch_fired >= n;
}

/* A watch fires once when set and after each change below its path, in
 * the xenwatch thread, and never after unwatch. */
static void test_watch(void)
{
    if (no_xenstore())
        return;
    static struct xenstore_watch w = { .path = "data/selftest-w", .fn = on_change };
    watch_fired = 0;
    CHECK(xenstore_watch(&w) == 0, "watch failed");
    CHECK(wait_fired(1), "no event when the watch was set");
    CHECK(xenstore_write(XS_NO_TRANSACTION, "data/selftest-w/child", "1") == 0, "write");
    CHECK(wait_fired(2), "no event after a write below the path (%d)", watch_fired);
    CHECK(strstr(watch_path, "data/selftest-w"), "event for %s", watch_path);
    CHECK(xenstore_unwatch(&w) == 0, "unwatch failed");
    int before = watch_fired;
    CHECK(xenstore_write(XS_NO_TRANSACTION, "data/selftest-w/child", "2") == 0, "write");
    CHECK(xenstore_read(XS_NO_TRANSACTION, "data/selftest-w/child", watch_path, 8) == 1,
          "read after the write");   /* a round trip: an event would have come first */
    CHECK(watch_fired == before, "an event after unwatch");
    xenstore_rm(XS_NO_TRANSACTION, "data/selftest-w");
    test_pass();
}

/* ---- a hostile xenstored ------------------------------------------------
 * The client pointed at a ring page of this test's, with a loopback event
 * channel, and this test playing xenstored: replies to no request, a
 * watch event for a token never watched, a header longer than any
 * payload, a producer index beyond the ring, a directory without its
 * terminator. Each must fail the request in flight (or be dropped) with
 * its count raised, and the client must answer the next request as if
 * nothing had happened. The real xenstore is put back before any verdict. */
static struct xenstore_domain_interface fake __attribute__((aligned(4096)));
static evtchn_port_t server_port;

struct job {
    uint32_t type;
    int result;
    volatile int done;
    char buf[64];
};

static void *requester(void *arg)
{
    struct job *j = arg;
    j->result = j->type == XS_DIRECTORY
                    ? xenstore_directory(XS_NO_TRANSACTION, "data", j->buf, sizeof(j->buf))
                    : xenstore_read(XS_NO_TRANSACTION, "data/x", j->buf, sizeof(j->buf));
    __atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static bool wait_until(volatile int *flag, uint64_t ms)
{
    uint64_t end = proteus_clock_ns() + ms * 1000000ull;
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE) && proteus_clock_ns() < end)
        proteus_sleep_until_ns(proteus_clock_ns() + 1000000);
    return *flag;
}

/* The next request's header, consumed whole: false if none came in 5 s. */
static bool take_request(struct xsd_sockmsg *h)
{
    uint64_t end = proteus_clock_ns() + 5000000000ull;
    for (;;) {
        uint32_t have = fake.req_prod - fake.req_cons;
        if (have >= sizeof(*h)) {
            for (size_t i = 0; i < sizeof(*h); i++)
                ((char *)h)[i] = fake.req[MASK_XENSTORE_IDX(fake.req_cons + i)];
            if (have >= sizeof(*h) + h->len) {
                fake.req_cons += sizeof(*h) + h->len;
                return true;
            }
        }
        if (proteus_clock_ns() > end)
            return false;
        proteus_sleep_until_ns(proteus_clock_ns() + 1000000);
    }
}

static void put(const void *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fake.rsp[MASK_XENSTORE_IDX(fake.rsp_prod + i)] = ((const char *)b)[i];
    __atomic_thread_fence(__ATOMIC_RELEASE);
    fake.rsp_prod += n;
}

static void reply(uint32_t type, uint32_t req_id, const void *body, uint32_t len)
{
    struct xsd_sockmsg h = { .type = type, .req_id = req_id, .len = len };
    put(&h, sizeof(h));
    put(body, len);
    xen_evtchn_send(server_port);
}

/* One request from a thread of its own, answered by `serve`: the job. */
static bool run_job(struct job *j, uint32_t type, void (*serve)(const struct xsd_sockmsg *h))
{
    *j = (struct job){ .type = type };
    int err;
    struct thread *t = thread_create("xs-requester", requester, j, 4, &err);
    if (!t)
        return false;
    struct xsd_sockmsg h;
    bool got = take_request(&h);
    if (got)
        serve(&h);
    bool ended = wait_until(&j->done, 5000);
    if (ended)
        thread_join(t, NULL);
    return got && ended;   /* a thread that never ended is left: the case fails */
}

static void serve_garbage(const struct xsd_sockmsg *h)
{
    reply(XS_READ, h->req_id + 1000, "nobody's", 8);   /* a reply to no request */
    reply(XS_WATCH_EVENT, 0, "data/x\0bogus", 13);     /* a token never watched */
    struct xsd_sockmsg big = { .type = XS_READ, .req_id = h->req_id, .len = XENSTORE_PAYLOAD_MAX + 1 };
    put(&big, sizeof(big));                            /* longer than any payload */
    xen_evtchn_send(server_port);
}

static void serve_beyond_ring(const struct xsd_sockmsg *h)
{
    fake.rsp_prod = fake.rsp_cons + XENSTORE_RING_SIZE + 976;
    xen_evtchn_send(server_port);
}

static void serve_value(const struct xsd_sockmsg *h)
{
    reply(XS_READ, h->req_id, "value", 5);
}

static void serve_unterminated(const struct xsd_sockmsg *h)
{
    reply(XS_DIRECTORY, h->req_id, "a\0b", 3);
}

static void test_hostile_server(void)
{
    if (no_xenstore())
        return;
    memset(&fake, 0, sizeof(fake));
    evtchn_port_t client_port;
    CHECK(xen_evtchn_alloc_unbound(DOMID_SELF, &server_port) == 0, "alloc_unbound failed");
    CHECK(xen_evtchn_bind_interdomain(DOMID_SELF, server_port, &client_port) == 0,
          "bind_interdomain failed");
    struct xenstore_stats before, after;
    xenstore_get_stats(&before);
    struct xenstore_saved real;
    int attach = xenstore_test_attach(&fake, client_port, &real);
    struct job j1, j2, j3, j4;
    bool ran1 = false, ran2 = false, ran3 = false, ran4 = false;
    if (!attach) {
        ran1 = run_job(&j1, XS_READ, serve_garbage);
        ran2 = run_job(&j2, XS_READ, serve_beyond_ring);
        ran3 = run_job(&j3, XS_READ, serve_value);
        ran4 = run_job(&j4, XS_DIRECTORY, serve_unterminated);
        uint64_t end = proteus_clock_ns() + 2000000000ull;   /* the watch event: xenwatch's */
        do {
            xenstore_get_stats(&after);
            proteus_sleep_until_ns(proteus_clock_ns() + 1000000);
        } while (after.unknown_watches == before.unknown_watches && proteus_clock_ns() < end);
        xenstore_test_restore(&real);
    }
    xen_evtchn_close(client_port);
    xen_evtchn_close(server_port);
    CHECK(attach == 0, "attaching the test ring failed: %d", attach);
    xenstore_get_stats(&after);
    char buf[16];
    CHECK(xenstore_read(XS_NO_TRANSACTION, "domid", buf, sizeof(buf)) > 0,
          "the real xenstore does not answer after the test");
    CHECK(ran1 && j1.result == -EIO, "garbage then an oversized header: %d, not -EIO", j1.result);
    CHECK(ran2 && j2.result == -EIO, "rsp_prod beyond the ring: %d, not -EIO", j2.result);
    CHECK(ran3 && j3.result == 5 && !strcmp(j3.buf, "value"),
          "a good reply after the resets: %d '%.8s'", j3.result, j3.buf);
    CHECK(ran4 && j4.result == -EIO, "a directory without its terminator: %d, not -EIO",
          j4.result);
    CHECK(after.unknown_replies - before.unknown_replies == 1, "%llu replies to no request counted",
          (unsigned long long)(after.unknown_replies - before.unknown_replies));
    CHECK(after.unknown_watches - before.unknown_watches == 1, "%llu unknown watch events counted",
          (unsigned long long)(after.unknown_watches - before.unknown_watches));
    CHECK(after.protocol_errors - before.protocol_errors == 2, "%llu protocol errors counted, not 2",
          (unsigned long long)(after.protocol_errors - before.protocol_errors));
    CHECK(after.ring_errors - before.ring_errors == 1, "%llu ring errors counted, not 1",
          (unsigned long long)(after.ring_errors - before.ring_errors));
    test_pass();
}

const struct test_case xenstore_tests[] = {
    { "xen.xenstore_read_write", test_read_write },
    { "xen.xenstore_domain_keys", test_domain_keys },
    { "xen.xenstore_errors", test_errors },
    { "xen.xenstore_transaction", test_transaction },
    { "xen.xenstore_watch", test_watch },
    { "xen.xenstore_hostile_server", test_hostile_server },
    { NULL, NULL },
};
