/*
 * Grant tables (pv/xen/grant_table.c) against the real Xen: the domain
 * grants a page to itself and maps the grant at another page, as a
 * backend in another domain would, so that both sides of the protocol run
 * here. An end while the grant is mapped must be refused and the frame
 * kept until the unmap; exhaustion must be an error. Elsewhere SKIP.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <proteus/api.h>
#include <proteus/vm.h>
#include <pv/xen_grant.h>
#include "selftest.h"

static bool no_grants(void)
{
    if (!xen_grant_count())
        test_skip("no grant table (not Xen PV)");
    else if (xen_domid == DOMID_INVALID)
        test_skip("this domain's id is unknown");
    else
        return false;
    return true;
}

static void *page(void)
{
    paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
    return pa ? phys_to_virt(pa) : NULL;
}

static volatile int released;
static void on_release(void *ctx)
{
    released = 1;
}

/* Writable: what the mapper writes, the granter sees; an end while mapped
 * is -EBUSY, and a deferred one releases only after the unmap. */
static void test_self_map(void)
{
    if (no_grants())
        return;
    unsigned free0 = xen_grant_free_count();
    char *src = page(), *win = page();
    CHECK(src && win, "no pages");
    strcpy(src, "granted page");
    grant_ref_t ref;
    CHECK(xen_grant_access(xen_domid, virt_to_phys_direct(src) >> PAGE_SHIFT, false, &ref) == 0,
          "grant failed");
    grant_handle_t h;
    int err = xen_grant_map(xen_domid, ref, win, false, &h);
    CHECK(err == 0, "mapping our own grant failed: %d", err);
    CHECK(!strcmp(win, "granted page"), "the mapping shows '%.16s'", win);
    strcpy(win, "written by the mapper");
    CHECK(!strcmp(src, "written by the mapper"), "the granter sees '%.24s'", src);
    err = xen_grant_end(ref);
    CHECK(err == -EBUSY, "ending a mapped grant gave %d, not -EBUSY", err);
    released = 0;
    xen_grant_end_deferred(ref, on_release, NULL);
    CHECK(!released && xen_grant_deferred_count() == 1, "released while still mapped");
    CHECK(xen_grant_unmap(win, h) == 0, "unmap failed");
    CHECK(win[0] == '\0', "the window's own (zeroed) frame is not back");
    uint64_t end = proteus_clock_ns() + 2000000000ull;
    while (!released && proteus_clock_ns() < end)
        proteus_sleep_until_ns(proteus_clock_ns() + 10000000);
    CHECK(released, "the deferred end did not release the frame within 2 s of the unmap");
    CHECK(xen_grant_free_count() == free0, "%u references free, %u before",
          xen_grant_free_count(), free0);
    page_free(virt_to_phys_direct(src));
    page_free(virt_to_phys_direct(win));
    test_pass();
}

/* Read-only: a writable mapping is refused, a read-only one works. */
static void test_readonly(void)
{
    if (no_grants())
        return;
    char *src = page(), *win = page();
    CHECK(src && win, "no pages");
    strcpy(src, "read me");
    grant_ref_t ref;
    CHECK(xen_grant_access(xen_domid, virt_to_phys_direct(src) >> PAGE_SHIFT, true, &ref) == 0,
          "grant failed");
    grant_handle_t h;
    int err = xen_grant_map(xen_domid, ref, win, false, &h);
    CHECK(err == -EPERM, "a writable map of a read-only grant gave %d, not -EPERM", err);
    CHECK(win[0] == '\0', "the refused map changed the window");
    CHECK(xen_grant_map(xen_domid, ref, win, true, &h) == 0, "read-only map failed");
    CHECK(!strcmp(win, "read me"), "the mapping shows '%.8s'", win);
    CHECK(xen_grant_end(ref) == -EBUSY, "ended while mapped");
    CHECK(xen_grant_unmap(win, h) == 0, "unmap failed");
    CHECK(xen_grant_end(ref) == 0, "end after unmap failed");
    page_free(virt_to_phys_direct(src));
    page_free(virt_to_phys_direct(win));
    test_pass();
}

/* Every reference in use: the next grant is -ENOSPC, and ending them all
 * gives every one back. Bad ends are refused. */
static void test_exhaustion(void)
{
    if (no_grants())
        return;
    static grant_ref_t held[8192];
    unsigned free0 = xen_grant_free_count(), n = 0;
    CHECK(free0 <= sizeof(held) / sizeof(held[0]), "%u references: more than the test holds", free0);
    char *p = page();
    CHECK(p, "no page");
    unsigned long pfn = virt_to_phys_direct(p) >> PAGE_SHIFT;
    int err = 0;
    while (!(err = xen_grant_access(xen_domid, pfn, true, &held[n])))
        n++;
    CHECK(err == -ENOSPC && n == free0, "after %u of %u grants: %d, not -ENOSPC", n, free0, err);
    for (unsigned i = 0; i < n; i++)
        CHECK(xen_grant_end(held[i]) == 0, "ending grant %u failed", held[i]);
    CHECK(xen_grant_free_count() == free0, "%u free after, %u before", xen_grant_free_count(), free0);
    CHECK(xen_grant_end(held[0]) == -EINVAL, "a second end of %u was accepted", held[0]);
    CHECK(xen_grant_end(GNTTAB_RESERVED_XENSTORE) == -EINVAL, "the xenstore entry was ended");
    CHECK(xen_grant_end(xen_grant_count()) == -EINVAL, "a reference past the table was ended");
    grant_ref_t r;
    CHECK(xen_grant_access(xen_domid, ~0UL >> 1, true, &r) == -EINVAL,
          "a frame beyond the domain's memory was granted");
    page_free(virt_to_phys_direct(p));
    test_pass();
}

const struct test_case xen_grant_tests[] = {
    { "xen.grant_self_map", test_self_map },
    { "xen.grant_readonly", test_readonly },
    { "xen.grant_exhaustion", test_exhaustion },
    { NULL, NULL },
};
