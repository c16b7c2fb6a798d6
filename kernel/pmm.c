/*
 * Bitmap page-frame allocator (see include/proteus/pmm.h for the why).
 * Searches skip whole 64-frame words that are full, so even a 5 GiB map
 * (1.3 million frames, 20 thousand words) is scanned quickly; the hints
 * remember where the last search ended.
 */
#include <proteus/pmm.h>
#include <proteus/errno.h>

#define BITS 64

static bool test(const struct pmm *p, u64 f) { return p->bitmap[f / BITS] >> (f % BITS) & 1; }
static void set(struct pmm *p, u64 f) { p->bitmap[f / BITS] |= 1ULL << (f % BITS); }
static void clear(struct pmm *p, u64 f) { p->bitmap[f / BITS] &= ~(1ULL << (f % BITS)); }

size_t pmm_bitmap_bytes(u64 nframes)
{
    return (size_t)((nframes + BITS - 1) / BITS * sizeof(u64));
}

void pmm_init(struct pmm *p, u64 *bitmap, u64 nframes)
{
    p->bitmap = bitmap;
    p->nframes = nframes;
    p->free = p->total = 0;
    p->hint_low = 1;
    p->hint_high = nframes ? nframes - 1 : 0;
    for (u64 w = 0; w < (nframes + BITS - 1) / BITS; w++)
        bitmap[w] = ~0ULL;
}

void pmm_add_free(struct pmm *p, paddr_t base, u64 len)
{
    u64 first = (base + PAGE_SIZE - 1) >> PAGE_SHIFT;
    u64 end = (base + len) >> PAGE_SHIFT;
    if (first == 0)
        first = 1;   /* frame 0 is the failure value and stays reserved */
    if (end > p->nframes)
        end = p->nframes;
    for (u64 f = first; f < end; f++) {
        if (test(p, f)) {
            clear(p, f);
            p->free++;
            p->total++;
        }
    }
    if (first < end) {
        if (first < p->hint_low)
            p->hint_low = first;
        if (end - 1 > p->hint_high)
            p->hint_high = end - 1;
    }
}

void pmm_reserve(struct pmm *p, paddr_t base, u64 len)
{
    u64 first = base >> PAGE_SHIFT;
    u64 end = (base + len + PAGE_SIZE - 1) >> PAGE_SHIFT;
    if (end > p->nframes)
        end = p->nframes;
    for (u64 f = first; f < end; f++) {
        if (!test(p, f)) {
            set(p, f);
            p->free--;
            p->total--;
        }
    }
}

static u64 frame_limit(const struct pmm *p, paddr_t limit)
{
    u64 n = limit ? limit >> PAGE_SHIFT : p->nframes;
    return n < p->nframes ? n : p->nframes;
}

static u64 find_up(const struct pmm *p, u64 from, u64 end)
{
    for (u64 f = from; f < end;) {
        u64 w = p->bitmap[f / BITS];
        if (w == ~0ULL) {
            f = (f / BITS + 1) * BITS;
            continue;
        }
        if (!(w >> (f % BITS) & 1))
            return f;
        f++;
    }
    return 0;
}

static u64 find_down(const struct pmm *p, u64 from, u64 end)
{
    /* search frames in (0, end) downwards starting at `from` */
    if (from >= end)
        from = end - 1;
    for (u64 f = from; f > 0;) {
        u64 w = p->bitmap[f / BITS];
        if (w == ~0ULL) {
            if (f < BITS)
                break;
            f = (f / BITS) * BITS - 1;
            continue;
        }
        if (!(w >> (f % BITS) & 1))
            return f;
        f--;
    }
    return 0;
}

paddr_t pmm_alloc(struct pmm *p, paddr_t limit, bool top_down)
{
    u64 end = frame_limit(p, limit), f;
    if (p->free == 0 || end < 2)
        return 0;
    if (top_down) {
        f = find_down(p, p->hint_high < end ? p->hint_high : end - 1, end);
        if (!f)
            f = find_down(p, end - 1, end);
    } else {
        f = find_up(p, p->hint_low, end);
        if (!f)
            f = find_up(p, 1, end);
    }
    if (!f)
        return 0;
    set(p, f);
    p->free--;
    /* A search cut short by a limit says nothing about frames above it. */
    if (top_down && p->hint_high < end)
        p->hint_high = f;
    else if (!top_down)
        p->hint_low = f + 1;
    return (paddr_t)f << PAGE_SHIFT;
}

paddr_t pmm_alloc_contig(struct pmm *p, u64 count, paddr_t limit)
{
    u64 end = frame_limit(p, limit), run = 0;
    if (count == 0 || count > p->free)
        return 0;
    for (u64 f = 1; f < end; f++) {
        run = test(p, f) ? 0 : run + 1;
        if (run == count) {
            u64 first = f + 1 - count;
            for (u64 g = first; g <= f; g++)
                set(p, g);
            p->free -= count;
            return (paddr_t)first << PAGE_SHIFT;
        }
    }
    return 0;
}

int pmm_free(struct pmm *p, paddr_t frame)
{
    u64 f = frame >> PAGE_SHIFT;
    if ((frame & (PAGE_SIZE - 1)) || f == 0 || f >= p->nframes || !test(p, f))
        return -EINVAL;
    clear(p, f);
    p->free++;
    if (f < p->hint_low)
        p->hint_low = f;
    if (f > p->hint_high)
        p->hint_high = f;
    return 0;
}

bool pmm_is_free(const struct pmm *p, paddr_t frame)
{
    u64 f = frame >> PAGE_SHIFT;
    return f < p->nframes && !test(p, f);
}
