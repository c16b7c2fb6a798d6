/*
 * kernel/memmap.c against any memory map a loader, firmware or Xen may
 * report: overlapping, unsorted, zero-length, wrapping past 2^64, more
 * entries than the table holds, unknown types.
 *
 * Input: a flags byte (bit 0: then memmap_limit(top), top being the next
 * 8 bytes; bit 1: then memmap_usable_bytes(from), from being the next 8
 * bytes), then entries of 17 bytes: base (8, little-endian), len (8),
 * type (1), until fewer than 17 bytes are left.
 *
 * Invariants:
 *   - memmap_add records the non-empty entries, a non-usable one that
 *     passes 2^64 cut to end at 2^64 - 1 (everything from its base up
 *     stays reserved), and counts in `dropped` the usable ones that pass
 *     2^64; while they fit in MEMMAP_MAX it records exactly those, in
 *     order ("input" below means what it records);
 *   - with more entries, or more normalised runs, than fit (the table is
 *     normalised to make room, then RAM is given up first, and once a
 *     reserved range is lost no RAM is taken at all) only the safety rule
 *     and the shape are checked, against every entry given: a reserved
 *     entry past the 128th must still keep RAM off its range;
 *   - after memmap_normalize: n <= MEMMAP_MAX; regions sorted, non-empty,
 *     not overlapping, not passing 2^64; usable ones page-aligned;
 *   - every usable byte of the result lies inside some usable input range
 *     and inside no non-usable one (the safety rule: handing out a
 *     reserved page, or a page nobody reported, corrupts something);
 *   - the result equals a model (elementary intervals take the strongest
 *     type covering them, first reported among equals; equal neighbours
 *     merge; RAM keeps its whole pages), and normalising again changes
 *     nothing;
 *   - memmap_limit keeps non-usable regions and cuts usable RAM at the
 *     page below `top`; memmap_usable_bytes is the sum a model computes.
 */
/* fuzz-sources: kernel/memmap.c */
#include "fuzz.h"

#include <proteus/memmap.h>

#define PAGE 4096ULL

struct range {
    uint64_t base, end;   /* [base, end), end > base, no wrap */
    uint32_t type;
};

static unsigned strength(uint32_t type)
{
    if (type == MEM_USABLE)
        return 1;
    return 1 + (type >= MEM_RESERVED && type <= MEM_PMEM ? type : MEM_RESERVED);
}

static bool overlaps(uint64_t a, uint64_t ae, uint64_t b, uint64_t be)
{
    return a < be && b < ae;
}

/* ---- the model of memmap_normalize ------------------------------------ */

static unsigned model_normalize(const struct range *in, unsigned n, struct range *out,
                                unsigned *nruns)
{
    static uint64_t edges[2 * MEMMAP_MAX];
    static struct range runs[2 * MEMMAP_MAX];
    unsigned ne = 0, nr = 0, no = 0;
    for (unsigned i = 0; i < n; i++) {
        edges[ne++] = in[i].base;
        edges[ne++] = in[i].end;
    }
    for (unsigned i = 1; i < ne; i++)   /* sort */
        for (unsigned j = i; j > 0 && edges[j - 1] > edges[j]; j--) {
            uint64_t t = edges[j];
            edges[j] = edges[j - 1];
            edges[j - 1] = t;
        }
    for (unsigned e = 0; e + 1 < ne; e++) {
        uint64_t lo = edges[e], hi = edges[e + 1];
        if (lo == hi)
            continue;
        int best = -1;
        for (unsigned i = 0; i < n; i++)
            if (in[i].base <= lo && in[i].end >= hi &&
                (best < 0 || strength(in[i].type) > strength(in[best].type)))
                best = (int)i;
        if (best < 0)
            continue;
        if (nr && runs[nr - 1].type == in[best].type && runs[nr - 1].end == lo)
            runs[nr - 1].end = hi;
        else
            runs[nr++] = (struct range){ lo, hi, in[best].type };
    }
    *nruns = nr;
    for (unsigned r = 0; r < nr && r < MEMMAP_MAX; r++) {
        struct range x = runs[r];
        if (x.type == MEM_USABLE) {
            if (x.base > UINT64_MAX - (PAGE - 1))
                continue;   /* no whole page above the base */
            uint64_t lo = (x.base + PAGE - 1) & ~(PAGE - 1), hi = x.end & ~(PAGE - 1);
            if (hi <= lo)
                continue;
            x.base = lo, x.end = hi;
        }
        out[no++] = x;
    }
    return no;
}

