/*
 * kernel/memmap.c: recording the firmware's memory map and normalising it
 * into sorted, non-overlapping regions where anything that is not RAM wins
 * over RAM and RAM is whole pages. A mistake here hands a reserved page (ACPI
 * tables, the BIOS, MMIO) to the page allocator, so besides fixed cases the
 * result is checked against a byte-granular reference model on random maps.
 */
/* unit-sources: kernel/memmap.c */
#include "unit.h"

#include <proteus/memmap.h>

static struct memmap m;

struct want {
    u64 base, len;
    u32 type;
};

static void dump(const struct memmap *mm)
{
    printf("    map (%u regions, %u dropped):\n", mm->n, mm->dropped);
    for (unsigned i = 0; i < mm->n; i++)
        printf("      [%#llx, %#llx) %s (%u)\n", (unsigned long long)mm->r[i].base,
               (unsigned long long)(mm->r[i].base + mm->r[i].len),
               memmap_type_name(mm->r[i].type), mm->r[i].type);
}

static bool map_is(const char *file, int line, const struct memmap *mm, const struct want *w,
                   unsigned n)
{
    bool ok = mm->n == n;
    for (unsigned i = 0; ok && i < n; i++)
        ok = mm->r[i].base == w[i].base && mm->r[i].len == w[i].len && mm->r[i].type == w[i].type;
    if (!ok) {
        unit_fail(file, line, "memory map differs");
        dump(mm);
        printf("    expected (%u regions):\n", n);
        for (unsigned i = 0; i < n; i++)
            printf("      [%#llx, %#llx) %s (%u)\n", (unsigned long long)w[i].base,
                   (unsigned long long)(w[i].base + w[i].len), memmap_type_name(w[i].type),
                   w[i].type);
    }
    return ok;
}
#define MAP_IS(...)                                                              \
    ({                                                                           \
        const struct want w_[] = { __VA_ARGS__ };                                \
        map_is(__FILE__, __LINE__, &m, w_, ARRAY_SIZE(w_));                      \
    })
#define MAP_EMPTY() CHECK_EQ(m.n, 0)

/* Region helpers reading like the firmware tables: [lo, hi). */
static void add(u64 lo, u64 hi, u32 type)
{
    memmap_add(&m, lo, hi - lo, type);
}

/* The type covering address a, 0 when none. */
static u32 type_at(const struct memmap *mm, u64 a)
{
    for (unsigned i = 0; i < mm->n; i++)
        if (a >= mm->r[i].base && a - mm->r[i].base < mm->r[i].len)
            return mm->r[i].type;
    return 0;
}

/* Sorted, non-overlapping, non-empty, usable RAM page-aligned, and no two
 * touching regions of one type (they would have been merged). */
static bool well_formed(const struct memmap *mm)
{
    if (mm->n > MEMMAP_MAX)
        return false;
    for (unsigned i = 0; i < mm->n; i++) {
        const struct mem_region *r = &mm->r[i];
        if (r->len == 0 || r->base + r->len < r->base)
            return false;
        if (r->type == MEM_USABLE && ((r->base | r->len) & (PAGE_SIZE - 1)))
            return false;
        if (i && (mm->r[i - 1].base + mm->r[i - 1].len > r->base ||
                  (mm->r[i - 1].base + mm->r[i - 1].len == r->base &&
                   mm->r[i - 1].type == r->type)))
            return false;
    }
    return true;
}

