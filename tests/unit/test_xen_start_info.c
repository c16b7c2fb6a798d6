/*
 * pv/xen/start_info.c: the boot information a Xen PV guest builds from its
 * start_info page. The page comes from outside the kernel, so most cases
 * are bad ones: a wrong magic, a bootstrap region that does not fit the
 * domain, page tables or a P2M list outside that region, a command line
 * with no NUL. Each must be refused with a message, or (the command line)
 * cut and flagged, never read past.
 */
/* unit-sources: pv/xen/start_info.c kernel/memmap.c */
#include "unit.h"

#include <proteus/bootinfo.h>
#include <proteus/errno.h>
#include "../../pv/xen/start_info.h"
#include <arch/boot.h>

static start_info_t si;
static struct boot_info bi;

/* A 64 MiB dom0 as Xen 4.17 lays it out: image at 1 MiB, then P2M list,
 * start_info, page tables, and the stack whose top is the entry SP. */
#define IMAGE 0x100000ULL
#define SP 0x4d5000ULL
static void good(void)
{
    memset(&si, 0, sizeof(si));
    unit_log_clear();
    strcpy(si.magic, "xen-3.0-x86_64");
    si.nr_pages = 16384;
    si.mfn_list = 0x400000;
    si.pt_base = 0x4cf000;
    si.nr_pt_frames = 5;
    strcpy((char *)si.cmd_line, "quiet -- a b");
}

TEST(xen_start_info_good)
{
    good();
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), 0);
    CHECK_STREQ(bi.protocol, "xen-pv");
    CHECK_EQ(bi.entry, BOOT_ENTRY_XEN_PV);
    CHECK_STREQ(bi.cmdline, "quiet -- a b");
    CHECK(!bi.cmdline_truncated);
    /* RAM below the image (not page 0), the bootstrap region reserved,
     * the rest of the 64 MiB usable */
    CHECK_EQ(bi.mem.n, 3);
    CHECK_EQ(bi.mem.r[0].base, 0x1000);
    CHECK_EQ(bi.mem.r[0].len, IMAGE - 0x1000);
    CHECK_EQ(bi.mem.r[0].type, MEM_USABLE);
    CHECK_EQ(bi.mem.r[1].base, IMAGE);
    CHECK_EQ(bi.mem.r[1].len, SP - IMAGE);
    CHECK_EQ(bi.mem.r[1].type, MEM_RESERVED);
    CHECK_EQ(bi.mem.r[2].base, SP);
    CHECK_EQ(bi.mem.r[2].len, (16384ULL << 12) - SP);
    CHECK_EQ(bi.mem.r[2].type, MEM_USABLE);
}

TEST(xen_start_info_sp_inside_page)
{
    good();
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP - 8), 0);   /* rounds up to the page end */
    CHECK_EQ(bi.mem.r[2].base, SP);
}

TEST(xen_start_info_wrong_magic)
{
    good();
    memcpy(si.magic, "xen-3.0-x86_32p\x01garbage", 23);
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), -EINVAL);
    CHECK(strstr(unit_log, "is not 'xen-3.0-x86_64'") != NULL);
    CHECK(strstr(unit_log, "\x01") == NULL);   /* unprintable bytes are not echoed */
}

TEST(xen_start_info_magic_without_nul)
{
    good();
    memset(si.magic, 'x', sizeof(si.magic));
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), -EINVAL);
    CHECK(strstr(unit_log, "magic") != NULL);
}

TEST(xen_start_info_too_few_pages)
{
    good();
    si.nr_pages = 0x400;   /* 4 MiB: ends before the bootstrap region does */
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), -EINVAL);
    CHECK(strstr(unit_log, "bootstrap region") != NULL);
}

TEST(xen_start_info_no_room_above)
{
    good();
    si.nr_pages = SP >> 12;   /* exactly up to the stack top: no usable RAM above */
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), 0);
    CHECK_EQ(bi.mem.n, 2);
}

TEST(xen_start_info_tables_outside)
{
    good();
    si.pt_base = 0x8000000;
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), -EINVAL);
    good();
    si.nr_pt_frames = 100;   /* runs past the stack */
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), -EINVAL);
    good();
    si.mfn_list = 0x1000;    /* below the image */
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), -EINVAL);
    CHECK(strstr(unit_log, "P2M") != NULL);
}

TEST(xen_start_info_sp_below_image)
{
    good();
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, 0x1000), -EINVAL);
}

TEST(xen_start_info_cmdline_without_nul)
{
    good();
    memset(si.cmd_line, 'a', sizeof(si.cmd_line));
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), 0);
    CHECK(bi.cmdline_truncated);
    CHECK_EQ(strlen(bi.cmdline), CMDLINE_MAX - 1);
}

TEST(xen_start_info_cmdline_exactly_full)
{
    good();
    memset(si.cmd_line, 'b', sizeof(si.cmd_line));
    si.cmd_line[CMDLINE_MAX - 1] = 0;   /* 1023 characters and the NUL */
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), 0);
    CHECK(!bi.cmdline_truncated);
    CHECK_EQ(strlen(bi.cmdline), CMDLINE_MAX - 1);
}

TEST(xen_start_info_huge_domain_capped)
{
    good();
    si.nr_pages = 64ULL << 18;   /* 64 GiB: a P2M list of 128 MiB, inside the region */
    u64 sp = si.mfn_list + (64ULL << 18) * 8 + 0x10000;
    si.pt_base = sp - 0x6000;
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, sp), 0);
    CHECK_EQ(bi.mem.r[2].base + bi.mem.r[2].len, 32ULL << 30);
    CHECK(strstr(unit_log, "first 32 GiB") != NULL);
}

/* ---- issue 11, D9: sizes that wrap. */
TEST(xen_start_info_nr_pages_overflowing_bytes)
{
    good();
    si.nr_pages = (1ULL << 52) + 0x4000;   /* << 12 wraps to 64 MiB */
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), -EINVAL);
    CHECK(strstr(unit_log, "more than any address space holds") != NULL);
}

TEST(xen_start_info_pt_frames_wrapping)
{
    good();
    si.nr_pt_frames = 0xfffffffffffffULL;   /* pt_base + frames << 12 wraps below SP */
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), -EINVAL);
    CHECK(strstr(unit_log, "page tables") != NULL);
}

TEST(xen_start_info_p2m_list_runs_past_region)
{
    good();
    si.mfn_list = SP - 0x1000;   /* starts inside, 16384 * 8 bytes run past SP */
    CHECK(!xen_p2m_list_ok(&si, IMAGE, SP));
    CHECK_EQ(xen_boot_info(&bi, &si, IMAGE, SP), -EINVAL);
    good();
    CHECK(xen_p2m_list_ok(&si, IMAGE, SP));
    si.nr_pages = 1ULL << 62;   /* nr_pages * 8 wraps */
    CHECK(!xen_p2m_list_ok(&si, IMAGE, SP));
}
