/*
 * kernel/pmm.c: the bitmap page-frame allocator. Accounting, the frame-0
 * rule, allocation order and limits, error returns, contiguous runs, a 5 GiB
 * machine fed from a real memory map, and long random sequences checked
 * against a one-bool-per-frame reference model.
 */
/* unit-sources: kernel/pmm.c kernel/memmap.c */
#include "unit.h"

#include <proteus/errno.h>
#include <proteus/memmap.h>
#include <proteus/pmm.h>

#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)
#define FRAME(f) ((paddr_t)(f) << PAGE_SHIFT)

static struct pmm p;
static u64 small_bitmap[66];   /* up to 4096 frames (16 MiB): 64 words, 8 chunk bytes */

/* A fresh allocator over `nframes` frames with [0, nframes) all usable. */
static void setup_all_free(u64 nframes)
{
    memset(small_bitmap, 0xa5, sizeof(small_bitmap));
    pmm_init(&p, small_bitmap, nframes);
    pmm_add_free(&p, 0, FRAME(nframes));
}

TEST(pmm_bitmap_bytes)
{
    /* whole chunks of 512 frames: 64 bytes of bitmap and one state byte */
    CHECK_EQ(pmm_bitmap_bytes(0), 0);
    CHECK_EQ(pmm_bitmap_bytes(1), 65);
    CHECK_EQ(pmm_bitmap_bytes(512), 65);
    CHECK_EQ(pmm_bitmap_bytes(513), 130);
    CHECK_EQ(pmm_bitmap_bytes(GiB(1) / PAGE_SIZE), KiB(32) + 512);   /* "32 KiB per GiB" */
    CHECK_EQ(pmm_bitmap_bytes(GiB(5) / PAGE_SIZE), KiB(160) + 2560);
}

TEST(pmm_init_everything_in_use)
{
    memset(small_bitmap, 0, sizeof(small_bitmap));
    pmm_init(&p, small_bitmap, 200);
    CHECK_EQ(p.nframes, 200);
    CHECK_EQ(p.free, 0);
    CHECK_EQ(p.total, 0);
    for (u64 f = 0; f < 200; f++)
        if (!CHECK(!pmm_is_free(&p, FRAME(f))))
            break;
    CHECK_EQ(pmm_alloc(&p, 0, false), 0);
    CHECK_EQ(pmm_alloc(&p, 0, true), 0);
    CHECK_EQ(pmm_alloc_contig(&p, 1, 0), 0);
    /* the storage is the caller's: nothing past pmm_bitmap_bytes is touched */
    CHECK_EQ(small_bitmap[(pmm_bitmap_bytes(200) + 7) / 8], 0);
}

TEST(pmm_add_free_and_reserve_accounting)
{
    setup_all_free(256);                        /* 1 MiB */
    CHECK_EQ(p.free, 255);                      /* everything but frame 0 */
    CHECK_EQ(p.total, 255);
    CHECK(!pmm_is_free(&p, 0));
    CHECK(pmm_is_free(&p, FRAME(1)));
    CHECK(pmm_is_free(&p, FRAME(255)));
    CHECK(!pmm_is_free(&p, FRAME(256)));        /* outside the map */

    pmm_add_free(&p, 0, MiB(1));                /* freeing free frames: no change */
    CHECK_EQ(p.free, 255);
    CHECK_EQ(p.total, 255);

    pmm_reserve(&p, 0x10000, 0x1000);
    CHECK_EQ(p.free, 254);
    CHECK_EQ(p.total, 254);
    CHECK(!pmm_is_free(&p, 0x10000));
    pmm_reserve(&p, 0x10000, 0x1000);           /* reserving twice: no change */
    CHECK_EQ(p.free, 254);

    /* reserve rounds outwards: [0x20800, 0x21800) touches frames 0x20, 0x21 */
    pmm_reserve(&p, 0x20800, 0x1000);
    CHECK_EQ(p.free, 252);
    CHECK(!pmm_is_free(&p, 0x20000));
    CHECK(!pmm_is_free(&p, 0x21000));
    CHECK(pmm_is_free(&p, 0x22000));
    CHECK(pmm_is_free(&p, 0x1f000));

    /* a reservation reaching past the map is clipped */
    pmm_reserve(&p, 0xff000, MiB(16));
    CHECK_EQ(p.free, 251);
    CHECK_EQ(p.total, 251);

    /* an allocation is not a reservation: free and total part ways */
    paddr_t a = pmm_alloc(&p, 0, false);
    CHECK_NE(a, 0);
    CHECK_EQ(p.free, 250);
    CHECK_EQ(p.total, 251);
    CHECK_EQ(pmm_free(&p, a), 0);
    CHECK_EQ(p.free, 251);
    CHECK_EQ(p.total, 251);
}

