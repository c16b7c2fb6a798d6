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
#include <proteus/personality.h>
#include <proteus/pvops.h>
#include <proteus/pvpatch.h>
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

/* Every site of every op holds what the patcher says it made of it: in
 * pvpatch=off the indirect call, under pvstats a direct call, patched a
 * direct call to the op's implementation, the inline bytes (which are no
 * call at all), or the 6-byte NOP. irq.disable, the hottest op, is also
 * checked byte by byte where it is the native cli. */
static bool site_matches(enum pvpatch_mode m, const struct pvop_info *info, const uint8_t *b,
                         u32 offset)
{
    static const uint8_t nop6[] = { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 };
    bool indirect = b[0] == 0xff && b[1] == 0x15;
    if (m == PVPATCH_OFF)
        return indirect;
    if (m == PVPATCH_STATS)
        return call_target(b) != 0;
    if (info->nops == info->sites)
        return !memcmp(b, nop6, sizeof(nop6));
    if (info->inlined == info->sites) {
        if (offset == PVOP_OFF(irq.disable) && pv_ops.irq.disable == native_ops.irq.disable)
            return b[0] == 0xfa && b[1] == 0x0f && b[2] == 0x1f;   /* cli; 5-byte nop */
        return !indirect && call_target(b) == 0;
    }
    return call_target(b) == (uintptr_t)info->impl;
}

static void test_site_bytes(void)
{
    enum pvpatch_mode m = pvpatch_mode();
    unsigned checked = 0;
    for (const struct pvpatch_site *s = __pvpatch_start; s < __pvpatch_end; s++) {
        struct pvop_info info;
        int i;
        for (i = 0; (unsigned)i < pvop_count(); i++)
            if (pvop_get((unsigned)i, &info) == 0 && info.offset == s->offset)
                break;
        const uint8_t *b = (const uint8_t *)(uintptr_t)s->addr;
        CHECK((unsigned)i < pvop_count(), "a site at %p names no op (offset %u)", (void *)b,
              s->offset);
        CHECK(site_matches(m, &info, b, s->offset),
              "a %s site at %p reads %02x %02x %02x: not what the patcher made of it "
              "(%u sites: %u inline, %u direct, %u nop)", info.name, (void *)b, b[0], b[1], b[2],
              info.sites, info.inlined, info.direct, info.nops);
        checked++;
    }
    CHECK(checked > 0, "no call sites");
    struct pvop_info info;
    CHECK(find_op("irq.disable", &info) >= 0, "irq.disable unknown to the patcher");
    CHECK(info.sites > 0, "no irq.disable site");
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