TEST(memmap_add_records_and_drops)
{
    memmap_init(&m);
    CHECK_EQ(m.n, 0);
    CHECK_EQ(m.dropped, 0);

    add(0x1000, 0x2000, MEM_USABLE);
    CHECK_EQ(m.n, 1);
    CHECK_EQ(m.r[0].base, 0x1000);
    CHECK_EQ(m.r[0].len, 0x1000);
    CHECK_EQ(m.r[0].type, MEM_USABLE);

    memmap_add(&m, 0x5000, 0, MEM_USABLE);                      /* zero length: skipped */
    memmap_add(&m, 1, ~0ULL, MEM_USABLE);                        /* wraps past 2^64 */
    memmap_add(&m, 0xffffffffffff0000ULL, 0x20000, MEM_USABLE);
    CHECK_EQ(m.n, 1);
    CHECK_EQ(m.dropped, 2);   /* a zero-length entry is harmless, not counted */

    /* dropped entries leave no trace in the result */
    memmap_normalize(&m);
    MAP_IS({ 0x1000, 0x1000, MEM_USABLE });
    CHECK_EQ(m.dropped, 2);

    /* reserved "past 2^64" is reserved to the top, not dropped: usable RAM
     * reported over the same range must not survive */
    memmap_init(&m);
    memmap_add(&m, 0xfffffffffff00000ULL, 0x80000, MEM_USABLE);
    memmap_add(&m, 0xfffffffffff00000ULL, 0x200000, MEM_RESERVED);
    CHECK_EQ(m.n, 2);
    CHECK_EQ(m.dropped, 0);
    memmap_normalize(&m);
    MAP_IS({ 0xfffffffffff00000ULL, 0xfffff, MEM_RESERVED });

    /* the very top of the address space is still representable */
    memmap_init(&m);
    memmap_add(&m, 0xffffffff00000000ULL, 0xfffff000ULL, MEM_RESERVED);
    CHECK_EQ(m.n, 1);
    CHECK_EQ(m.dropped, 0);
}

/* Issue 11, D1: a usable region in the last page below 2^64. Its end does
 * not wrap, but its base rounded up to a page did, to 0: the region became
 * "usable RAM from 0 to 2^64 - 4096", over ROM, ACPI tables and MMIO. */
TEST(memmap_usable_in_last_page_is_no_ram)
{
    memmap_init(&m);
    memmap_add(&m, 0, 0x9fc00, MEM_USABLE);
    memmap_add(&m, 0xf0000, 0x10000, MEM_RESERVED);
    memmap_add(&m, 0x100000, 0x3f00000, MEM_USABLE);
    memmap_add(&m, 0xfffffffffffff001ULL, 0xffe, MEM_USABLE);
    CHECK_EQ(m.n, 4);   /* recorded: it does not wrap */
    memmap_normalize(&m);
    MAP_IS({ 0, 0x9f000, MEM_USABLE }, { 0xf0000, 0x10000, MEM_RESERVED },
           { 0x100000, 0x3f00000, MEM_USABLE });
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0x9f000 + 0x3f00000);
}

TEST(memmap_normalize_sorts)
{
    memmap_init(&m);
    add(0x300000, 0x400000, MEM_USABLE);
    add(0x100000, 0x200000, MEM_ACPI);
    add(0x500000, 0x600000, MEM_RESERVED);
    add(0x0, 0x80000, MEM_USABLE);
    memmap_normalize(&m);
    MAP_IS({ 0x0, 0x80000, MEM_USABLE },
           { 0x100000, 0x100000, MEM_ACPI },
           { 0x300000, 0x100000, MEM_USABLE },
           { 0x500000, 0x100000, MEM_RESERVED });
    CHECK_EQ(m.dropped, 0);

    memmap_init(&m);
    memmap_normalize(&m);
    MAP_EMPTY();
}

TEST(memmap_reserved_beats_usable)
{
    /* a reserved hole in the middle of RAM, listed after and before it */
    for (int order = 0; order < 2; order++) {
        memmap_init(&m);
        if (order)
            add(0x5000, 0x7000, MEM_RESERVED);
        add(0x0, 0x100000, MEM_USABLE);
        if (!order)
            add(0x5000, 0x7000, MEM_RESERVED);
        memmap_normalize(&m);
        MAP_IS({ 0x0, 0x5000, MEM_USABLE },
               { 0x5000, 0x2000, MEM_RESERVED },
               { 0x7000, 0xf9000, MEM_USABLE });
    }

    /* partial overlaps at either end */
    memmap_init(&m);
    add(0x10000, 0x20000, MEM_USABLE);
    add(0x18000, 0x30000, MEM_RESERVED);
    add(0x8000, 0x12000, MEM_RESERVED);
    memmap_normalize(&m);
    MAP_IS({ 0x8000, 0xa000, MEM_RESERVED },
           { 0x12000, 0x6000, MEM_USABLE },
           { 0x18000, 0x18000, MEM_RESERVED });

    /* reserved covering RAM completely leaves no RAM */
    memmap_init(&m);
    add(0x10000, 0x20000, MEM_USABLE);
    add(0x0, 0x40000, MEM_RESERVED);
    memmap_normalize(&m);
    MAP_IS({ 0x0, 0x40000, MEM_RESERVED });
}

