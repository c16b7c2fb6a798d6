/*
 * Clock arithmetic shared by every clock source: scaling a cycle count to
 * nanoseconds with a 32-bit multiplier and a shift, as pvclock does
 * (Xen's public xen.h, struct vcpu_time_info). Pure code, host-tested.
 */
#ifndef PROTEUS_TIMEKEEPING_H
#define PROTEUS_TIMEKEEPING_H

#include <proteus/types.h>

#define NSEC_PER_SEC 1000000000ULL

/* No CPU Proteus runs on has a TSC below 200 MHz or above 20 GHz. A rate
 * outside, from any source (CPUID, a measurement, a hypervisor's clock
 * scale), was disturbed or is not what it seems, and must not become the
 * clock. */
#define TSC_HZ_MIN 200000000ULL
#define TSC_HZ_MAX 20000000000ULL
static inline bool tsc_hz_plausible(u64 hz)
{
    return hz >= TSC_HZ_MIN && hz <= TSC_HZ_MAX;
}

/* Whether two measurements of one rate agree within `ppm` (parts per
 * million, under 10^6) of the smaller; no intermediate overflows for any
 * u64 rate. pv/native/time.c takes a measured TSC rate only when two
 * windows in a row agree. */
static inline bool rates_agree_ppm(u64 a, u64 b, u32 ppm)
{
    u64 lo = a < b ? a : b, diff = a < b ? b - a : a - b;
    return diff <= lo / 1000000 * ppm + lo % 1000000 * ppm / 1000000;
}

/* The distance between two edges, each known only to lie between two
 * counter readings [lo, hi]: the distance of their midpoints, or 0 if the
 * readings are out of order or the brackets together are wider than `ppm`
 * of it (then the distance is not known well enough to use). */
static inline u64 bracketed_span(u64 lo1, u64 hi1, u64 lo2, u64 hi2, u32 ppm)
{
    if (hi1 < lo1 || hi2 < lo2 || lo2 < hi1)
        return 0;
    u64 span = (lo2 + (hi2 - lo2) / 2) - (lo1 + (hi1 - lo1) / 2);
    u64 unsure = (hi1 - lo1) + (hi2 - lo2);
    return unsure <= span / 1000000 * ppm + span % 1000000 * ppm / 1000000 ? span : 0;
}

struct clock_scale {
    u32 mult;
    u32 shift;
};

/*T:620 Every clock in the tree turns cycles into nanoseconds the same way:
 * ns = (cycles * mult) >> shift, a 32-bit multiplier and a shift chosen
 * once per rate (clock_scale_between, below), so a reading costs a
 * multiply and no division. The native TSC clock, the VMI shim's and the
 * pvclock that Xen and KVM publish (tsc_to_system_mul, a 0.32 fraction:
 * shift 32) all have this form. The product needs 96 bits; on i386 it is
 * built from two 32x32 multiplies, so both arches give the same
 * nanoseconds. A result beyond 64 bits saturates to ~0 instead of
 * wrapping. */
static inline u64 mul_u64_u32_shr(u64 a, u32 mult, unsigned shift)
{
    u64 lo = (a & 0xffffffffULL) * mult;
    u64 hi = (a >> 32) * mult;
    if (shift >= 32)
        return (lo >> shift) + (hi >> (shift - 32));
    if (hi > (~0ULL >> (32 - shift)))
        return ~0ULL;
    u64 high_part = hi << (32 - shift), sum = (lo >> shift) + high_part;
    return sum < high_part ? ~0ULL : sum;
}

/* The TSC rate that makes a clock ahead by `ahead_ns` meet the true time
 * after `interval_ns`: it covers interval - ahead of clock time in the
 * interval, so it runs slower by ahead / (interval - ahead). */
static inline u64 slew_hz(u64 hz, u64 ahead_ns, u64 interval_ns)
{
    return hz + hz * ahead_ns / (interval_ns - ahead_ns);
}

/* The scale that turns counts of a `from_hz` clock into counts of a
 * `to_hz` clock: the largest shift (most precision) whose multiplier
 * still fits 32 bits. */
static inline struct clock_scale clock_scale_between(u64 from_hz, u64 to_hz)
{
    struct clock_scale s = { 0, 32 };
    for (;; s.shift--) {
        if (to_hz <= (~0ULL >> s.shift)) {
            u64 m = (to_hz << s.shift) / from_hz;
            if (m <= 0xffffffffULL) {
                s.mult = (u32)m;
                return s;
            }
        }
        if (s.shift == 0) {
            s.mult = 0xffffffffu;   /* a ratio beyond 2^32: saturate */
            return s;
        }
    }
}

/* Cycles at `hz` to nanoseconds, and back. */
static inline struct clock_scale clock_scale_for(u64 hz)
{
    return clock_scale_between(hz, NSEC_PER_SEC);
}

/* Waits on devices must end even when the device never answers, and a
 * bound in loop iterations is no bound in time (under a hypervisor each
 * port read can cost microseconds). Before the TSC's rate is known, bound
 * them in TSC cycles at an assumed ceiling of 10 GHz: `ms` milliseconds on
 * any real CPU, shorter on none. */
#define TSC_CYCLES_FOR_MS(ms) ((u64)(ms) * 10000000ULL)
#endif