TEST(pmm_add_free_whole_pages_only)
{
    memset(small_bitmap, 0, sizeof(small_bitmap));
    pmm_init(&p, small_bitmap, 256);

    /* [0x1800, 0x3800) holds one whole page: 0x2000 */
    pmm_add_free(&p, 0x1800, 0x2000);
    CHECK_EQ(p.free, 1);
    CHECK(!pmm_is_free(&p, 0x1000));
    CHECK(pmm_is_free(&p, 0x2000));
    CHECK(!pmm_is_free(&p, 0x3000));

    pmm_add_free(&p, 0x5000, 0xfff);            /* less than a page */
    pmm_add_free(&p, 0x6001, 0x1000);           /* a page's worth, no whole page */
    pmm_add_free(&p, 0x7000, 0);
    CHECK_EQ(p.free, 1);

    /* frame 0 stays in use even when RAM starts at 0 (the BIOS IVT) */
    pmm_add_free(&p, 0, 0x2000);
    CHECK_EQ(p.free, 2);
    CHECK(!pmm_is_free(&p, 0));
    CHECK(pmm_is_free(&p, 0x1000));

    /* RAM beyond the bitmap is ignored */
    pmm_add_free(&p, 0xf0000, MiB(1));
    CHECK_EQ(p.free, 2 + 16);
    CHECK_EQ(p.total, 2 + 16);
}

/* Whole 512-frame chunks change by their state byte alone: adding or
 * reserving them writes no bitmap word (that is what keeps the boot's cost
 * flat in the size of memory), and the counts stay exact when a chunk that
 * was partly in use is taken whole. */
TEST(pmm_whole_chunks_change_state_only)
{
    static u64 words[4 * 8 + 1];
    memset(words, 0x77, sizeof(words));
    pmm_init(&p, words, 4 * 512);
    pmm_add_free(&p, FRAME(512), FRAME(2 * 512));       /* chunks 1 and 2 */
    CHECK_EQ(p.free, 1024);
    for (unsigned w = 0; w < 4 * 8; w++)
        if (!CHECK_EQ(words[w], 0x7777777777777777ULL))
            break;
    CHECK(pmm_is_free(&p, FRAME(512)));
    CHECK(pmm_is_free(&p, FRAME(1535)));
    CHECK(!pmm_is_free(&p, FRAME(511)));
    CHECK(!pmm_is_free(&p, FRAME(1536)));

    /* one frame taken: its chunk gets words of its own, the rest still free */
    CHECK_EQ(pmm_alloc(&p, 0, false), FRAME(512));
    CHECK_EQ(words[8], 1);
    CHECK(pmm_is_free(&p, FRAME(513)));
    CHECK_EQ(p.free, 1023);

    /* chunk 1 reserved whole: 511 frames change, not 512 (the one
     * allocated stays counted in the total, as a reservation of it would) */
    pmm_reserve(&p, FRAME(512), FRAME(512));
    CHECK_EQ(p.free, 512);
    CHECK_EQ(p.total, 513);
    CHECK(!pmm_is_free(&p, FRAME(600)));
    CHECK_EQ(pmm_alloc(&p, 0, false), FRAME(1024));
    CHECK_EQ(pmm_free(&p, FRAME(1024)), 0);

    /* a run across a chunk edge; freeing a frame of a chunk in use */
    pmm_add_free(&p, FRAME(1000), FRAME(24));
    CHECK_EQ(pmm_alloc_contig(&p, 30, 0), FRAME(1000));
    CHECK(!pmm_is_free(&p, FRAME(1029)));
    CHECK(pmm_is_free(&p, FRAME(1030)));
    CHECK_EQ(pmm_free(&p, FRAME(1010)), 0);
    CHECK(pmm_is_free(&p, FRAME(1010)));
    CHECK(!pmm_is_free(&p, FRAME(1009)));
    CHECK_EQ(pmm_alloc(&p, 0, true), FRAME(1535));
    CHECK_EQ(pmm_alloc(&p, FRAME(1011), true), FRAME(1010));
    /* the storage ends where pmm_bitmap_bytes says */
    CHECK_EQ(pmm_bitmap_bytes(4 * 512), 4 * 64 + 4);
    CHECK_EQ(words[4 * 8] >> 32, 0x77777777ULL);
}

