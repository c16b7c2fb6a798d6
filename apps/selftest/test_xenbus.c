/*
 * xenbus against a backend that never gets there (pv/xen/xenbus.c): the
 * case plays the backend's side in xenstore, under the domain's own
 * data/selftest-xb/ (a frontend directory `fe` naming a backend
 * directory `be` of this domain), and has xenbus attach a netfront to
 * it with short deadlines. The frontend must give up, say so, close,
 * give back what it took, and return; a guest that waits for ever on a backend is the failure these
 * cases exist to catch. Without xenstore (dom0, other platforms) each
 * case says SKIP.
 */
#include <stdio.h>
#include <string.h>
#include <proteus/errno.h>
#include <pv/xen_grant.h>
#include <pv/xenbus.h>
#include <pv/xenstore.h>
#include "selftest.h"

#define FE "data/selftest-xb/fe"
#define DEADLINE_MS 1500

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
    int err = xenbus_attach_at("vif", FE, DEADLINE_MS, DEADLINE_MS, &verdict);
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
    int err = xenbus_attach_at("vif", FE, DEADLINE_MS, DEADLINE_MS, &verdict);
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
    int err = xenbus_attach_at("vif", FE, DEADLINE_MS, DEADLINE_MS, &verdict);
    char st[8];
    int n = front_key("state", st, sizeof(st));
    tear_down();
    CHECK(err == -EINVAL, "attach gave %d (%s), not -EINVAL", err, verdict);
    CHECK(!strcmp(verdict, "failed: no usable mac key"), "verdict '%s'", verdict);
    CHECK(n == 1 && st[0] == '6', "the frontend's state is '%s' (%d), not Closed (6)",
          n > 0 ? st : "", n);
    test_pass();
}

const struct test_case xenbus_tests[] = {
    { "xen.xenbus_backend_never_ready", test_backend_never_ready },
    { "xen.xenbus_backend_never_connects", test_backend_never_connects },
    { "xen.xenbus_bad_mac", test_bad_mac },
    { NULL, NULL },
};
