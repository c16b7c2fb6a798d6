/*
 * Arithmetic on addresses and lengths that came from outside the kernel
 * (boot loaders, firmware tables, the hypervisor). `base + len` and
 * ALIGN_UP wrap silently at 2^64 (or 2^32 in a pointer), and a wrapped
 * range looks small and harmless: [0xfffffffffffff001, +0xffe) rounded up
 * is 0. Every check of an outside range goes through these helpers, which
 * say "no" instead of wrapping. Pure code, host-tested
 * (tests/unit/test_range.c).
 */
#ifndef PROTEUS_RANGE_H
#define PROTEUS_RANGE_H

#include <proteus/types.h>

/* *end = base + len; false if that passes 2^64. */
static inline bool range_end(u64 base, u64 len, u64 *end)
{
    return !__builtin_add_overflow(base, len, end);
}

/* *out = x rounded up to `align` (a power of two); false if that passes
 * 2^64. */
static inline bool align_up_checked(u64 x, u64 align, u64 *out)
{
    u64 t;
    if (__builtin_add_overflow(x, align - 1, &t))
        return false;
    *out = t & ~(align - 1);
    return true;
}

/* *out = x << shift; false if any bit is lost (a page count that does not
 * fit in bytes). */
static inline bool shl_checked(u64 x, unsigned shift, u64 *out)
{
    if (shift >= 64 || (shift && x >> (64 - shift)))
        return false;
    *out = x << shift;
    return true;
}

/* Whether [base, base + len) lies inside [lo, hi), without wrapping.
 * An empty range lies inside when base does. */
static inline bool range_inside(u64 base, u64 len, u64 lo, u64 hi)
{
    u64 end;
    return range_end(base, len, &end) && base >= lo && end <= hi;
}

/* Whether [a, a + alen) and [b, b + blen) share a byte; a range that wraps
 * is taken to run to 2^64. */
static inline bool range_overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
    u64 aend, bend;
    if (!alen || !blen)
        return false;
    if (!range_end(a, alen, &aend))
        aend = ~0ULL;
    if (!range_end(b, blen, &bend))
        bend = ~0ULL;
    return a < bend && b < aend;
}

#endif