TEST(pmm_frame0_never_handed_out)
{
    for (int dir = 0; dir < 2; dir++) {
        setup_all_free(64);
        unsigned n = 0;
        paddr_t a;
        while ((a = pmm_alloc(&p, 0, dir)) != 0) {
            n++;
            if (!CHECK(n <= 63))
                break;
        }
        CHECK_EQ(n, 63);
        CHECK_EQ(p.free, 0);
        CHECK(!pmm_is_free(&p, 0));
    }

    setup_all_free(64);
    CHECK_EQ(pmm_alloc_contig(&p, 63, 0), 0x1000);
    CHECK_EQ(pmm_alloc_contig(&p, 1, 0), 0);

    setup_all_free(64);
    CHECK_EQ(pmm_alloc_contig(&p, 64, 0), 0);   /* would need frame 0 */
    CHECK_EQ(pmm_free(&p, 0), -EINVAL);
}

TEST(pmm_alloc_bottom_up_order)
{
    setup_all_free(300);
    for (u64 f = 1; f <= 100; f++)
        if (!CHECK_EQ(pmm_alloc(&p, 0, false), FRAME(f)))
            break;
    CHECK_EQ(p.free, 199);

    /* a freed frame is the next one handed out bottom-up */
    CHECK_EQ(pmm_free(&p, FRAME(5)), 0);
    CHECK_EQ(pmm_free(&p, FRAME(70)), 0);
    CHECK_EQ(pmm_alloc(&p, 0, false), FRAME(5));
    CHECK_EQ(pmm_alloc(&p, 0, false), FRAME(70));
    CHECK_EQ(pmm_alloc(&p, 0, false), FRAME(101));
}

TEST(pmm_alloc_top_down_order)
{
    setup_all_free(300);
    for (u64 f = 299; f >= 200; f--)
        if (!CHECK_EQ(pmm_alloc(&p, 0, true), FRAME(f)))
            break;

    CHECK_EQ(pmm_free(&p, FRAME(250)), 0);
    CHECK_EQ(pmm_free(&p, FRAME(299)), 0);
    CHECK_EQ(pmm_alloc(&p, 0, true), FRAME(299));
    CHECK_EQ(pmm_alloc(&p, 0, true), FRAME(250));
    CHECK_EQ(pmm_alloc(&p, 0, true), FRAME(199));

    /* the two directions meet in the middle without handing a frame out twice */
    setup_all_free(130);
    for (int i = 0; i < 129; i++) {
        paddr_t a = pmm_alloc(&p, 0, i % 2);
        if (!CHECK_NE(a, 0) || !CHECK(!pmm_is_free(&p, a)))
            break;
    }
    CHECK_EQ(p.free, 0);
    CHECK_EQ(pmm_alloc(&p, 0, false), 0);
    CHECK_EQ(pmm_alloc(&p, 0, true), 0);
}

