/*
 * include/proteus/range.h: the overflow-checked helpers every check of an
 * outside address or length goes through. Each case is one that plain
 * arithmetic gets wrong at the top of the address space.
 */
/* unit-sources: */
#include "unit.h"

#include <proteus/range.h>

TEST(range_end_refuses_wrap)
{
    u64 end;
    CHECK(range_end(0x1000, 0x1000, &end) && end == 0x2000);
    CHECK(range_end(~0ULL - 1, 1, &end) && end == ~0ULL);
    CHECK(!range_end(~0ULL, 1, &end));
    CHECK(!range_end(0xfffffffffffff000ULL, 0x1000, &end));   /* ends at 2^64 */
}

TEST(range_align_up_checked)
{
    u64 v;
    CHECK(align_up_checked(0x1001, 0x1000, &v) && v == 0x2000);
    CHECK(align_up_checked(0x1000, 0x1000, &v) && v == 0x1000);
    CHECK(align_up_checked(0xfffffffffffff000ULL, 0x1000, &v) && v == 0xfffffffffffff000ULL);
    /* issue 11, D1: the base of {0xfffffffffffff001, 0xffe} has no page above it */
    CHECK(!align_up_checked(0xfffffffffffff001ULL, 0x1000, &v));
    CHECK(!align_up_checked(~0ULL, 2, &v));
}

TEST(range_shl_checked)
{
    u64 v;
    CHECK(shl_checked(16384, 12, &v) && v == 64ULL << 20);
    CHECK(shl_checked(1ULL << 51, 12, &v) && v == 1ULL << 63);
    /* issue 11, D9: 2^52 + 0x4000 pages is not a 64 MiB domain */
    CHECK(!shl_checked((1ULL << 52) + 0x4000, 12, &v));
    CHECK(!shl_checked(1, 64, &v));
    CHECK(shl_checked(0, 63, &v) && v == 0);
}

TEST(range_inside)
{
    CHECK(range_inside(0x1000, 0x1000, 0x1000, 0x2000));
    CHECK(!range_inside(0x1000, 0x1001, 0x1000, 0x2000));
    CHECK(!range_inside(0xfff, 1, 0x1000, 0x2000));
    /* issue 11, D8: 48 bytes at 0xfffffff0 run across 4 GiB */
    CHECK(!range_inside(0xfffffff0ULL, 48, 1, 0x100000000ULL));
    CHECK(range_inside(0xfffffff0ULL, 16, 1, 0x100000000ULL));
    CHECK(!range_inside(~0ULL - 4, 16, 0, ~0ULL));   /* wraps */
    CHECK(range_inside(0x1800, 0, 0x1000, 0x2000));  /* empty, base inside */
}

TEST(range_overlaps)
{
    CHECK(range_overlaps(0x1000, 0x1000, 0x1fff, 1));
    CHECK(!range_overlaps(0x1000, 0x1000, 0x2000, 1));
    CHECK(!range_overlaps(0x1000, 0, 0x1000, 0x1000));
    CHECK(range_overlaps(0xfffffffffffff000ULL, 0x2000, 0xfffffffffffff800ULL, 1));
    CHECK(range_overlaps(0, ~0ULL, 0x1000, 1));
}