TEST(memmap_every_non_ram_type_beats_usable)
{
    static const u32 types[] = { MEM_RESERVED, MEM_ACPI,     MEM_NVS, MEM_UNUSABLE,
                                 MEM_DISABLED, MEM_PMEM, 12, 0xf0000000u };
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        for (int order = 0; order < 2; order++) {
            memmap_init(&m);
            if (order)
                add(0x3000, 0x5000, types[i]);
            add(0x0, 0x10000, MEM_USABLE);
            if (!order)
                add(0x3000, 0x5000, types[i]);
            memmap_normalize(&m);
            if (!MAP_IS({ 0x0, 0x3000, MEM_USABLE },
                        { 0x3000, 0x2000, types[i] },
                        { 0x5000, 0xb000, MEM_USABLE }))
                printf("    type %u, order %d\n", types[i], order);
        }
    }
}

/* Type 0 is not a valid E820 type; like every unknown type it must count as
 * reserved, whatever the order in which the entries arrive. */
TEST(memmap_type0_is_not_ram)
{
    for (int order = 0; order < 2; order++) {
        memmap_init(&m);
        if (order)
            add(0x5000, 0x6000, 0);
        add(0x0, 0x10000, MEM_USABLE);
        if (!order)
            add(0x5000, 0x6000, 0);
        memmap_normalize(&m);
        if (!CHECK(type_at(&m, 0x5000) != MEM_USABLE) ||
            !CHECK_EQ(memmap_usable_bytes(&m, 0), 0xf000)) {
            printf("    type-0 entry %s the usable one\n", order ? "before" : "after");
            dump(&m);
        }
    }
}

TEST(memmap_adjacent_same_types_merge)
{
    memmap_init(&m);
    add(0x0, 0x10000, MEM_USABLE);
    add(0x10000, 0x20000, MEM_USABLE);
    add(0x20000, 0x28000, MEM_USABLE);
    add(0x28000, 0x30000, MEM_RESERVED);
    add(0x30000, 0x38000, MEM_RESERVED);
    add(0x38000, 0x40000, MEM_ACPI);    /* another type: its own region */
    add(0x40000, 0x48000, MEM_NVS);
    memmap_normalize(&m);
    MAP_IS({ 0x0, 0x28000, MEM_USABLE },
           { 0x28000, 0x10000, MEM_RESERVED },
           { 0x38000, 0x8000, MEM_ACPI },
           { 0x40000, 0x8000, MEM_NVS });

    /* overlapping and duplicated RAM entries become one region */
    memmap_init(&m);
    add(0x100000, 0x300000, MEM_USABLE);
    add(0x200000, 0x400000, MEM_USABLE);
    add(0x100000, 0x300000, MEM_USABLE);
    add(0x150000, 0x160000, MEM_USABLE);
    memmap_normalize(&m);
    MAP_IS({ 0x100000, 0x300000, MEM_USABLE });

    /* pieces that only touch after an unaligned split still merge first and
     * are trimmed once, so the page across the seam is not lost */
    memmap_init(&m);
    add(0x1000, 0x2800, MEM_USABLE);
    add(0x2800, 0x5000, MEM_USABLE);
    memmap_normalize(&m);
    MAP_IS({ 0x1000, 0x4000, MEM_USABLE });
}

TEST(memmap_holes_preserved)
{
    memmap_init(&m);
    add(0x0, 0x10000, MEM_USABLE);
    add(0x20000, 0x30000, MEM_USABLE);
    add(0x40000, 0x50000, MEM_RESERVED);
    add(0x50001, 0x60000, MEM_RESERVED);    /* a one-byte hole */
    memmap_normalize(&m);
    MAP_IS({ 0x0, 0x10000, MEM_USABLE },
           { 0x20000, 0x10000, MEM_USABLE },
           { 0x40000, 0x10000, MEM_RESERVED },
           { 0x50001, 0xffff, MEM_RESERVED });
    CHECK_EQ(type_at(&m, 0x10000), 0);
    CHECK_EQ(type_at(&m, 0x50000), 0);
}

