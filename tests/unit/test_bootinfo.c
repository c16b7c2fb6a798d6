/*
 * kernel/bootinfo.c: reading a boot loader's Multiboot 1 or PVH structures.
 * They come from outside the kernel, so the cases here are mostly bad ones:
 * an unknown entry, missing or malformed memory maps, oversized tables, a
 * map without RAM above 1 MiB. Each must end in a clear message and an
 * error code, never a read past the data. The structures live in memory
 * mapped below 2 GiB (MAP_32BIT), because the kernel takes 32-bit physical
 * addresses and reads them through its identity map.
 */
/* unit-sources: kernel/bootinfo.c kernel/memmap.c */
#define _GNU_SOURCE
#include "unit.h"

#include <string.h>
#include <sys/mman.h>
#include <arch/boot.h>
#include <proteus/bootinfo.h>
#include <proteus/errno.h>

static u8 *low;              /* an arena below 2 GiB */
static struct boot_info bi;
#define ARENA 0x20000

static u32 pa(const void *p) { return (u32)(uintptr_t)p; }

static void reset(void)
{
    if (!low) {
        low = mmap(NULL, ARENA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                   -1, 0);
        if (low == MAP_FAILED)
            abort();
    }
    memset(low, 0, ARENA);
    unit_log_clear();
    boot_readable = (struct boot_window){ 1, 0x100000000ULL, 0, NULL };
}

static void window_is_arena(void)
{
    boot_readable.lo = pa(low);
    boot_readable.hi = pa(low) + ARENA;
    boot_readable.offset = 0;
}

/* Multiboot info at low+0, mmap at low+0x1000, cmdline at low+0x2000. */
struct mb1 {
    u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr, syms[4];
    u32 mmap_length, mmap_addr;
    u32 drives_length, drives_addr, config_table, boot_loader_name;   /* flag bit 9 */
};

static void mb1_entry(u32 at, u32 size, u64 base, u64 len, u32 type)
{
    u8 *e = low + 0x1000 + at;
    memcpy(e, &size, 4);
    memcpy(e + 4, &base, 8);
    memcpy(e + 12, &len, 8);
    memcpy(e + 20, &type, 4);
}

static struct mb1 *mb1_good(void)
{
    struct mb1 *mb = (struct mb1 *)low;
    mb->flags = (1 << 2) | (1 << 6);
    strcpy((char *)low + 0x2000, "image.elf quiet -- a");
    mb->cmdline = pa(low + 0x2000);
    mb1_entry(0, 20, 0, 0x9fc00, 1);
    mb1_entry(24, 20, 0x100000, 0x3f00000, 1);
    mb->mmap_addr = pa(low + 0x1000);
    mb->mmap_length = 48;
    return mb;
}

TEST(bootinfo_multiboot_good)
{
    reset();
    struct mb1 *mb = mb1_good();
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    CHECK_STREQ(bi.cmdline, "image.elf quiet -- a");
    CHECK_STREQ(bi.protocol, "multiboot");
    CHECK_EQ(bi.mem.n, 2u);
    CHECK_EQ(bi.mem.r[1].base, 0x100000ull);
    CHECK_EQ(bi.mem.r[1].len, 0x3f00000ull);
}

/* Whether the command line's first word is the image's path depends on
 * the loader: GRUB 2 leaves it out, QEMU and GRUB Legacy put it in. */
static bool names_image_with_loader(const char *name, u32 name_pa)
{
    reset();
    window_is_arena();
    struct mb1 *mb = mb1_good();
    if (name) {
        strcpy((char *)low + 0x3000, name);
        mb->flags |= 1 << 9;
        mb->boot_loader_name = name_pa ? name_pa : pa(low + 0x3000);
    }
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    return bi.cmdline_names_image;
}