TEST(pmm_alloc_with_limit)
{
    setup_all_free(1024);                       /* 4 MiB */
    CHECK_EQ(pmm_alloc(&p, MiB(1), true), MiB(1) - PAGE_SIZE);
    setup_all_free(1024);
    CHECK_EQ(pmm_alloc(&p, MiB(1), false), 0x1000);

    /* "strictly below": a frame straddling an unaligned limit is out */
    setup_all_free(1024);
    CHECK_EQ(pmm_alloc(&p, MiB(2) + 0x800, true), MiB(2) - PAGE_SIZE);
    setup_all_free(1024);
    CHECK_EQ(pmm_alloc(&p, 0x1fff, true), 0);

    /* a limit beyond the map is no limit */
    setup_all_free(1024);
    CHECK_EQ(pmm_alloc(&p, GiB(64), true), MiB(4) - PAGE_SIZE);

    /* only frame 1 is below 0x2000; nothing is below 0x1000 */
    setup_all_free(1024);
    CHECK_EQ(pmm_alloc(&p, 0x1000, true), 0);
    CHECK_EQ(pmm_alloc(&p, 0x1000, false), 0);
    CHECK_EQ(pmm_alloc(&p, 0x2000, true), 0x1000);
    CHECK_EQ(pmm_alloc(&p, 0x2000, false), 0);
    CHECK_EQ(pmm_alloc(&p, 0x2000, true), 0);
    CHECK_EQ(p.free, 1022);

    /* low memory exhausted: a limited request fails, an unlimited one not */
    setup_all_free(1024);
    unsigned n = 0;
    while (pmm_alloc(&p, 0x40000, false))
        n++;
    CHECK_EQ(n, 0x3f);
    CHECK_EQ(pmm_alloc(&p, 0x40000, true), 0);
    CHECK_EQ(pmm_alloc(&p, 0, false), 0x40000);
    CHECK_EQ(p.free, 1023 - 0x3f - 1);
}

/* "With top_down the highest such frame is taken, which keeps low memory for
 * callers that need it": after a top-down allocation under a low limit (a
 * DMA buffer below 1 MiB, say), an unlimited top-down allocation must still
 * come from the top of RAM, not from just below the earlier limit. */
TEST(pmm_top_down_highest_after_limited_alloc)
{
    setup_all_free(1024);
    CHECK_EQ(pmm_alloc(&p, MiB(1), true), MiB(1) - PAGE_SIZE);
    CHECK_EQ(pmm_alloc(&p, 0, true), MiB(4) - PAGE_SIZE);
    CHECK_EQ(pmm_alloc(&p, 0, true), MiB(4) - 2 * PAGE_SIZE);
}

/* The same promise when RAM is handed to the allocator after it has been
 * used (boot code freeing memory it has finished with). */
TEST(pmm_top_down_highest_after_add_free)
{
    memset(small_bitmap, 0, sizeof(small_bitmap));
    pmm_init(&p, small_bitmap, 1024);
    pmm_add_free(&p, 0, MiB(1));
    CHECK_EQ(pmm_alloc(&p, 0, true), MiB(1) - PAGE_SIZE);
    pmm_add_free(&p, MiB(1), MiB(3));
    CHECK_EQ(pmm_alloc(&p, 0, true), MiB(4) - PAGE_SIZE);
}

TEST(pmm_exhaustion)
{
    memset(small_bitmap, 0, sizeof(small_bitmap));
    pmm_init(&p, small_bitmap, 1000);
    pmm_add_free(&p, 0x10000, 0x20000);
    pmm_add_free(&p, 0x100000, 0x80000);
    u64 avail = p.free;
    CHECK_EQ(avail, 0x20 + 0x80);

    u64 n = 0;
    paddr_t a, last = 0;
    while ((a = pmm_alloc(&p, 0, n % 3 == 0)) != 0) {
        n++;
        last = a;
        if (!CHECK(n <= avail))
            break;
    }
    CHECK_EQ(n, avail);
    CHECK_EQ(p.free, 0);
    CHECK_EQ(pmm_alloc(&p, 0, true), 0);
    CHECK_EQ(pmm_alloc(&p, 0, false), 0);
    CHECK_EQ(pmm_alloc_contig(&p, 1, 0), 0);

    /* one frame back: exactly that one comes out again, either way */
    CHECK_EQ(pmm_free(&p, last), 0);
    CHECK_EQ(pmm_alloc(&p, 0, true), last);
    CHECK_EQ(pmm_free(&p, last), 0);
    CHECK_EQ(pmm_alloc(&p, 0, false), last);
    CHECK_EQ(pmm_alloc(&p, 0, false), 0);
}

