/*
 * Memory-map normalisation. Firmware maps overlap, arrive unsorted and
 * split RAM at odd boundaries; the allocator wants clean page ranges.
 * The method is a sweep over every region boundary: each elementary
 * interval takes the strongest type covering it (any non-RAM type beats
 * RAM, because handing out a reserved page corrupts something), then equal
 * neighbours merge and RAM shrinks to whole pages.
 */
#include <proteus/memmap.h>
#include <proteus/range.h>

void memmap_init(struct memmap *m)
{
    m->n = 0;
    m->dropped = 0;
    m->reserved_lost = false;
    m->compact_failed = false;
}

/* Forgetting a reserved range is the one loss that is not safe: RAM
 * reported over it (now, or by a later memmap_add) would be handed out.
 * So RAM goes first, and once a reserved range is lost no RAM is taken
 * any more (m->reserved_lost). */
static void lose(struct memmap *m, const struct mem_region *r)
{
    m->dropped++;
    if (r->type != MEM_USABLE)
        m->reserved_lost = true;
}

/* Append `r` to the table `out` of *no regions (m->r itself, or the runs
 * normalisation builds). When it is full, something is dropped, and never
 * a non-usable region while RAM is left to drop instead: a lost reserved
 * range under reported RAM would be handed out, a lost RAM range is only
 * memory not used. Removing a region keeps the others in their order (the
 * runs must stay sorted). */
static void keep(struct memmap *m, struct mem_region *out, unsigned *no, struct mem_region r)
{
    if (*no < MEMMAP_MAX) {
        out[(*no)++] = r;
        return;
    }
    if (r.type != MEM_USABLE) {
        for (unsigned i = *no; i-- > 0;) {
            if (out[i].type == MEM_USABLE) {
                lose(m, &out[i]);
                for (; i + 1 < *no; i++)
                    out[i] = out[i + 1];
                out[*no - 1] = r;
                return;
            }
        }
    }
    lose(m, &r);
}

void memmap_add(struct memmap *m, u64 base, u64 len, u32 type)
{
    if (len == 0)
        return;   /* firmware lists these (QEMU's PVH map has one); harmless */
    u64 end;
    if (!range_end(base, len, &end)) {
        if (type == MEM_USABLE) {
            m->dropped++;
            return;
        }
        /* Reserved "past 2^64": everything from base up is reserved. It
         * cannot be dropped (a usable entry over the same range would
         * become RAM); it ends at 2^64 - 1, the highest end a region has. */
        len = ~0ULL - base;
        if (!len)
            return;
    }
    if (type == MEM_USABLE && m->reserved_lost) {
        m->dropped++;   /* it might lie over the reserved range that was lost */
        return;
    }
    /* A full table is first normalised, which merges overlapping and
     * adjacent regions (and rounds RAM to whole pages a little early,
     * which can only lose RAM). Once that frees nothing it is not tried
     * again: a hostile map of thousands of entries then costs a pass
     * each, not a sort each. */
    if (m->n == MEMMAP_MAX && !m->compact_failed) {
        memmap_normalize(m);
        m->compact_failed = m->n == MEMMAP_MAX;
    }
    keep(m, m->r, &m->n, (struct mem_region){ base, len, type });
}

/* Strength of a type when regions overlap: RAM is weakest; unknown types
 * count as reserved. */
static unsigned strength(u32 type)
{
    if (type == MEM_USABLE)
        return 1;
    if (type >= MEM_RESERVED && type <= MEM_PMEM)
        return 1 + type;
    return 1 + MEM_RESERVED;
}