TEST(bootinfo_loader_name_decides_image_word)
{
    CHECK(names_image_with_loader(NULL, 0));                     /* QEMU gives no name */
    CHECK(names_image_with_loader("qemu", 0));
    CHECK(names_image_with_loader("GNU GRUB 0.97", 0));          /* GRUB Legacy */
    CHECK(!names_image_with_loader("GRUB 2.06-13+deb12u1", 0));
    CHECK(!names_image_with_loader("GRUB 1.99", 0));
    CHECK(names_image_with_loader("GRUB ", 0));                  /* no version: not told */
    CHECK(names_image_with_loader("proteus hostile test loader", 0));
    /* a name outside the window is reported and taken as not GRUB 2 */
    CHECK(names_image_with_loader("GRUB 2.06", pa(low) + ARENA));
    CHECK(strstr(unit_log, "boot loader name") != NULL);
    /* a name running to the window's end without a NUL is read no further */
    reset();
    window_is_arena();
    struct mb1 *mb = mb1_good();
    memcpy(low + ARENA - 6, "GRUB 2", 6);
    mb->flags |= 1 << 9;
    mb->boot_loader_name = pa(low) + ARENA - 6;
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    CHECK(!bi.cmdline_names_image);
    memcpy(low + ARENA - 5, "GRUB ", 5);   /* the version would be past the end */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb) ), 0);
    CHECK(bi.cmdline_names_image);
}

TEST(bootinfo_unknown_entry)
{
    reset();
    struct mb1 *mb = mb1_good();
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, 0x12345678, pa(mb)), -EINVAL);
    CHECK(strstr(unit_log, "unknown boot entry") != NULL);
    CHECK(strstr(unit_log, "0x12345678") != NULL);
    reset();
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, 0, pa(low)), -EINVAL);
    CHECK(strstr(unit_log, "unknown boot entry") != NULL);
}

TEST(bootinfo_multiboot_null_info)
{
    reset();
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, 0), -EINVAL);
    CHECK(strstr(unit_log, "NULL") != NULL);
}

TEST(bootinfo_multiboot_no_memory_info)
{
    reset();
    struct mb1 *mb = mb1_good();
    mb->flags = 1 << 2;
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), -EINVAL);
    CHECK(strstr(unit_log, "no memory information") != NULL);
}

TEST(bootinfo_multiboot_mem_fields_fallback)
{
    reset();
    struct mb1 *mb = mb1_good();
    mb->flags = 1 << 0;
    mb->mem_lower = 639;
    mb->mem_upper = 64 * 1024;
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    CHECK_EQ(memmap_usable_bytes(&bi.mem, 0x100000), 64ull << 20);
}

TEST(bootinfo_multiboot_bad_entry_size)
{
    reset();
    struct mb1 *mb = mb1_good();
    mb1_entry(24, 4, 0x100000, 0x3f00000, 1);   /* size below the 20 bytes of an entry */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), -ENOMEM);
    CHECK(strstr(unit_log, "bad size 4") != NULL);
    CHECK(strstr(unit_log, "no usable RAM above 1 MiB") != NULL);
}

TEST(bootinfo_multiboot_entry_past_length)
{
    reset();
    struct mb1 *mb = mb1_good();
    mb1_entry(24, 0x1000, 0x100000, 0x3f00000, 1);   /* claims to run past mmap_length */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), -ENOMEM);
    CHECK(strstr(unit_log, "map cut short") != NULL);
}

TEST(bootinfo_no_ram_above_1m)
{
    reset();
    struct mb1 *mb = mb1_good();
    mb1_entry(24, 20, 0x100000, 0x3f00000, 2);   /* all of it reserved */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), -ENOMEM);
    CHECK(strstr(unit_log, "no usable RAM above 1 MiB") != NULL);
}

TEST(bootinfo_cmdline_too_long)
{
    reset();
    struct mb1 *mb = mb1_good();
    memset(low + 0x2000, 'x', 3000);
    low[0x2000 + 3000] = '\0';
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    CHECK(bi.cmdline_truncated);
    CHECK_EQ(strlen(bi.cmdline), (size_t)CMDLINE_MAX - 1);
}

/* PVH start info at low+0x4000, memmap at low+0x5000, cmdline at low+0x6000. */
struct pvh {
    u32 magic, version, flags, nr_modules;
    u64 modlist, cmdline, rsdp, memmap;
    u32 memmap_entries, reserved;
};