TEST(pmm_free_rejects_bad_frames)
{
    setup_all_free(256);
    paddr_t a = pmm_alloc(&p, 0, false);
    paddr_t b = pmm_alloc(&p, 0, false);
    u64 free = p.free;

    CHECK_EQ(pmm_free(&p, a + 1), -EINVAL);             /* unaligned */
    CHECK_EQ(pmm_free(&p, a + 0x800), -EINVAL);
    CHECK_EQ(pmm_free(&p, a + 0xfff), -EINVAL);
    CHECK(!pmm_is_free(&p, a));                         /* and still allocated */
    CHECK_EQ(pmm_free(&p, 0), -EINVAL);                 /* frame 0 */
    CHECK_EQ(pmm_free(&p, FRAME(256)), -EINVAL);        /* just past the map */
    CHECK_EQ(pmm_free(&p, GiB(4)), -EINVAL);
    CHECK_EQ(pmm_free(&p, ~(paddr_t)0 & ~(paddr_t)0xfff), -EINVAL);
    CHECK_EQ(pmm_free(&p, FRAME(200)), -EINVAL);        /* never allocated */
    CHECK_EQ(p.free, free);

    CHECK_EQ(pmm_free(&p, a), 0);
    CHECK_EQ(pmm_free(&p, a), -EINVAL);                 /* double free */
    CHECK_EQ(p.free, free + 1);
    CHECK_EQ(pmm_free(&p, b), 0);
    CHECK_EQ(pmm_free(&p, b), -EINVAL);
    CHECK_EQ(p.free, free + 2);
    CHECK_EQ(p.free, p.total);
}

TEST(pmm_alloc_contig)
{
    setup_all_free(256);
    /* free runs: 1-9 (9), 11-30 (20), 32-255 (224) */
    pmm_reserve(&p, FRAME(10), PAGE_SIZE);
    pmm_reserve(&p, FRAME(31), PAGE_SIZE);
    u64 free = p.free;
    CHECK_EQ(free, 253);

    CHECK_EQ(pmm_alloc_contig(&p, 0, 0), 0);
    CHECK_EQ(pmm_alloc_contig(&p, free + 1, 0), 0);
    CHECK_EQ(pmm_alloc_contig(&p, 225, 0), 0);          /* no run that long */
    CHECK_EQ(p.free, free);

    CHECK_EQ(pmm_alloc_contig(&p, 9, 0), FRAME(1));     /* exact fit, lowest */
    CHECK_EQ(pmm_alloc_contig(&p, 5, 0), FRAME(11));
    CHECK_EQ(pmm_alloc_contig(&p, 16, 0), FRAME(32));   /* 16-30 is only 15 */
    CHECK_EQ(pmm_alloc_contig(&p, 15, 0), FRAME(16));
    CHECK_EQ(p.free, free - 9 - 5 - 16 - 15);
    for (u64 f = 1; f < 48; f++)
        if (!CHECK(!pmm_is_free(&p, FRAME(f))))
            break;
    CHECK(pmm_is_free(&p, FRAME(48)));

    /* the run must end below the limit */
    CHECK_EQ(pmm_alloc_contig(&p, 8, FRAME(55)), 0);
    CHECK_EQ(pmm_alloc_contig(&p, 8, FRAME(56)), FRAME(48));
    CHECK_EQ(pmm_alloc_contig(&p, 1, FRAME(56)), 0);
    CHECK_EQ(pmm_alloc_contig(&p, 200, 0), FRAME(56));
    CHECK_EQ(pmm_alloc_contig(&p, 1, 0), 0);
    CHECK_EQ(p.free, 0);

    /* every frame of a run can be freed on its own */
    for (u64 f = 56; f < 256; f++)
        if (!CHECK_EQ(pmm_free(&p, FRAME(f)), 0))
            break;
    CHECK_EQ(p.free, 200);
    CHECK_EQ(pmm_alloc_contig(&p, 200, 0), FRAME(56));
}

