/*
 * Bitmap page-frame allocator (see include/proteus/pmm.h for the why).
 *
 * The bitmap is kept in chunks of 512 frames (2 MiB, eight words), and a
 * byte per chunk says whether the chunk is wholly in use, wholly free, or
 * mixed; only a mixed chunk's words are meaningful. That makes setting up
 * the allocator cost the number of chunks, not the number of frames: the
 * boot adds 4 GiB of RAM by marking 2048 chunk bytes instead of a million
 * bits (issue 18: nothing in the boot may grow with memory in a way that
 * shows). A chunk becomes mixed the first time one frame in it changes on
 * its own, and its words are written then.
 *
 * Searches skip whole chunks that are in use and whole 64-frame words that
 * are full, so even a 5 GiB map is scanned quickly; the hints remember
 * where the last search ended.
 */
#include <proteus/pmm.h>
#include <proteus/errno.h>
#include <proteus/string.h>

#define BITS 64
#define CHUNK_WORDS 8
#define CHUNK_FRAMES (CHUNK_WORDS * BITS)

enum chunk_state { CHUNK_USED, CHUNK_FREE, CHUNK_MIXED };

static u64 nchunks(u64 nframes)
{
    return (nframes + CHUNK_FRAMES - 1) / CHUNK_FRAMES;
}

/* Set bits in a word: no POPCNT instruction is assumed, and the kernel has
 * no libgcc to call for one on x86_64. */
static unsigned ones(u64 w)
{
    w = w - ((w >> 1) & 0x5555555555555555ULL);
    w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
    w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((w * 0x0101010101010101ULL) >> 56);
}

/* Give chunk c words of its own, filled as its state says. */
static void materialize(struct pmm *p, u64 c)
{
    if (p->chunk[c] == CHUNK_MIXED)
        return;
    u64 fill = p->chunk[c] == CHUNK_USED ? ~0ULL : 0;
    for (unsigned i = 0; i < CHUNK_WORDS; i++)
        p->bitmap[c * CHUNK_WORDS + i] = fill;
    p->chunk[c] = CHUNK_MIXED;
}

static bool test(const struct pmm *p, u64 f)
{
    u8 s = p->chunk[f / CHUNK_FRAMES];
    if (s != CHUNK_MIXED)
        return s == CHUNK_USED;
    return p->bitmap[f / BITS] >> (f % BITS) & 1;
}

static void set(struct pmm *p, u64 f)
{
    materialize(p, f / CHUNK_FRAMES);
    p->bitmap[f / BITS] |= 1ULL << (f % BITS);
}

static void clear(struct pmm *p, u64 f)
{
    materialize(p, f / CHUNK_FRAMES);
    p->bitmap[f / BITS] &= ~(1ULL << (f % BITS));
}

/* Frames in use in chunk c. */
static u64 chunk_used(const struct pmm *p, u64 c)
{
    if (p->chunk[c] != CHUNK_MIXED)
        return p->chunk[c] == CHUNK_USED ? CHUNK_FRAMES : 0;
    u64 n = 0;
    for (unsigned i = 0; i < CHUNK_WORDS; i++)
        n += ones(p->bitmap[c * CHUNK_WORDS + i]);
    return n;
}

/* The first chunk from c on (below last) whose state is not s: eight
 * state bytes to a compare where they line up. */
static u64 run_end(const u8 *chunk, u64 c, u64 last, u8 s)
{
    const u64 pattern = 0x0101010101010101ULL * s;
    while (c < last && c % 8)
        if (chunk[c] == s)
            c++;
        else
            return c;
    for (u64 w; c + 8 <= last; c += 8) {
        __builtin_memcpy(&w, chunk + c, 8);
        if (w != pattern)
            break;
    }
    while (c < last && chunk[c] == s)
        c++;
    return c;
}

/* Mark frames [first, end) in use (`use`) or free; returns how many
 * changed. Whole chunks change state only; the edges change bits. */