static struct pvh *pvh_good(unsigned entries)
{
    struct pvh *si = (struct pvh *)(low + 0x4000);
    si->magic = PVH_START_MAGIC;
    si->version = 1;
    strcpy((char *)low + 0x6000, "quiet");
    si->cmdline = pa(low + 0x6000);
    si->rsdp = 0xf5a40;
    si->memmap = pa(low + 0x5000);
    si->memmap_entries = entries;
    u64 *e = (u64 *)(low + 0x5000);
    for (unsigned i = 0; i < entries && i < 0x2000 / 24; i++) {
        e[3 * i] = 0x100000 + (u64)i * 0x10000;   /* addr */
        e[3 * i + 1] = 0x10000;                   /* size */
        e[3 * i + 2] = i % 2 ? 2 : 1;             /* type, reserved */
    }
    return si;
}

TEST(bootinfo_pvh_good)
{
    reset();
    struct pvh *si = pvh_good(2);
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, PVH_START_MAGIC, pa(si)), 0);
    CHECK_STREQ(bi.protocol, "pvh");
    CHECK_STREQ(bi.cmdline, "quiet");
    CHECK_EQ(bi.rsdp, 0xf5a40ull);
    CHECK_EQ(bi.mem.n, 2u);
}

/* The parser reads nothing it has not asked the window to reach first
 * (x86_64 maps the loader's data only then: arch/x86/x86_64/boot_alias.c).
 * The arena is made unreadable and each reach opens the pages it names:
 * a read of anything else ends the test with SIGSEGV. */
static unsigned reaches;
static void reach_pages(u64 pa, u64 len)
{
    uintptr_t lo = (uintptr_t)pa & ~(uintptr_t)0xfff, hi = ((uintptr_t)(pa + len) + 0xfff) & ~(uintptr_t)0xfff;
    if (hi > lo && mprotect((void *)lo, hi - lo, PROT_READ))
        abort();
    reaches++;
}

static void close_arena(void)
{
    if (mprotect(low, ARENA, PROT_NONE))
        abort();
    boot_readable.reach = reach_pages;
    reaches = 0;
}

static void open_arena(void)
{
    if (mprotect(low, ARENA, PROT_READ | PROT_WRITE))
        abort();
}

TEST(bootinfo_reads_only_what_it_reached)
{
    reset();
    struct mb1 *mb = mb1_good();
    strcpy((char *)low + 0x3000, "GRUB 2.06");
    mb->flags |= 1 << 9;
    mb->boot_loader_name = pa(low + 0x3000);
    close_arena();
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    open_arena();
    CHECK_STREQ(bi.cmdline, "image.elf quiet -- a");
    CHECK(!bi.cmdline_names_image);
    CHECK_EQ(bi.mem.n, 2u);
    CHECK_EQ(reaches, 5u);   /* the information, its tail, the name, the command line, the map */

    reset();
    struct pvh *si = pvh_good(2);
    close_arena();
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, PVH_START_MAGIC, pa(si)), 0);
    open_arena();
    CHECK_STREQ(bi.cmdline, "quiet");
    CHECK_EQ(bi.mem.n, 2u);
    CHECK_EQ(reaches, 3u);   /* the start info, the command line, the map */
}

TEST(bootinfo_pvh_no_memmap)
{
    reset();
    struct pvh *si = pvh_good(2);
    si->version = 0;
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, PVH_START_MAGIC, pa(si)), -EINVAL);
    CHECK(strstr(unit_log, "no memory map") != NULL);
    reset();
    si = pvh_good(0);
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, PVH_START_MAGIC, pa(si)), -EINVAL);
}

/* More entries than the table holds are all read, reserved ones kept over
 * RAM; more than any firmware makes are refused. */
TEST(bootinfo_pvh_many_entries)
{
    reset();
    struct pvh *si = pvh_good(300);   /* alternating RAM and reserved, 64 KiB each */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, PVH_START_MAGIC, pa(si)), -ENOMEM);
    CHECK(strstr(unit_log, "entries were left out") != NULL);
    CHECK(bi.mem.n <= MEMMAP_MAX);
    for (unsigned i = 0; i < bi.mem.n; i++)   /* no reserved 64 KiB came out as RAM */
        CHECK(bi.mem.r[i].type != MEM_USABLE || ((bi.mem.r[i].base - 0x100000) / 0x10000) % 2 == 0);
    reset();
    si = pvh_good(2);
    si->memmap_entries = 5000;
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, PVH_START_MAGIC, pa(si)), -EINVAL);
    CHECK(strstr(unit_log, "5000 entries, more than 4096: refused") != NULL);
}