TEST(memmap_usable_trimmed_to_pages)
{
    memmap_init(&m);
    add(0x1234, 0x5678, MEM_USABLE);
    memmap_normalize(&m);
    MAP_IS({ 0x2000, 0x3000, MEM_USABLE });

    /* less than a whole page of RAM vanishes; other types are kept as is */
    memmap_init(&m);
    add(0x100, 0x800, MEM_USABLE);
    add(0x1800, 0x2800, MEM_USABLE);        /* crosses a boundary, no whole page */
    add(0x11234, 0x15678, MEM_RESERVED);
    memmap_normalize(&m);
    MAP_IS({ 0x11234, 0x4444, MEM_RESERVED });

    /* trimming is inward next to a reserved region carved out of RAM */
    memmap_init(&m);
    add(0x0, 0x10000, MEM_USABLE);
    add(0x3800, 0x4800, MEM_RESERVED);
    memmap_normalize(&m);
    MAP_IS({ 0x0, 0x3000, MEM_USABLE },
           { 0x3800, 0x1000, MEM_RESERVED },
           { 0x5000, 0xb000, MEM_USABLE });
}

TEST(memmap_normalize_is_idempotent)
{
    memmap_init(&m);
    add(0x9fc00, 0xa0000, MEM_RESERVED);
    add(0x0, 0x9fc00, MEM_USABLE);
    add(0x100000, 0x7fe0000, MEM_USABLE);
    add(0x3800, 0x4800, MEM_ACPI);
    add(0x7fe0000, 0x8000000, MEM_RESERVED);
    memmap_normalize(&m);
    static struct memmap once;
    once = m;
    memmap_normalize(&m);
    CHECK_EQ(m.n, once.n);
    CHECK(memcmp(m.r, once.r, sizeof(m.r[0]) * m.n) == 0);
    CHECK(well_formed(&m));
}

/* QEMU's e820 for `-m 128` (SeaBIOS), as the Multiboot loader passes it. */
static void qemu_128m(void)
{
    memmap_init(&m);
    add(0x0, 0x9fc00, MEM_USABLE);
    add(0x9fc00, 0xa0000, MEM_RESERVED);
    add(0xf0000, 0x100000, MEM_RESERVED);
    add(0x100000, 0x7fe0000, MEM_USABLE);
    add(0x7fe0000, 0x8000000, MEM_RESERVED);
    add(0xfffc0000, 0x100000000ULL, MEM_RESERVED);
}

TEST(memmap_qemu_e820)
{
    qemu_128m();
    CHECK_EQ(m.n, 6);
    memmap_normalize(&m);
    MAP_IS({ 0x0, 0x9f000, MEM_USABLE },            /* 0x9fc00 trimmed to a page */
           { 0x9fc00, 0x400, MEM_RESERVED },
           { 0xf0000, 0x10000, MEM_RESERVED },
           { 0x100000, 0x7ee0000, MEM_USABLE },
           { 0x7fe0000, 0x20000, MEM_RESERVED },
           { 0xfffc0000, 0x40000, MEM_RESERVED });
    CHECK_EQ(m.dropped, 0);
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0x9f000 + 0x7ee0000);
    CHECK_EQ(memmap_usable_bytes(&m, 0x100000), 0x7ee0000);
    CHECK(well_formed(&m));
}

/* `-m 5G`: RAM below the PCI hole and 1 GiB above 4 GiB. */
static void qemu_5g(void)
{
    memmap_init(&m);
    add(0x0, 0x9fc00, MEM_USABLE);
    add(0x9fc00, 0xa0000, MEM_RESERVED);
    add(0xf0000, 0x100000, MEM_RESERVED);
    add(0x100000, 0xbffe0000, MEM_USABLE);
    add(0xbffe0000, 0xc0000000, MEM_RESERVED);
    add(0xfeffc000, 0xff000000, MEM_RESERVED);
    add(0xfffc0000, 0x100000000ULL, MEM_RESERVED);
    add(0x100000000ULL, 0x140000000ULL, MEM_USABLE);
}

