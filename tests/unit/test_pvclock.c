/*
 * lib/pvclock.c: scaling TSC ticks by a pvclock's multiplier and shift,
 * against a 128-bit reference, the TSC rate a scale implies, and the
 * version protocol's refusal of a structure that never settles.
 */
#include "unit.h"

#include <proteus/errno.h>
#include <proteus/pvclock.h>

static u64 reference(u64 system_time, u64 ts, u64 tsc, u32 mul, s8 shift)
{
    unsigned __int128 d = tsc - ts;
    d = shift >= 0 ? d << shift : d >> -shift;
    return system_time + (u64)((d * mul) >> 32);
}

TEST(pvclock_scale_matches_reference)
{
    uint64_t seed = 42;
    for (int i = 0; i < 100000; i++) {
        struct pvclock_snapshot s = {
            .tsc_timestamp = unit_rand(&seed) >> 8,
            .system_time = unit_rand(&seed) >> 4,
            .mul = (u32)unit_rand(&seed) | 0x80000000u,   /* Xen keeps mul >= 2^31 */
            .shift = (s8)((int)unit_rand_below(&seed, 6) - 3),
        };
        u64 tsc = s.tsc_timestamp + (unit_rand(&seed) >> 30);   /* up to ~2^34 ticks later */
        if (!CHECK_EQ(pvclock_ns(&s, tsc),
                      reference(s.system_time, s.tsc_timestamp, tsc, s.mul, s.shift)))
            break;
    }
}

TEST(pvclock_tsc_before_snapshot_is_snapshot_time)
{
    struct pvclock_snapshot s = { .tsc_timestamp = 1000, .system_time = 5000, .mul = 1u << 31 };
    CHECK_EQ(pvclock_ns(&s, 999), 5000);
    CHECK_EQ(pvclock_ns(&s, 1000), 5000);
    CHECK_EQ(pvclock_ns(&s, 1002), 5001);
}

TEST(pvclock_tsc_hz)
{
    /* 2 GHz: 0.5 ns per tick = mul 2^31, shift 0 */
    CHECK_EQ(pvclock_tsc_hz(1u << 31, 0), 2000000000ULL);
    /* 500 MHz: 2 ns per tick = (2^31 / 2^32) * 2^2, as mul 2^31 and shift 2 */
    CHECK_EQ(pvclock_tsc_hz(1u << 31, 2), 500000000ULL);
    /* 3 GHz as Xen would give it: shift -1, mul = 2/3 * 2^32 */
    u64 hz = pvclock_tsc_hz(0xaaaaaaabu, -1);
    CHECK(hz > 2999999990ULL && hz < 3000000010ULL);
    CHECK_EQ(pvclock_tsc_hz(0, 0), 0);
}

TEST(pvclock_snapshot_consistent)
{
    struct pvclock_time_info t = { .version = 4, .tsc_timestamp = 7, .system_time = 9,
                                   .tsc_to_system_mul = 123, .tsc_shift = -2, .flags = 1 };
    struct pvclock_snapshot s;
    CHECK_EQ(pvclock_snapshot(&t, &s, 1), 0);
    CHECK_EQ(s.tsc_timestamp, 7);
    CHECK_EQ(s.system_time, 9);
    CHECK_EQ(s.mul, 123);
    CHECK_EQ(s.shift, -2);
    CHECK_EQ(s.flags, 1);
}

TEST(pvclock_snapshot_odd_version_refused)
{
    struct pvclock_time_info t = { .version = 5 };
    struct pvclock_snapshot s;
    CHECK_EQ(pvclock_snapshot(&t, &s, 1000), -EAGAIN);
}