/* A 5 GiB machine from QEMU's e820 via memmap_normalize(): the bitmap spans
 * 1.3 million frames. Allocate everything top-down then free it, then the
 * same bottom-up, and come back to the same counts. No allocated frame may
 * lie outside usable RAM. */
TEST(pmm_5gib_alloc_all_free_all)
{
    static struct memmap mm;
    memmap_init(&mm);
    memmap_add(&mm, 0x0, 0x9fc00, MEM_USABLE);
    memmap_add(&mm, 0x9fc00, 0x400, MEM_RESERVED);
    memmap_add(&mm, 0xf0000, 0x10000, MEM_RESERVED);
    memmap_add(&mm, 0x100000, 0xbfee0000, MEM_USABLE);
    memmap_add(&mm, 0xbffe0000, 0x20000, MEM_RESERVED);
    memmap_add(&mm, 0xfffc0000, 0x40000, MEM_RESERVED);
    memmap_add(&mm, GiB(4), GiB(1), MEM_USABLE);
    memmap_normalize(&mm);

    u64 top = 0;
    for (unsigned i = 0; i < mm.n; i++)
        if (mm.r[i].type == MEM_USABLE)
            top = MAX(top, mm.r[i].base + mm.r[i].len);
    u64 nframes = top >> PAGE_SHIFT;
    CHECK_EQ(nframes, GiB(5) / PAGE_SIZE);

    u64 *bitmap = malloc(pmm_bitmap_bytes(nframes));
    u8 *usable = calloc(nframes, 1);
    paddr_t *got = malloc(nframes * sizeof(*got));
    pmm_init(&p, bitmap, nframes);
    for (unsigned i = 0; i < mm.n; i++) {
        if (mm.r[i].type != MEM_USABLE)
            continue;
        pmm_add_free(&p, mm.r[i].base, mm.r[i].len);
        for (u64 f = mm.r[i].base >> PAGE_SHIFT; f < (mm.r[i].base + mm.r[i].len) >> PAGE_SHIFT; f++)
            usable[f] = 1;
    }
    const u64 want = memmap_usable_bytes(&mm, 0) / PAGE_SIZE - 1;   /* minus frame 0 */
    CHECK_EQ(p.free, want);
    CHECK_EQ(p.total, want);

    for (int dir = 1; dir >= 0; dir--) {
        u64 n = 0;
        paddr_t a;
        bool order_ok = true, place_ok = true;
        while ((a = pmm_alloc(&p, 0, dir)) != 0 && n < nframes) {
            if (n && (dir ? a >= got[n - 1] : a <= got[n - 1]))
                order_ok = false;
            if ((a & (PAGE_SIZE - 1)) || !usable[a >> PAGE_SHIFT] || a == 0)
                place_ok = false;
            got[n++] = a;
        }
        CHECK_EQ(n, want);
        CHECK(order_ok);    /* strictly monotonic, so no frame twice */
        CHECK(place_ok);
        CHECK_EQ(p.free, 0);
        CHECK_EQ(pmm_alloc(&p, 0, !dir), 0);

        u64 errors = 0;
        for (u64 i = 0; i < n; i++)
            errors += pmm_free(&p, got[(i * 7919) % n]) != 0;   /* a scrambled order */
        CHECK_EQ(errors, 0);
        CHECK_EQ(p.free, want);
        CHECK_EQ(p.total, want);
        CHECK_EQ(pmm_free(&p, got[0]), -EINVAL);
    }

    /* long runs, lowest first and below the limit */
    const u64 g1 = GiB(1) / PAGE_SIZE;
    CHECK_EQ(pmm_alloc_contig(&p, 3 * g1, 0), 0);           /* no 3 GiB run */
    CHECK_EQ(pmm_alloc_contig(&p, g1, 0), MiB(1));
    CHECK_EQ(pmm_alloc_contig(&p, g1, GiB(4)), GiB(1) + MiB(1));
    CHECK_EQ(pmm_alloc_contig(&p, g1, GiB(4)), 0);          /* 1 GiB - 1.1 MiB left */
    CHECK_EQ(pmm_alloc_contig(&p, g1, 0), GiB(4));
    CHECK_EQ(pmm_alloc(&p, 0, true), 0xbffdf000);
    CHECK_EQ(p.free, want - 3 * g1 - 1);

    free(got);
    free(usable);
    free(bitmap);
}