TEST(memmap_qemu_e820_ram_above_4g)
{
    qemu_5g();
    memmap_normalize(&m);
    MAP_IS({ 0x0, 0x9f000, MEM_USABLE },
           { 0x9fc00, 0x400, MEM_RESERVED },
           { 0xf0000, 0x10000, MEM_RESERVED },
           { 0x100000, 0xbfee0000, MEM_USABLE },
           { 0xbffe0000, 0x20000, MEM_RESERVED },
           { 0xfeffc000, 0x4000, MEM_RESERVED },
           { 0xfffc0000, 0x40000, MEM_RESERVED },
           { 0x100000000ULL, 0x40000000, MEM_USABLE });
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0x9f000 + 0xbfee0000ULL + 0x40000000ULL);
    CHECK_EQ(memmap_usable_bytes(&m, 0x100000000ULL), 0x40000000);
    CHECK_EQ(memmap_usable_bytes(&m, 0x120000000ULL), 0x20000000);
    CHECK_EQ(memmap_usable_bytes(&m, 0x140000000ULL), 0);

    /* an i386 kernel without PAE keeps only what is below 4 GiB */
    memmap_limit(&m, 0x100000000ULL);
    CHECK_EQ(m.n, 7);
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0x9f000 + 0xbfee0000ULL);
    CHECK_EQ(m.r[6].type, MEM_RESERVED);    /* reserved regions stay */
    CHECK(well_formed(&m));
}

TEST(memmap_limit_cuts_usable_only)
{
    qemu_128m();
    memmap_normalize(&m);
    memmap_limit(&m, 64ULL << 20);          /* mem=64M */
    MAP_IS({ 0x0, 0x9f000, MEM_USABLE },
           { 0x9fc00, 0x400, MEM_RESERVED },
           { 0xf0000, 0x10000, MEM_RESERVED },
           { 0x100000, 0x3f00000, MEM_USABLE },
           { 0x7fe0000, 0x20000, MEM_RESERVED },
           { 0xfffc0000, 0x40000, MEM_RESERVED });
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0x9f000 + 0x3f00000);

    /* a limit at a region's end changes nothing; at its base drops it */
    qemu_128m();
    memmap_normalize(&m);
    memmap_limit(&m, 0x7fe0000);
    CHECK_EQ(m.n, 6);
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0x9f000 + 0x7ee0000);
    memmap_limit(&m, 0x100000);
    CHECK_EQ(m.n, 5);
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0x9f000);
    CHECK_EQ(type_at(&m, 0x100000), 0);

    /* a limit above everything changes nothing */
    qemu_5g();
    memmap_normalize(&m);
    unsigned n = m.n;
    memmap_limit(&m, ~0ULL);
    CHECK_EQ(m.n, n);
    CHECK_EQ(memmap_usable_bytes(&m, 0x100000000ULL), 0x40000000);
    memmap_limit(&m, 0x120000000ULL);
    CHECK_EQ(m.n, n);
    CHECK_EQ(memmap_usable_bytes(&m, 0x100000000ULL), 0x20000000);
    CHECK(well_formed(&m));
}

TEST(memmap_usable_bytes)
{
    memmap_init(&m);
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0);
    add(0x1000, 0x5000, MEM_USABLE);
    add(0x5000, 0x6000, MEM_RESERVED);
    add(0x8000, 0xa000, MEM_USABLE);
    add(0x20000, 0x40000, MEM_ACPI);
    memmap_normalize(&m);
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0x6000);
    CHECK_EQ(memmap_usable_bytes(&m, 0x1000), 0x6000);
    CHECK_EQ(memmap_usable_bytes(&m, 0x2000), 0x5000);  /* from inside a region */
    CHECK_EQ(memmap_usable_bytes(&m, 0x2800), 0x4800);
    CHECK_EQ(memmap_usable_bytes(&m, 0x5000), 0x2000);  /* exactly at an end */
    CHECK_EQ(memmap_usable_bytes(&m, 0x9fff), 1);
    CHECK_EQ(memmap_usable_bytes(&m, 0xa000), 0);
    CHECK_EQ(memmap_usable_bytes(&m, ~0ULL), 0);
}

