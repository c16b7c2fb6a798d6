/*
 * include/proteus/timekeeping.h: the scaled multiply every clock uses, the
 * scale between two rates, and the slew rate that walks a clock that ran
 * ahead back to the true time; and the checks that decide whether a
 * measured TSC rate is trusted (two windows agreeing, an edge-bracketed
 * span).
 */
/* unit-sources: */
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

TEST(rates_agree_within_ppm)
{
    /* 0.5 % of 2,600,000,000 is 13,000,000 */
    CHECK(rates_agree_ppm(2600000000ull, 2613000000ull, 5000));
    CHECK(rates_agree_ppm(2613000000ull, 2600000000ull, 5000));
    CHECK(!rates_agree_ppm(2600000000ull, 2613000001ull, 5000));
    CHECK(rates_agree_ppm(7, 7, 0));
    CHECK(!rates_agree_ppm(7, 8, 0));
    /* the nested KVM host's windows: 2,555.9 and 2,593.2 MHz do not agree,
     * 2,593.2 and 2,603.7 do */
    CHECK(!rates_agree_ppm(2555911168ull, 2593161344ull, 5000));
    CHECK(rates_agree_ppm(2593161344ull, 2603662848ull, 5000));
    /* no overflow near the top of u64 */
    CHECK(rates_agree_ppm(~0ull, ~0ull - 1000, 5000));
    CHECK(!rates_agree_ppm(~0ull / 2, ~0ull, 5000));
}

TEST(bracketed_span)
{
    /* edges at 1,000 +- 50 and 2,600,001,000 +- 50: span 2,600,000,000 */
    CHECK_EQ(bracketed_span(950, 1050, 2600000950ull, 2600001050ull, 5000), 2600000000ull);
    /* brackets together 13,000,000 wide: just within 0.5 % */
    CHECK_EQ(bracketed_span(0, 6500000, 2600000000ull, 2606500000ull, 5000), 2600000000ull);
    CHECK_EQ(bracketed_span(0, 6500001, 2600000000ull, 2606500000ull, 5000), 0ull);
    /* out of order, or the second edge inside the first's bracket */
    CHECK_EQ(bracketed_span(100, 50, 1000, 1100, 5000), 0ull);
    CHECK_EQ(bracketed_span(100, 200, 150, 300, 5000), 0ull);
    /* no overflow with readings near the top of u64 */
    CHECK_EQ(bracketed_span(~0ull - 3000, ~0ull - 2000, ~0ull - 1000, ~0ull, 1000000), 2000ull);
}
