/*
 * Clock arithmetic shared by every clock source: scaling a cycle count to
 * nanoseconds with a 32-bit multiplier and a shift, as pvclock does
 * (protocol-facts 2.7). Pure code, host-tested.
 */
#ifndef PROTEUS_TIMEKEEPING_H
#define PROTEUS_TIMEKEEPING_H

#include <proteus/types.h>

#define NSEC_PER_SEC 1000000000ULL

struct clock_scale {
    u32 mult;
    u32 shift;
};

/* (a * mult) >> shift with a 96-bit intermediate, on i386 as well. */
static inline u64 mul_u64_u32_shr(u64 a, u32 mult, unsigned shift)
{
    u64 lo = (a & 0xffffffffULL) * mult;
    u64 hi = (a >> 32) * mult;
    return (lo >> shift) + (shift >= 32 ? hi >> (shift - 32) : hi << (32 - shift));
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