/* The reference model: one bool per frame. */
#define MODEL_FRAMES 1000   /* not a multiple of 64 on purpose */
static bool model[MODEL_FRAMES];

static u64 model_free_count(void)
{
    u64 n = 0;
    for (u64 f = 0; f < MODEL_FRAMES; f++)
        n += model[f];
    return n;
}

static u64 model_end(paddr_t limit)
{
    u64 end = limit ? limit >> PAGE_SHIFT : MODEL_FRAMES;
    return MIN(end, (u64)MODEL_FRAMES);
}

static u64 model_lowest(paddr_t limit)
{
    for (u64 f = 1; f < model_end(limit); f++)
        if (model[f])
            return f;
    return 0;
}

static u64 model_highest(paddr_t limit)
{
    for (u64 f = model_end(limit); f-- > 1;)
        if (model[f])
            return f;
    return 0;
}

static u64 model_run(u64 count, paddr_t limit)
{
    u64 run = 0;
    for (u64 f = 1; f < model_end(limit); f++) {
        run = model[f] ? run + 1 : 0;
        if (run == count)
            return f + 1 - count;
    }
    return 0;
}

static void model_setup(uint64_t *seed)
{
    memset(small_bitmap, 0x5a, sizeof(small_bitmap));
    memset(model, 0, sizeof(model));
    pmm_init(&p, small_bitmap, MODEL_FRAMES);
    /* a few usable ranges with unaligned ends, then some reservations */
    for (int i = 0; i < 6; i++) {
        u64 base = unit_rand_below(seed, FRAME(MODEL_FRAMES + 50));
        /* the first two may cover the whole chunk [512, 1024) */
        u64 len = unit_rand_below(seed, FRAME(i < 2 ? 800 : 300));
        pmm_add_free(&p, base, len);
        for (u64 f = MAX((base + PAGE_SIZE - 1) >> PAGE_SHIFT, 1);
             f < MIN((base + len) >> PAGE_SHIFT, (u64)MODEL_FRAMES); f++)
            model[f] = true;
    }
    for (int i = 0; i < 4; i++) {
        u64 base = unit_rand_below(seed, FRAME(MODEL_FRAMES));
        u64 len = unit_rand_below(seed, FRAME(20));
        pmm_reserve(&p, base, len);
        for (u64 f = base >> PAGE_SHIFT;
             f < MIN((base + len + PAGE_SIZE - 1) >> PAGE_SHIFT, (u64)MODEL_FRAMES); f++)
            model[f] = false;
    }
}

static paddr_t random_limit(uint64_t *seed)
{
    switch (unit_rand_below(seed, 4)) {
    case 0:
        return 0;
    case 1:
        return FRAME(unit_rand_below(seed, MODEL_FRAMES + 100));
    case 2:
        return unit_rand_below(seed, FRAME(MODEL_FRAMES));     /* unaligned */
    default:
        return FRAME(MODEL_FRAMES) * 2;
    }
}

/* Random allocations and frees, every result predicted exactly: bottom-up
 * gives the lowest free frame below the limit, top-down (unlimited) the
 * highest, contig the lowest run; frees of frames not in use fail. */
