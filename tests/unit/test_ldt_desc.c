/*
 * arch/x86/ldt_desc.c: building LDT descriptors from their fields and the
 * checks that keep a descriptor from hurting the kernel. The window an
 * LDT segment may reach (the heap, on i386) is [0xc0000000, 0xe0000000).
 */
/* unit-sources: arch/x86/ldt_desc.c */
#include "unit.h"

#include <proteus/errno.h>
#include <proteus/ldt.h>

#define KLO 0xc0000000u
#define KHI 0xe0000000u

static struct seg_desc make(const struct ldt_info *in)
{
    struct seg_desc d = { 0, 0 };
    CHECK_EQ(ldt_desc_from_info(in, &d), 0);
    return d;
}

TEST(ldt_data_descriptor_fields)
{
    struct ldt_info in = { .entry = 1, .base = 0x12345678, .limit = 0xabcde, .contents = LDT_DATA,
                           .seg_32bit = true };
    struct seg_desc d = make(&in);
    CHECK_EQ(seg_desc_base(d), 0x12345678u);
    CHECK_EQ(seg_desc_limit(d), 0xabcdeu);
    CHECK(d.hi & DESC_P);
    CHECK(d.hi & DESC_S);
    CHECK_EQ((d.hi >> DESC_DPL_SHIFT) & 3, 3u);
    CHECK_EQ((d.hi >> DESC_TYPE_SHIFT) & 0xf, (unsigned)SEG_DATA_RW);
    CHECK(d.hi & DESC_DB);
}

TEST(ldt_from_info_rejects)
{
    struct seg_desc d;
    struct ldt_info in = { .entry = LDT_ENTRIES, .contents = LDT_DATA };
    CHECK_EQ(ldt_desc_from_info(&in, &d), -EINVAL);
    in.entry = 0;
    in.limit = 0x100000;
    CHECK_EQ(ldt_desc_from_info(&in, &d), -EINVAL);
    in.limit = 0;
    in.contents = (enum ldt_contents)7;
    CHECK_EQ(ldt_desc_from_info(&in, &d), -EINVAL);
}

TEST(ldt_check_kinds)
{
    struct seg_desc empty = { 0, 0 };
    CHECK_EQ(ldt_desc_check(empty, KLO, KHI, false), 0);
    CHECK_EQ(ldt_desc_check(seg_desc_make(KLO, 0xff, SYS_LDT, false, 3, 0), KLO, KHI, false),
             -EINVAL);
    CHECK_EQ(ldt_desc_check(seg_desc_make(KLO, 0, 0xc, false, 3, 0), KLO, KHI, false), -EINVAL);
    CHECK_EQ(ldt_desc_check(seg_desc_make(KLO, 0xff, SEG_DATA_RW, true, 0, 0), KLO, KHI, false),
             -EINVAL);
    CHECK_EQ(ldt_desc_check(seg_desc_make(KLO, 0xff, 0xe, true, 3, 0), KLO, KHI, false),
             -EINVAL);   /* conforming code */
    CHECK_EQ(ldt_desc_check(seg_desc_make(KLO, 0xff, SEG_DATA_RW, true, 3, 0), KLO, KHI, false),
             0);
}

TEST(ldt_check_reach)
{
    /* the whole window, and a segment at each end of it: fine */
    CHECK_EQ(ldt_desc_check(seg_desc_make(KLO, 0x1ffff, SEG_DATA_RW, true, 3, DESC_G), KLO, KHI, false),
             0);
    CHECK_EQ(ldt_desc_check(seg_desc_make(KHI - 0x1000, 0xfff, SEG_DATA_RW, true, 3, 0), KLO, KHI, false),
             0);
    /* one byte below or past it */
    CHECK_EQ(ldt_desc_check(seg_desc_make(KLO - 1, 0xf, SEG_DATA_RW, true, 3, 0), KLO, KHI, false),
             -EINVAL);
    CHECK_EQ(ldt_desc_check(seg_desc_make(KHI - 0x1000, 0x1000, SEG_DATA_RW, true, 3, 0), KLO, KHI,
                            false),
             -EINVAL);
    /* page-granular, flat: the kernel's memory too */
    CHECK_EQ(ldt_desc_check(seg_desc_make(0, 0xfffff, SEG_DATA_RW, true, 3, DESC_G), KLO, KHI, false),
             -EINVAL);
    /* wraps past 4 GiB */
    CHECK_EQ(ldt_desc_check(seg_desc_make(0xdff00000, 0xfffff, SEG_DATA_RW, true, 3, DESC_G), KLO, KHI,
                            false),
             -EINVAL);
}

TEST(ldt_check_expand_down)
{
    /* 16-bit expand-down: reaches (limit, 0xffff] above its base only */
    struct seg_desc d = seg_desc_make(KLO - 0x1000, 0x0fff, SEG_DATA_RW_DOWN, true, 3, 0);
    CHECK_EQ(ldt_desc_check(d, KLO, KHI, false), 0);
    d = seg_desc_make(KLO - 0x2000, 0x0fff, SEG_DATA_RW_DOWN, true, 3, 0);   /* starts below */
    CHECK_EQ(ldt_desc_check(d, KLO, KHI, false), -EINVAL);
    /* 32-bit expand-down with limit 0: everything but offset 0, wrapping */
    d = seg_desc_make(KLO, 0, SEG_DATA_RW_DOWN, true, 3, DESC_DB);
    CHECK_EQ(ldt_desc_check(d, KLO, KHI, false), -EINVAL);
    /* limit at the top: reaches nothing */
    d = seg_desc_make(0, 0xffff, SEG_DATA_RW_DOWN, true, 3, 0);
    CHECK_EQ(ldt_desc_check(d, KLO, KHI, false), 0);
}

TEST(ldt_check_long_mode)
{
    struct seg_desc code64 = seg_desc_make(0, 0, SEG_CODE_RX, true, 3, DESC_L);
    CHECK_EQ(ldt_desc_check(code64, KLO, KHI, true), 0);
    CHECK_EQ(ldt_desc_check(code64, KLO, KHI, false), -EINVAL);   /* no L on i386 */
    struct seg_desc ld = seg_desc_make(0, 0, SEG_CODE_RX, true, 3, DESC_L | DESC_DB);
    CHECK_EQ(ldt_desc_check(ld, KLO, KHI, true), -EINVAL);
    /* limits do not apply in 64-bit mode */
    CHECK_EQ(ldt_desc_check(seg_desc_make(0, 0xfffff, SEG_DATA_RW, true, 3, DESC_G), KLO, KHI, true),
             0);
}