static void sort_u64(u64 *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        u64 x = v[i];
        unsigned j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

void memmap_normalize(struct memmap *m)
{
    u64 edges[2 * MEMMAP_MAX];
    struct mem_region out[MEMMAP_MAX];
    unsigned ne = 0, no = 0;

    for (unsigned i = 0; i < m->n; i++) {
        edges[ne++] = m->r[i].base;
        edges[ne++] = m->r[i].base + m->r[i].len;
    }
    sort_u64(edges, ne);

    for (unsigned e = 0; e + 1 < ne; e++) {
        u64 lo = edges[e], hi = edges[e + 1];
        if (lo == hi)
            continue;
        u32 type = 0;
        bool covered = false;
        for (unsigned i = 0; i < m->n; i++) {
            const struct mem_region *r = &m->r[i];
            if (r->base <= lo && r->base + r->len >= hi &&
                (!covered || strength(r->type) > strength(type))) {
                type = r->type;
                covered = true;
            }
        }
        if (!covered)
            continue;   /* a hole between regions */
        if (no && out[no - 1].type == type && out[no - 1].base + out[no - 1].len == lo)
            out[no - 1].len += hi - lo;
        else
            keep(m, out, &no, (struct mem_region){ lo, hi - lo, type });
    }

    /* Usable RAM: whole pages only. A base in the last page below 2^64
     * has no page boundary above it: rounding it up would wrap to 0 and
     * turn the region into "all memory from 0". */
    m->n = 0;
    for (unsigned i = 0; i < no; i++) {
        struct mem_region r = out[i];
        if (r.type == MEM_USABLE) {
            u64 lo, hi = ALIGN_DOWN(r.base + r.len, (u64)PAGE_SIZE);
            if (!align_up_checked(r.base, PAGE_SIZE, &lo) || hi <= lo)
                continue;
            r.base = lo;
            r.len = hi - lo;
        }
        m->r[m->n++] = r;
    }
}

void memmap_limit(struct memmap *m, u64 top)
{
    top = ALIGN_DOWN(top, (u64)PAGE_SIZE);
    unsigned k = 0;
    for (unsigned i = 0; i < m->n; i++) {
        struct mem_region r = m->r[i];
        if (r.type == MEM_USABLE) {
            if (r.base >= top)
                continue;
            if (r.base + r.len > top)
                r.len = top - r.base;
        }
        m->r[k++] = r;
    }
    m->n = k;
}

/* Taken from the top of the highest region that fits, so that it keeps
 * away from low memory and from the image, which loaders put low. A cut
 * inside a region splits it, which needs a free slot in the table. */
u64 memmap_take(struct memmap *m, u64 bytes, u64 below, u64 avoid_lo, u64 avoid_hi)
{
    bytes = ALIGN_UP(bytes, (u64)PAGE_SIZE);
    below = ALIGN_DOWN(below, (u64)PAGE_SIZE);
    if (!bytes)
        return 0;
    for (unsigned i = m->n; i-- > 0;) {
        struct mem_region *r = &m->r[i];
        if (r->type != MEM_USABLE)
            continue;
        u64 lo = MAX(r->base, (u64)MEMMAP_TAKE_FLOOR), end = r->base + r->len;
        u64 top = MIN(end, below);
        if (top > avoid_lo && top - MIN(top, bytes) < avoid_hi)
            top = avoid_lo;   /* would overlap the image: below it */
        if (top <= lo || top - lo < bytes)
            continue;
        u64 at = top - bytes;
        if (top < end) {
            if (m->n == MEMMAP_MAX)
                return 0;   /* no slot for the part above the cut */
            for (unsigned k = m->n; k > i + 1; k--)
                m->r[k] = m->r[k - 1];
            m->r[i + 1] = (struct mem_region){ top, end - top, MEM_USABLE };
            m->n++;
            r = &m->r[i];
        }
        if (at == r->base) {
            for (unsigned k = i; k + 1 < m->n; k++)
                m->r[k] = m->r[k + 1];
            m->n--;
        } else {
            r->len = at - r->base;
        }
        return at;
    }
    return 0;
}

u64 memmap_usable_bytes(const struct memmap *m, u64 from)
{
    u64 total = 0;
    for (unsigned i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        if (r->type != MEM_USABLE || r->base + r->len <= from)
            continue;
        u64 lo = r->base < from ? from : r->base;
        total += r->base + r->len - lo;
    }
    return total;
}

const char *memmap_type_name(u32 type)
{
    static const char *const names[] = {
        [MEM_USABLE] = "usable",   [MEM_RESERVED] = "reserved", [MEM_ACPI] = "ACPI data",
        [MEM_NVS] = "ACPI NVS",    [MEM_UNUSABLE] = "unusable", [MEM_DISABLED] = "disabled",
        [MEM_PMEM] = "persistent",
    };
    if (type < ARRAY_SIZE(names) && names[type])
        return names[type];
    return "unknown";
}