/* ---- issue 11, D8: structures that reach outside what boot code can read.
 * The window (kernel/bootinfo.c) is moved to [low, low + ARENA): anything
 * reaching past it must be refused before a byte is read, as a structure
 * running across 4 GiB is in the kernel. */
TEST(bootinfo_info_outside_window)
{
    reset();
    window_is_arena();
    struct mb1 *mb = mb1_good();
    (void)mb;
    u32 at = pa(low) + ARENA - 8;   /* the 52-byte structure runs off the end */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, at), -EINVAL);
    CHECK(strstr(unit_log, "the Multiboot information at") != NULL);
    CHECK(strstr(unit_log, "is outside") != NULL);
}

TEST(bootinfo_mmap_outside_window_falls_back)
{
    reset();
    window_is_arena();
    struct mb1 *mb = mb1_good();
    mb->flags |= 1 << 0;
    mb->mem_lower = 639;
    mb->mem_upper = 32 * 1024;
    mb->mmap_addr = pa(low) + ARENA - 16;   /* 48 bytes from 16 before the end */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    CHECK(strstr(unit_log, "the Multiboot memory map at") != NULL);
    CHECK(strstr(unit_log, "using mem_lower/mem_upper") != NULL);
    CHECK_EQ(memmap_usable_bytes(&bi.mem, 0x100000), 32ull << 20);
}

TEST(bootinfo_mmap_outside_window_no_fallback)
{
    reset();
    window_is_arena();
    struct mb1 *mb = mb1_good();
    mb->mmap_addr = pa(low) - 24;   /* starts before the window */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), -EINVAL);
    CHECK(strstr(unit_log, "no memory information") != NULL);
}

TEST(bootinfo_mmap_cut_to_nothing_falls_back)
{
    reset();
    struct mb1 *mb = mb1_good();
    mb->flags |= 1 << 0;
    mb->mem_lower = 639;
    mb->mem_upper = 16 * 1024;
    mb1_entry(0, 7, 0, 0x9fc00, 1);   /* the first entry is already bad */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    CHECK(strstr(unit_log, "gave no entries; using mem_lower/mem_upper") != NULL);
    CHECK_EQ(memmap_usable_bytes(&bi.mem, 0x100000), 16ull << 20);
}

TEST(bootinfo_cmdline_at_window_end)
{
    reset();
    window_is_arena();
    struct mb1 *mb = mb1_good();
    memset(low + ARENA - 5, 'y', 5);   /* no NUL before the end */
    mb->cmdline = pa(low) + ARENA - 5;
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    CHECK_STREQ(bi.cmdline, "yyyyy");
    CHECK(bi.cmdline_truncated);
    reset();
    window_is_arena();
    mb = mb1_good();
    mb->cmdline = pa(low) + ARENA;   /* just past it */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_MB1, MB1_BOOT_MAGIC, pa(mb)), 0);
    CHECK_STREQ(bi.cmdline, "");
    CHECK(strstr(unit_log, "the command line at") != NULL);
}

TEST(bootinfo_pvh_outside_window)
{
    reset();
    window_is_arena();
    struct pvh *si = pvh_good(2);
    si->memmap = pa(low) + ARENA - 24;   /* 2 entries of 24 bytes: one past the end */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, PVH_START_MAGIC, pa(si)), -EINVAL);
    CHECK(strstr(unit_log, "the PVH memory map at") != NULL);
    reset();
    window_is_arena();
    si = pvh_good(2);
    si->cmdline = 0x100000000ULL;   /* a 64-bit address above the window */
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, PVH_START_MAGIC, pa(si)), 0);
    CHECK_STREQ(bi.cmdline, "");
    CHECK(strstr(unit_log, "the command line at 0x100000000") != NULL);
    reset();
    window_is_arena();
    CHECK_EQ(bootinfo_parse(&bi, BOOT_ENTRY_PVH, PVH_START_MAGIC, pa(low) + ARENA - 4), -EINVAL);
    CHECK(strstr(unit_log, "the PVH start info at") != NULL);
}
