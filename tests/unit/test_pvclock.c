/*
 * lib/pvclock.c: scaling TSC ticks by a pvclock's multiplier and shift,
 * against a 128-bit reference, the TSC rate a scale implies, and the
 * version protocol's refusal of a structure that never settles.
 */
/* unit-sources: lib/pvclock.c */
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

/* The delta is signed, modulo 2^64: a TSC a little before the record's
 * gives a time a little before system_time, never a huge one, never
 * below 0. */
TEST(pvclock_tsc_before_snapshot_is_earlier)
{
    struct pvclock_snapshot s = { .tsc_timestamp = 1000, .system_time = 5000, .mul = 1u << 31 };
    CHECK_EQ(pvclock_ns(&s, 990), 4995);
    CHECK_EQ(pvclock_ns(&s, 1000), 5000);
    CHECK_EQ(pvclock_ns(&s, 1002), 5001);
    s.system_time = 3;
    CHECK_EQ(pvclock_ns(&s, 0), 0);   /* 500 ns before a time of 3 ns: 0 */
}

/* Issue 11, D12, as Xen 4.17 handed it to a domU: a tsc_timestamp that is
 * negative as a signed number. The old reader clamped the delta to 0, so
 * the clock stood still and every timer deadline was already past. */
TEST(pvclock_negative_tsc_timestamp)
{
    struct pvclock_snapshot s = { .tsc_timestamp = 18446744072815760585ULL,
                                  .system_time = 1000000000ULL, .mul = 1u << 31, .shift = 0 };
    u64 tsc = 1282947970ULL;   /* 2176739001 ticks after the record */
    CHECK_EQ(pvclock_ns(&s, tsc), 1000000000ULL + 2176739001ULL / 2);
    CHECK(pvclock_ns(&s, tsc + 2000) > pvclock_ns(&s, tsc));   /* and it moves */
}

/* Issue 11, D5: a shift the arithmetic cannot take is refused by the
 * snapshot, and the rate it implies is 0 (no TSC has that). */
TEST(pvclock_bad_scale_refused)
{
    struct pvclock_time_info t = { .version = 2, .tsc_to_system_mul = 1, .tsc_shift = 63 };
    struct pvclock_snapshot s;
    CHECK_EQ(pvclock_snapshot(&t, &s, 1), -ERANGE);
    t.tsc_shift = -64;
    CHECK_EQ(pvclock_snapshot(&t, &s, 1), -ERANGE);
    t.tsc_shift = 0;
    t.tsc_to_system_mul = 0;
    CHECK_EQ(pvclock_snapshot(&t, &s, 1), -ERANGE);
    CHECK_EQ(pvclock_tsc_hz(1, 63), 0);
    CHECK_EQ(pvclock_tsc_hz(1, -32), 0);   /* 10^9 * 2^32 Hz << 32 overflows */
    /* mul 1, shift 32: 1 ns per tick, 1 GHz; plausible only by chance */
    CHECK_EQ(pvclock_tsc_hz(1, 32), (1000000000ULL << 32) >> 32);
    /* the reader never shifts by more than the type holds */
    struct pvclock_snapshot bad = { .tsc_timestamp = 0, .system_time = 7, .mul = 1, .shift = 100 };
    CHECK_EQ(pvclock_ns(&bad, 1), 7 + 0xffffffffULL);   /* the ticks saturate: defined */
    bad.shift = -100;
    CHECK_EQ(pvclock_ns(&bad, 1), 7);
}

/* A huge delta saturates instead of wrapping to a small time. */
TEST(pvclock_huge_delta_saturates)
{
    struct pvclock_snapshot s = { .tsc_timestamp = 0, .system_time = 0, .mul = 0xffffffffu,
                                  .shift = 32 };
    CHECK(pvclock_ns(&s, 1ULL << 40) > 1ULL << 63);
    s.system_time = ~0ULL - 10;
    CHECK_EQ(pvclock_ns(&s, 1ULL << 40), ~0ULL);
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
