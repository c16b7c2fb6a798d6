/*
 * Tests of boot-time call-site patching: every recorded site was the
 * expected indirect call, and each now holds what the boot options ask for
 * (pvpatch=off: the indirect call; the default: inline native bytes for the
 * hot ops, direct calls elsewhere; pvstats: calls to counting thunks that
 * do count). selftest runs whole under each mode, which is the check that
 * patched and unpatched kernels behave the same.
 */
#include <stdint.h>
#include <string.h>
#include <proteus/options.h>
#include <proteus/pvops.h>
#include <proteus/pvpatch.h>
extern struct pv_ops native_ops_template;
#include "selftest.h"

extern const struct pvpatch_site __pvpatch_start[], __pvpatch_end[];

static void test_sites_known(void)
{
    CHECK((uintptr_t)__pvpatch_end > (uintptr_t)__pvpatch_start, "no call sites were recorded");
    CHECK(pvpatch_bad_sites() == 0, "%u sites were not the expected call", pvpatch_bad_sites());
    test_pass();
}

static int find_op(const char *name, struct pvop_info *info)
{
    for (unsigned i = 0; i < pvop_count(); i++)
        if (pvop_get(i, info) == 0 && !strcmp(info->name, name))
            return (int)i;
    return -1;
}

/* Where a patched call site leads: the target of a direct call (3E E8
 * rel32), else 0. */
static uintptr_t call_target(const uint8_t *b)
{
    if (b[0] != 0x3e || b[1] != 0xe8)
        return 0;
    int32_t rel;
    memcpy(&rel, b + 2, 4);
    return (uintptr_t)b + 6 + (intptr_t)rel;
}

static void test_site_bytes(void)
{
    enum pvpatch_mode m = pvpatch_mode();
    /* patched: the native cli inline while irq.disable is native's, else
     * a direct call to whichever implementation the personality chose */
    bool native = pv_ops.irq.disable == native_ops_template.irq.disable;
    unsigned seen = 0;
    for (const struct pvpatch_site *s = __pvpatch_start; s < __pvpatch_end; s++) {
        if (s->offset != PVOP_OFF(irq.disable))
            continue;
        const uint8_t *b = (const uint8_t *)s->addr;
        seen++;
        if (m == PVPATCH_OFF)
            CHECK(b[0] == 0xff && b[1] == 0x15, "pvpatch=off, but a site reads %02x %02x", b[0], b[1]);
        else if (m == PVPATCH_STATS)
            CHECK(b[0] == 0x3e && b[1] == 0xe8, "pvstats, but a site reads %02x %02x (not a direct call)",
                  b[0], b[1]);
        else if (native)
            CHECK(b[0] == 0xfa && b[1] == 0x0f && b[2] == 0x1f,
                  "patched, but an irq.disable site reads %02x %02x %02x", b[0], b[1], b[2]);
        else
            CHECK(call_target(b) == (uintptr_t)pv_ops.irq.disable,
                  "patched, but an irq.disable site does not call %p (reads %02x %02x)",
                  (void *)pv_ops.irq.disable, b[0], b[1]);
    }
    CHECK(seen > 0, "no irq.disable site found");
    struct pvop_info info;
    CHECK(find_op("irq.disable", &info) >= 0, "irq.disable unknown to the patcher");
    CHECK(info.sites == seen, "the patcher counted %u sites, the table has %u", info.sites, seen);
    test_pass();
}

static void test_stats_count(void)
{
    if (pvpatch_mode() != PVPATCH_STATS) {
        test_skip("calls are counted only when booted with pvstats");
        return;
    }
    struct pvop_info before, after;
    CHECK(find_op("irq.save_flags", &before) >= 0, "irq.save_flags unknown");
    for (int i = 0; i < 100; i++)
        irq_restore(irq_save());
    find_op("irq.save_flags", &after);
    CHECK(after.calls >= before.calls + 100, "irq.save_flags counted %llu -> %llu for 100 calls",
          (unsigned long long)before.calls, (unsigned long long)after.calls);
    test_pass();
}

const struct test_case patch_tests[] = {
    { "patch.sites_known", test_sites_known },
    { "patch.site_bytes", test_site_bytes },
    { "patch.stats_count", test_stats_count },
    { NULL, NULL },
};