/* ---- checks ------------------------------------------------------------ */

static void check_shape(const struct memmap *m, const char *when)
{
    FUZZ_CHECK(m->n <= MEMMAP_MAX, "%s: n = %u", when, m->n);
    for (unsigned i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        uint64_t end;
        FUZZ_CHECK(r->len > 0, "%s: region %u is empty", when, i);
        FUZZ_CHECK(!__builtin_add_overflow(r->base, r->len, &end),
                   "%s: region %u [%#llx, +%#llx) passes 2^64", when, i,
                   (unsigned long long)r->base, (unsigned long long)r->len);
        if (r->type == MEM_USABLE)
            FUZZ_CHECK(r->base % PAGE == 0 && r->len % PAGE == 0,
                       "%s: usable region %u [%#llx, +%#llx) is not whole pages", when, i,
                       (unsigned long long)r->base, (unsigned long long)r->len);
        if (i)
            FUZZ_CHECK(m->r[i - 1].base + m->r[i - 1].len <= r->base,
                       "%s: region %u [%#llx, +%#llx) is not after region %u [%#llx, +%#llx)",
                       when, i, (unsigned long long)r->base, (unsigned long long)r->len, i - 1,
                       (unsigned long long)m->r[i - 1].base, (unsigned long long)m->r[i - 1].len);
    }
}

/* The safety rule: usable output only where the input said RAM and
 * nothing else. */
static void check_usable_inside_input(const struct memmap *m, const struct range *in, unsigned n)
{
    for (unsigned i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        if (r->type != MEM_USABLE)
            continue;
        uint64_t b = r->base, e = r->base + r->len;
        for (unsigned k = 0; k < n; k++)
            FUZZ_CHECK(in[k].type == MEM_USABLE || !overlaps(b, e, in[k].base, in[k].end),
                       "usable [%#llx, %#llx) overlaps input %u [%#llx, %#llx) of type %u",
                       (unsigned long long)b, (unsigned long long)e, k,
                       (unsigned long long)in[k].base, (unsigned long long)in[k].end, in[k].type);
        for (uint64_t at = b; at < e;) {
            uint64_t reach = at;
            for (unsigned k = 0; k < n; k++)
                if (in[k].type == MEM_USABLE && in[k].base <= at && at < in[k].end &&
                    in[k].end > reach)
                    reach = in[k].end;
            FUZZ_CHECK(reach > at,
                       "usable [%#llx, %#llx): byte %#llx is in no usable input range",
                       (unsigned long long)b, (unsigned long long)e, (unsigned long long)at);
            at = reach;
        }
    }
}

