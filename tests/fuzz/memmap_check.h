/*
 * Invariants of a normalised memory map (kernel/memmap.c), shared by the
 * harnesses whose parsers end in one: the boot protocols and Xen's
 * start_info. Include after fuzz.h.
 */
#ifndef TESTS_FUZZ_MEMMAP_CHECK_H
#define TESTS_FUZZ_MEMMAP_CHECK_H

#include <proteus/memmap.h>

/* At most MEMMAP_MAX regions, each non-empty and not passing 2^64, sorted
 * and not overlapping, usable ones whole pages. */
static inline void memmap_check_shape(const struct memmap *m)
{
    FUZZ_CHECK(m->n <= MEMMAP_MAX, "n = %u", m->n);
    for (unsigned i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        uint64_t end;
        FUZZ_CHECK(r->len > 0, "region %u is empty", i);
        FUZZ_CHECK(!__builtin_add_overflow(r->base, r->len, &end),
                   "region %u [%#llx, +%#llx) passes 2^64", i, (unsigned long long)r->base,
                   (unsigned long long)r->len);
        if (r->type == MEM_USABLE)
            FUZZ_CHECK(r->base % 4096 == 0 && r->len % 4096 == 0,
                       "usable region %u [%#llx, +%#llx) is not whole pages", i,
                       (unsigned long long)r->base, (unsigned long long)r->len);
        if (i)
            FUZZ_CHECK(m->r[i - 1].base + m->r[i - 1].len <= r->base,
                       "region %u at %#llx overlaps or precedes region %u", i,
                       (unsigned long long)r->base, i - 1);
    }
}

/* Every usable byte of `m` lies inside one of the `n` usable input ranges
 * and inside none of the non-usable ones. */
struct input_range {
    uint64_t base, len;
    uint32_t type;
};

static inline bool input_covers(const struct input_range *in, unsigned n, uint64_t lo,
                                uint64_t hi, bool usable)
{
    /* [lo, hi) is covered by the union of the matching inputs: walk it */
    while (lo < hi) {
        uint64_t best = lo;
        for (unsigned i = 0; i < n; i++) {
            uint64_t end;
            if ((in[i].type == MEM_USABLE) != usable ||
                __builtin_add_overflow(in[i].base, in[i].len, &end))
                continue;
            if (in[i].base <= lo && end > best)
                best = end;
        }
        if (best == lo)
            return false;
        lo = best;
    }
    return true;
}

static inline bool input_touches_reserved(const struct input_range *in, unsigned n, uint64_t lo,
                                          uint64_t hi)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t end;
        if (in[i].type == MEM_USABLE || in[i].len == 0)
            continue;
        if (__builtin_add_overflow(in[i].base, in[i].len, &end))
            end = UINT64_MAX;
        if (in[i].base < hi && lo < end)
            return true;
    }
    return false;
}

static inline void memmap_check_within(const struct memmap *m, const struct input_range *in,
                                       unsigned n)
{
    for (unsigned i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        if (r->type != MEM_USABLE)
            continue;
        FUZZ_CHECK(input_covers(in, n, r->base, r->base + r->len, true),
                   "usable [%#llx, +%#llx) is not all usable input", (unsigned long long)r->base,
                   (unsigned long long)r->len);
        FUZZ_CHECK(!input_touches_reserved(in, n, r->base, r->base + r->len),
                   "usable [%#llx, +%#llx) overlaps a non-usable input",
                   (unsigned long long)r->base, (unsigned long long)r->len);
    }
}

#endif