TEST(memmap_table_overflow)
{
    /* More entries than fit, none mergeable: the table is normalised to
     * make room, which frees nothing here, so RAM is dropped first. Entry
     * 128 (RAM) is dropped; entry 129 (reserved) takes the place of the
     * last RAM, entry 126. */
    memmap_init(&m);
    for (unsigned i = 0; i < MEMMAP_MAX + 2; i++)
        memmap_add(&m, (u64)i * 0x10000, 0x8000, i % 2 ? MEM_RESERVED : MEM_USABLE);
    CHECK_EQ(m.n, MEMMAP_MAX);
    CHECK_EQ(m.dropped, 2);
    memmap_normalize(&m);
    CHECK_EQ(m.n, MEMMAP_MAX);
    CHECK_EQ(m.dropped, 2);
    CHECK(well_formed(&m));
    CHECK_EQ(m.r[MEMMAP_MAX - 1].base, (u64)(MEMMAP_MAX + 1) * 0x10000);
    CHECK_EQ(m.r[MEMMAP_MAX - 1].type, MEM_RESERVED);
    CHECK_EQ(memmap_usable_bytes(&m, 0), (MEMMAP_MAX / 2 - 1) * 0x8000ULL);

    /* Found by tests/fuzz/fuzz_memmap.c: a reserved entry after the 128th
     * used to be dropped, and the RAM reported over it handed out. */
    memmap_init(&m);
    memmap_add(&m, 0x100000, 0xff00000, MEM_USABLE);
    for (unsigned i = 1; i < MEMMAP_MAX; i++)
        memmap_add(&m, 0x20000000 + (u64)i * 0x10000, 0x8000, MEM_USABLE);
    memmap_add(&m, 0x200000, 0x1000, MEM_RESERVED);
    memmap_normalize(&m);
    CHECK(well_formed(&m));
    for (unsigned i = 0; i < m.n; i++)
        CHECK(!(m.r[i].type == MEM_USABLE && m.r[i].base < 0x201000 &&
                m.r[i].base + m.r[i].len > 0x200000));

    /* A table full of reserved ranges cannot keep one more: it is lost,
     * and from then on no RAM is taken, since it might lie over it. */
    memmap_init(&m);
    for (unsigned i = 0; i < MEMMAP_MAX; i++)
        memmap_add(&m, (u64)i * 0x20000, 0x1000, MEM_RESERVED);
    memmap_add(&m, 0x10000000, 0x1000, MEM_RESERVED);
    CHECK(m.reserved_lost);
    memmap_add(&m, 0x0f000000, 0x2000000, MEM_USABLE);
    memmap_normalize(&m);
    CHECK_EQ(memmap_usable_bytes(&m, 0), 0);
    CHECK_EQ(m.dropped, 2);

    /* overlaps that split into more regions than the table holds: whatever
     * is lost, no reserved byte may come out as RAM */
    memmap_init(&m);
    memmap_add(&m, 0, 1ULL << 40, MEM_USABLE);
    for (unsigned i = 1; i < MEMMAP_MAX; i++)
        memmap_add(&m, (u64)i << 24, 0x1000, MEM_RESERVED);
    CHECK_EQ(m.dropped, 0);
    memmap_normalize(&m);
    CHECK(m.dropped > 0);
    CHECK(m.n <= MEMMAP_MAX);
    CHECK(well_formed(&m));
    for (unsigned i = 1; i < MEMMAP_MAX; i++)
        if (!CHECK(type_at(&m, (u64)i << 24) != MEM_USABLE))
            break;
    CHECK_EQ(type_at(&m, 0x1000), MEM_USABLE);
}

/* Random overlapping maps against a reference model at 256-byte
 * granularity (every edge is a multiple of 0x100). For each granule:
 *  - covered by some non-RAM entry: one of those types, never RAM;
 *  - covered only by RAM: RAM exactly when its whole page is RAM-only;
 *  - otherwise a hole. */