static u64 change_range(struct pmm *p, u64 first, u64 end, bool use)
{
    u64 changed = 0;
    while (first < end) {
        u64 c = first / CHUNK_FRAMES, chunk_end = (c + 1) * CHUNK_FRAMES;
        if (first % CHUNK_FRAMES == 0 && end >= chunk_end) {
            /* By runs: at boot every chunk of RAM goes from used to
             * free here (2048 of them for 4 GiB), and a run costs a
             * compare per eight chunks and a memset. */
            u8 state = use ? CHUNK_USED : CHUNK_FREE, other = use ? CHUNK_FREE : CHUNK_USED;
            for (u64 last = end / CHUNK_FRAMES, r; c < last;) {
                if ((r = run_end(p->chunk, c, last, other)) > c) {
                    memset(p->chunk + c, state, (size_t)(r - c));
                    changed += (r - c) * CHUNK_FRAMES;
                    c = r;
                } else if ((r = run_end(p->chunk, c, last, state)) > c) {
                    c = r;   /* so already */
                } else {
                    u64 used = chunk_used(p, c);
                    changed += use ? CHUNK_FRAMES - used : used;
                    p->chunk[c++] = state;
                }
            }
            first = c * CHUNK_FRAMES;
            continue;
        }
        materialize(p, c);
        u64 stop = end < chunk_end ? end : chunk_end;
        while (first < stop) {
            unsigned lo = first % BITS;
            u64 n = stop - first < (u64)(BITS - lo) ? stop - first : (u64)(BITS - lo);
            u64 mask = n == BITS ? ~0ULL : ((1ULL << n) - 1) << lo;
            u64 *w = &p->bitmap[first / BITS];
            u64 flip = use ? mask & ~*w : mask & *w;   /* the bits that change */
            /* all of them, the usual case, counted without the popcount
             * (about 40 instructions a word on i386) */
            changed += flip == mask ? n : ones(flip);
            *w ^= flip;
            first += n;
        }
    }
    return changed;
}

size_t pmm_bitmap_bytes(u64 nframes)
{
    u64 n = nchunks(nframes);
    return (size_t)(n * CHUNK_WORDS * sizeof(u64) + n);
}

void pmm_init(struct pmm *p, u64 *bitmap, u64 nframes)
{
    u64 n = nchunks(nframes);
    p->bitmap = bitmap;
    p->chunk = (u8 *)(bitmap + n * CHUNK_WORDS);
    p->nframes = nframes;
    p->free = p->total = 0;
    p->hint_low = 1;
    p->hint_high = nframes ? nframes - 1 : 0;
    memset(p->chunk, CHUNK_USED, (size_t)n);
}

void pmm_add_free(struct pmm *p, paddr_t base, u64 len)
{
    u64 first = (base + PAGE_SIZE - 1) >> PAGE_SHIFT;
    u64 end = (base + len) >> PAGE_SHIFT;
    if (first == 0)
        first = 1;   /* frame 0 is the failure value and stays reserved */
    if (end > p->nframes)
        end = p->nframes;
    if (first >= end)
        return;
    u64 n = change_range(p, first, end, false);
    p->free += n;
    p->total += n;
    if (first < p->hint_low)
        p->hint_low = first;
    if (end - 1 > p->hint_high)
        p->hint_high = end - 1;
}

void pmm_reserve(struct pmm *p, paddr_t base, u64 len)
{
    u64 first = base >> PAGE_SHIFT;
    u64 end = (base + len + PAGE_SIZE - 1) >> PAGE_SHIFT;
    if (end > p->nframes)
        end = p->nframes;
    if (first >= end)
        return;
    u64 n = change_range(p, first, end, true);
    p->free -= n;
    p->total -= n;
}

static u64 frame_limit(const struct pmm *p, paddr_t limit)
{
    u64 n = limit ? limit >> PAGE_SHIFT : p->nframes;
    return n < p->nframes ? n : p->nframes;
}

static u64 find_up(const struct pmm *p, u64 from, u64 end)
{
    for (u64 f = from; f < end;) {
        u8 s = p->chunk[f / CHUNK_FRAMES];
        if (s == CHUNK_USED) {
            f = (f / CHUNK_FRAMES + 1) * CHUNK_FRAMES;
            continue;
        }
        if (s == CHUNK_FREE)
            return f;
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
        u8 s = p->chunk[f / CHUNK_FRAMES];
        if (s == CHUNK_FREE)
            return f;
        u64 w = s == CHUNK_USED ? ~0ULL : p->bitmap[f / BITS];
        u64 span = s == CHUNK_USED ? CHUNK_FRAMES : BITS;
        if (w == ~0ULL) {
            if (f < span)
                break;
            f = (f / span) * span - 1;
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
        if (p->chunk[f / CHUNK_FRAMES] == CHUNK_USED) {
            run = 0;
            f = (f / CHUNK_FRAMES + 1) * CHUNK_FRAMES - 1;
            continue;
        }
        run = test(p, f) ? 0 : run + 1;
        if (run == count) {
            u64 first = f + 1 - count;
            change_range(p, first, f + 1, true);
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