static void random_exact(uint64_t seed0, bool top_down_limits)
{
    uint64_t seed = seed0;
    static paddr_t held[MODEL_FRAMES];
    unsigned nheld = 0;
    unsigned long ops = 0;

    for (int round = 0; round < 20; round++) {
        model_setup(&seed);
        nheld = 0;
        const u64 total = p.total;
        if (!CHECK_EQ(p.free, model_free_count()))
            return;
        for (int step = 0; step < 5000; step++, ops++) {
            unsigned op = (unsigned)unit_rand_below(&seed, 10);
            paddr_t limit = random_limit(&seed), got, want;
            const char *what;

            if (op < 3) {
                what = "bottom-up alloc";
                got = pmm_alloc(&p, limit, false);
                want = FRAME(model_lowest(limit));
            } else if (op < 5) {
                if (!top_down_limits)
                    limit = 0;
                what = "top-down alloc";
                got = pmm_alloc(&p, limit, true);
                want = FRAME(model_highest(limit));
                if (top_down_limits && got && model_highest(limit)) {
                    /* only promise checked here: a free frame below the limit */
                    u64 f = got >> PAGE_SHIFT;
                    if (f < model_end(limit) && model[f] && !(got & (PAGE_SIZE - 1)))
                        want = got;
                }
            } else if (op < 6) {
                u64 count = 1 + unit_rand_below(&seed, 12);
                what = "contig alloc";
                want = FRAME(model_run(count, limit));
                got = pmm_alloc_contig(&p, count, limit);
                if (got == want && got) {
                    for (u64 i = 1; i < count && nheld < MODEL_FRAMES; i++) {
                        model[(got >> PAGE_SHIFT) + i] = false;
                        held[nheld++] = got + FRAME(i);
                    }
                }
            } else if (op < 9) {
                what = "free";
                if (!nheld)
                    continue;
                unsigned i = (unsigned)unit_rand_below(&seed, nheld);
                paddr_t a = held[i];
                held[i] = held[--nheld];
                int rc = pmm_free(&p, a);
                if (!CHECK_EQ(rc, 0)) {
                    printf("    seed %#llx op %lu: free(%#llx)\n", (unsigned long long)seed0,
                           ops, (unsigned long long)a);
                    return;
                }
                model[a >> PAGE_SHIFT] = true;
                goto check_counts;
            } else {
                /* a bad free: of a free frame, frame 0, unaligned, or past the end */
                paddr_t a;
                switch (unit_rand_below(&seed, 4)) {
                case 0: {
                    u64 f = model_lowest(0);
                    if (!f)
                        continue;
                    a = FRAME(f);
                    break;
                }
                case 1: a = 0; break;
                case 2: a = nheld ? held[0] + 1 + unit_rand_below(&seed, 0xfff) : 0x800; break;
                default: a = FRAME(MODEL_FRAMES + unit_rand_below(&seed, 1000)); break;
                }
                int rc = pmm_free(&p, a);
                if (!CHECK_EQ(rc, -EINVAL)) {
                    printf("    seed %#llx op %lu: free(%#llx)\n", (unsigned long long)seed0,
                           ops, (unsigned long long)a);
                    return;
                }
                goto check_counts;
            }

            if (!CHECK_EQ(got, want)) {
                printf("    seed %#llx op %lu: %s, limit %#llx\n", (unsigned long long)seed0,
                       ops, what, (unsigned long long)limit);
                return;
            }
            if (got) {
                model[got >> PAGE_SHIFT] = false;
                held[nheld++] = got;
            }
        check_counts:
            if (!CHECK_EQ(p.free, model_free_count()) || !CHECK_EQ(p.total, total)) {
                printf("    seed %#llx op %lu\n", (unsigned long long)seed0, ops);
                return;
            }
            if (step % 500 == 0) {
                for (u64 f = 0; f < MODEL_FRAMES + 70; f++) {
                    bool m = f < MODEL_FRAMES && model[f];
                    if (!CHECK_EQ(pmm_is_free(&p, FRAME(f)), m)) {
                        printf("    seed %#llx op %lu frame %#llx\n",
                               (unsigned long long)seed0, ops, (unsigned long long)f);
                        return;
                    }
                }
            }
        }
    }
    CHECK(ops > 50000);
}

TEST(pmm_random_matches_model)
{
    random_exact(0x0123456789abcdefULL, false);
}

/* With limited top-down allocations mixed in, checking only that each one
 * returns some free frame below its limit, and one whenever any exists. */
TEST(pmm_random_with_top_down_limits)
{
    random_exact(0xfeedfacecafebeefULL, true);
}