TEST(memmap_random_maps_match_model)
{
    enum { G = 0x100, SPAN = 0x40000, NG = SPAN / G, PER_PAGE = PAGE_SIZE / G };
    static const u32 types[] = { MEM_USABLE, MEM_USABLE, MEM_USABLE, MEM_USABLE, MEM_RESERVED,
                                 MEM_ACPI,   MEM_NVS,    MEM_UNUSABLE, MEM_DISABLED, MEM_PMEM,
                                 20 };
    static u8 cover[NG][ARRAY_SIZE(types)];
    uint64_t seed = 0x5eed0123456789abULL;
    unsigned bad = 0;

    for (int iter = 0; iter < 400 && !bad; iter++) {
        struct { u64 lo, hi; u32 type; } in[48];
        unsigned nin = 1 + (unsigned)unit_rand_below(&seed, ARRAY_SIZE(in));
        u64 off = iter % 2 ? 0 : 0x100000000ULL;   /* also far above 4 GiB */

        memmap_init(&m);
        memset(cover, 0, sizeof(cover));
        for (unsigned i = 0; i < nin; i++) {
            u64 g = unit_rand_below(&seed, NG);
            u64 len = unit_rand_below(&seed, 4) ? 1 + unit_rand_below(&seed, 64)
                                                : 1 + unit_rand_below(&seed, NG / 2);
            if (g + len > NG)
                len = NG - g;
            size_t t = (size_t)unit_rand_below(&seed, ARRAY_SIZE(types));
            in[i].lo = g * G;
            in[i].hi = (g + len) * G;
            in[i].type = types[t];
            memmap_add(&m, off + in[i].lo, in[i].hi - in[i].lo, in[i].type);
            for (u64 k = g; k < g + len; k++)
                cover[k][t] = 1;
        }
        memmap_normalize(&m);
        if (!CHECK(well_formed(&m)) || !CHECK_EQ(m.dropped, 0)) {
            bad++;
            break;
        }

        for (unsigned k = 0; k < NG && !bad; k++) {
            bool ram = false, other = false;
            for (size_t t = 0; t < ARRAY_SIZE(types); t++)
                if (cover[k][t]) {
                    if (types[t] == MEM_USABLE)
                        ram = true;
                    else
                        other = true;
                }
            u32 got = type_at(&m, off + (u64)k * G);
            bool ok;
            if (other) {
                ok = got != MEM_USABLE && got != 0;
                bool covers = false;
                for (size_t t = 0; t < ARRAY_SIZE(types); t++)
                    covers |= cover[k][t] && types[t] == got;
                ok = ok && covers;
            } else if (ram) {
                bool page_ram = true;
                unsigned p0 = k / PER_PAGE * PER_PAGE;
                for (unsigned j = p0; j < p0 + PER_PAGE; j++) {
                    bool r = false, o = false;
                    for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
                        if (cover[j][t] && types[t] == MEM_USABLE)
                            r = true;
                        else if (cover[j][t])
                            o = true;
                    }
                    page_ram &= r && !o;
                }
                ok = got == (page_ram ? MEM_USABLE : 0);
            } else {
                ok = got == 0;
            }
            if (!ok) {
                bad++;
                unit_fail(__FILE__, __LINE__,
                          "iteration %d: address %#llx is type %u (ram %d, other %d)", iter,
                          (unsigned long long)(off + (u64)k * G), got, ram, other);
                printf("    input:\n");
                for (unsigned i = 0; i < nin; i++)
                    printf("      [%#llx, %#llx) %u\n", (unsigned long long)(off + in[i].lo),
                           (unsigned long long)(off + in[i].hi), in[i].type);
                dump(&m);
            }
        }
    }
    CHECK_EQ(bad, 0);
}

TEST(memmap_type_names)
{
    CHECK_STREQ(memmap_type_name(MEM_USABLE), "usable");
    CHECK_STREQ(memmap_type_name(MEM_RESERVED), "reserved");
    CHECK_STREQ(memmap_type_name(MEM_ACPI), "ACPI data");
    CHECK_STREQ(memmap_type_name(MEM_NVS), "ACPI NVS");
    CHECK_STREQ(memmap_type_name(MEM_UNUSABLE), "unusable");
    CHECK_STREQ(memmap_type_name(MEM_DISABLED), "disabled");
    CHECK_STREQ(memmap_type_name(MEM_PMEM), "persistent");
    CHECK_STREQ(memmap_type_name(0), "unknown");
    CHECK_STREQ(memmap_type_name(8), "unknown");
    CHECK_STREQ(memmap_type_name(0xffffffffu), "unknown");
}

