/*
 * include/proteus/timekeeping.h: the scaled multiply every clock uses, the
 * scale between two rates, and the slew rate that walks a clock that ran
 * ahead back to the true time.
 */
#include "unit.h"

#include <proteus/timekeeping.h>

TEST(mul_shift_exact)
{
    CHECK_EQ(mul_u64_u32_shr(1000, 3, 0), 3000ull);
    CHECK_EQ(mul_u64_u32_shr(1ull << 40, 1u << 31, 32), 1ull << 39);
    /* the high half matters: (2^40 + 5) * 0x80000000 >> 32 */
    CHECK_EQ(mul_u64_u32_shr((1ull << 40) + 6, 0x80000000u, 32), (1ull << 39) + 3);
}

TEST(mul_shift_saturates)
{
    /* 2^63 * 2^31 >> 0 does not fit: saturate, never wrap to something small */
    CHECK_EQ(mul_u64_u32_shr(1ull << 63, 1u << 31, 0), ~0ull);
    CHECK_EQ(mul_u64_u32_shr(~0ull, 0xffffffffu, 30), ~0ull);
    /* near the edge but fitting */
    CHECK_EQ(mul_u64_u32_shr(~0ull, 1u << 30, 30), ~0ull);
    CHECK_EQ(mul_u64_u32_shr(1ull << 62, 1u, 0), 1ull << 62);
}

TEST(scale_ns_and_back)
{
    const u64 hz = 2596143592ull;
    struct clock_scale to_ns = clock_scale_for(hz), to_cyc = clock_scale_between(NSEC_PER_SEC, hz);
    u64 cycles = hz * 7 + 12345;   /* seven seconds and a bit */
    u64 ns = mul_u64_u32_shr(cycles, to_ns.mult, to_ns.shift);
    CHECK(ns >= 7000000000ull && ns < 7000010000ull);
    u64 back = mul_u64_u32_shr(ns, to_cyc.mult, to_cyc.shift);
    u64 diff = back > cycles ? back - cycles : cycles - back;
    CHECK(diff < hz / 1000000);   /* round trip within a microsecond */
}

TEST(slew_meets_true_time)
{
    const u64 hz = 2628000000ull;
    for (u64 interval = 500000000ull; interval <= 4000000000ull; interval *= 2) {
        for (u64 ahead = 1000; ahead <= 1000000; ahead *= 10) {
            u64 slow = slew_hz(hz, ahead, interval);
            /* in `interval` of true time the TSC counts interval * hz / 1e9
             * cycles; at the slowed rate that is interval - ahead of clock */
            u64 cycles = interval / 1000 * (hz / 1000000);
            u64 clock = (u64)((unsigned __int128)cycles * NSEC_PER_SEC / slow);
            u64 want = interval - ahead;
            u64 err = clock > want ? clock - want : want - clock;
            CHECK(err < 1000);   /* within a microsecond of meeting it */
            CHECK(slow > hz);
        }
    }
}