static void check_equals(const struct memmap *m, const struct range *want, unsigned nwant,
                         const char *what)
{
    FUZZ_CHECK(m->n == nwant, "%s: %u regions, the model has %u", what, m->n, nwant);
    for (unsigned i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        FUZZ_CHECK(r->base == want[i].base && r->base + r->len == want[i].end &&
                       r->type == want[i].type,
                   "%s: region %u is [%#llx, %#llx) type %u, the model has [%#llx, %#llx) type %u",
                   what, i, (unsigned long long)r->base, (unsigned long long)(r->base + r->len),
                   r->type, (unsigned long long)want[i].base, (unsigned long long)want[i].end,
                   want[i].type);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct memmap m, again;
    static struct range in[4096], want[MEMMAP_MAX];
    struct fuzz_in fin = fuzz_in(data, size);
    uint8_t flags = fuzz_u8(&fin);
    uint64_t top = flags & 1 ? fuzz_u64(&fin) : 0;
    uint64_t from = flags & 2 ? fuzz_u64(&fin) : 0;

    memmap_init(&m);
    unsigned n = 0, dropped = 0;
    while (fuzz_left(&fin) >= 17) {
        uint64_t base = fuzz_u64(&fin), len = fuzz_u64(&fin), end;
        uint32_t type = fuzz_u8(&fin);
        memmap_add(&m, base, len, type);
        if (!len)
            continue;
        if (__builtin_add_overflow(base, len, &end)) {
            if (type == MEM_USABLE) {
                dropped++;
                continue;
            }
            end = UINT64_MAX;   /* 2^64 itself is no region's end */
            if (end == base)
                continue;
        }
        if (n < sizeof(in) / sizeof(in[0]))
            in[n++] = (struct range){ base, end, type };
    }
    if (n > MEMMAP_MAX) {
        FUZZ_CHECK(m.dropped >= dropped && m.n <= MEMMAP_MAX, "after adding %u: n %u dropped %u",
                   n, m.n, m.dropped);
        memmap_normalize(&m);
        check_shape(&m, "normalized (table overflowed)");
        check_usable_inside_input(&m, in, n);
        return 0;
    }
    FUZZ_CHECK(m.n == n && m.dropped == dropped, "after adding: n %u dropped %u, expected %u, %u",
               m.n, m.dropped, n, dropped);
    for (unsigned i = 0; i < n; i++)
        FUZZ_CHECK(m.r[i].base == in[i].base && m.r[i].base + m.r[i].len == in[i].end &&
                       m.r[i].type == in[i].type,
                   "entry %u recorded wrongly", i);

    memmap_normalize(&m);
    check_shape(&m, "normalized");
    check_usable_inside_input(&m, in, n);
    unsigned nruns, nwant = model_normalize(in, n, want, &nruns);
    FUZZ_CHECK((m.dropped > dropped) == (nruns > MEMMAP_MAX),
               "normalize dropped %u regions; the model has %u runs for %u slots",
               m.dropped - dropped, nruns, MEMMAP_MAX);
    if (nruns > MEMMAP_MAX)
        return 0;   /* which runs were given up is the kernel's choice (RAM first) */
    check_equals(&m, want, nwant, "normalized");

    again = m;
    memmap_normalize(&again);
    check_equals(&again, want, nwant, "normalized twice");

    if (flags & 1) {
        uint64_t t = top & ~(PAGE - 1);
        unsigned k = 0;
        for (unsigned i = 0; i < nwant; i++) {
            struct range r = want[i];
            if (r.type == MEM_USABLE && r.base >= t)
                continue;
            if (r.type == MEM_USABLE && r.end > t)
                r.end = t;
            want[k++] = r;
        }
        memmap_limit(&m, top);
        check_shape(&m, "limited");
        check_equals(&m, want, k, "limited");
        nwant = k;
    }
    if (flags & 2) {
        uint64_t total = 0;
        for (unsigned i = 0; i < nwant; i++)
            if (want[i].type == MEM_USABLE && want[i].end > from)
                total += want[i].end - (want[i].base < from ? from : want[i].base);
        uint64_t got = memmap_usable_bytes(&m, from);
        FUZZ_CHECK(got == total, "memmap_usable_bytes(%#llx) = %#llx, the model says %#llx",
                   (unsigned long long)from, (unsigned long long)got, (unsigned long long)total);
    }
    for (unsigned i = 0; i < n; i++) {
        const char *name = memmap_type_name(in[i].type);
        FUZZ_CHECK(name && name[0], "type %u has no name", in[i].type);
    }
    return 0;
}