/* memmap_take: memory for the boot before the frame allocator (the VMI
 * shim's copy). What is taken must leave the map, so that the allocator
 * never hands it out, and the rest of the map must be unchanged. */
#define MiB (1ULL << 20)
TEST(memmap_take_from_the_top_below_the_limit)
{
    memmap_init(&m);
    add(0, 0x9f000, MEM_USABLE);
    add(0xf0000, 0x100000, MEM_RESERVED);
    add(MiB, 3072 * MiB, MEM_USABLE);
    add(4096 * MiB, 5120 * MiB, MEM_USABLE);
    memmap_normalize(&m);
    /* the top of what lies below 1 GiB: the region is cut in two */
    CHECK_EQ(memmap_take(&m, 0x10000, 1024 * MiB, MiB, 2 * MiB), 1024 * MiB - 0x10000);
    MAP_IS({ 0, 0x9f000, MEM_USABLE }, { 0xf0000, 0x10000, MEM_RESERVED },
           { MiB, 1023 * MiB - 0x10000, MEM_USABLE }, { 1024 * MiB, 2048 * MiB, MEM_USABLE },
           { 4096 * MiB, 1024 * MiB, MEM_USABLE });
    /* whole pages, and the top of a region that ends below the limit:
     * the region shrinks */
    CHECK_EQ(memmap_take(&m, 1, 1024 * MiB, MiB, 2 * MiB), 1024 * MiB - 0x11000);
    CHECK_EQ(m.r[2].base + m.r[2].len, 1024 * MiB - 0x11000);
    CHECK_EQ(m.n, 5);
}

TEST(memmap_take_keeps_clear_of_the_image_and_low_memory)
{
    memmap_init(&m);
    add(0, 0x9f000, MEM_USABLE);
    add(MiB, 2 * MiB, MEM_USABLE);
    memmap_normalize(&m);
    /* the image fills [1 MiB, 1 MiB + 832 KiB): what is left above it is
     * too small, below it is low memory, which is never taken */
    CHECK_EQ(memmap_take(&m, 0x40000, 1024 * MiB, MiB, MiB + 0xd0000), 0);
    MAP_IS({ 0, 0x9f000, MEM_USABLE }, { MiB, MiB, MEM_USABLE });
    /* an image higher up: the memory is taken from just below it */
    CHECK_EQ(memmap_take(&m, 0x40000, 1024 * MiB, MiB + 0xc0000, 2 * MiB), MiB + 0x80000);
    MAP_IS({ 0, 0x9f000, MEM_USABLE }, { MiB, 0x80000, MEM_USABLE },
           { MiB + 0xc0000, 0x40000, MEM_USABLE });
    /* a region taken whole disappears */
    CHECK_EQ(memmap_take(&m, 0x80000, 1024 * MiB, 0, 0), MiB);
    MAP_IS({ 0, 0x9f000, MEM_USABLE }, { MiB + 0xc0000, 0x40000, MEM_USABLE });
    CHECK_EQ(memmap_take(&m, 0, 1024 * MiB, 0, 0), 0);
}

TEST(memmap_take_fails_without_a_slot_for_the_cut)
{
    memmap_init(&m);
    for (unsigned i = 0; i < MEMMAP_MAX; i++)
        add(MiB + i * 2 * MiB, MiB + i * 2 * MiB + MiB, i + 1 == MEMMAP_MAX ? MEM_USABLE : MEM_RESERVED);
    memmap_normalize(&m);
    CHECK_EQ(m.n, MEMMAP_MAX);
    u64 last = m.r[MEMMAP_MAX - 1].base;
    /* a cut inside the last region would need a 129th entry */
    CHECK_EQ(memmap_take(&m, PAGE_SIZE, last + 0x80000, 0, 0), 0);
    CHECK_EQ(m.n, MEMMAP_MAX);
    /* from its top there is no cut */
    CHECK_EQ(memmap_take(&m, PAGE_SIZE, last + MiB, 0, 0), last + MiB - PAGE_SIZE);
}
