/*
 * The scenarios: what each changes in the well-formed boot information
 * (bootinfo.c) or in the loaded image before the jump. Each stages one
 * defect of a careless or malicious boot loader, or of the kernel's own
 * earliest code, for the boot rows with `loader =` (tests/boot/tests.cfg).
 * The table at the end says in one line each what the kernel is given.
 */
#include "loader.h"

/* A usable region in the last page below 2^64: base + len = 2^64 - 1 does
 * not overflow, but rounding its start up to a page boundary does. */
#define WRAP_BASE 0xfffffffffffff001ULL
#define WRAP_LEN 0xffeULL
#define E820_RAM 1

/* Just below 4 GiB: a structure placed here runs across the 4 GiB line. */
#define PAST_4G_16 0xfffffff0u
#define PAST_4G_8 0xfffffff8u

static void append(struct boot *b, const char *s)
{
    size_t n = strlen(b->detail), k = strlen(s);
    if (n + k < sizeof(b->detail)) {
        memcpy(b->detail + n, s, k);
        b->detail[n + k] = '\0';
    }
}

static void append_hex(struct boot *b, u32 v, unsigned digits)
{
    char s[9];
    for (unsigned i = 0; i < digits && i < 8; i++)
        s[i] = "0123456789abcdef"[(v >> (4 * (digits - 1 - i))) & 0xf];
    s[digits < 8 ? digits : 8] = '\0';
    append(b, s);
}

static void stage_none(struct boot *b)
{
    (void)b;
}

static void stage_mmap_wrap(struct boot *b)
{
    mb1_mmap_add(b, WRAP_BASE, WRAP_LEN, E820_RAM);
    append(b, "mmap + usable 0xfffffffffffff001 len 0xffe");
}

static void stage_mmap_past_4g(struct boot *b)
{
    b->mb->mmap_addr = PAST_4G_16;
    b->mb->mmap_length = 48;
    append(b, "mmap_addr 0xfffffff0 mmap_length 48");
}

static void stage_mmap_in_page0(struct boot *b)
{
    b->mb->mmap_addr = 0x10;
    b->mb->mmap_length = 48;
    append(b, "mmap_addr 0x10 mmap_length 48");
}

/* PVH's addresses have 64 bits: one above 4 GiB is outside anything the
 * kernel can read before its own page tables. (A Multiboot command line
 * cannot be staged across 4 GiB: SeaBIOS's last bytes hold a NUL.) */
static void stage_pvh_cmdline_above_4g(struct boot *b)
{
    b->pvh->cmdline_paddr = 0x100000000ULL;
    append(b, "cmdline_paddr 0x100000000");
}

static void stage_info_past_4g(struct boot *b)
{
    b->ebx = PAST_4G_8;
}

static void stage_pvh_memmap_past_4g(struct boot *b)
{
    b->pvh->memmap_paddr = PAST_4G_8;
    b->pvh->memmap_entries = 2;
    append(b, "memmap_paddr 0xfffffff8 memmap_entries 2");
}

static void stage_pvh_e820_wrap(struct boot *b)
{
    pvh_memmap_add(b, WRAP_BASE, WRAP_LEN, E820_RAM);
    append(b, "memmap + usable 0xfffffffffffff001 len 0xffe");
}

/* Well-formed information moved to the top of RAM below 4 GiB, outside
 * the first GiB that x86_64's entry stub maps at VA == PA (the kernel
 * reads it through an alias it maps 2 MiB at a time as it reads,
 * arch/x86/x86_64/boot_alias.c): the start info or Multiboot information
 * in the last page, the command line (and loader name) below it, and the
 * memory map across a 2 MiB line, so that it takes two of those pages. A
 * loader is free to put them there; GRUB puts modules high. */
#define HIGH_MIN 0x48000000ULL   /* 1 GiB + 128 MiB: QEMU -m 2G has it */

static u32 high_top(struct boot *b)
{
    u64 top = 0;
    for (unsigned i = 0; i < b->map->n; i++) {
        u64 end = b->map->e[i].base + b->map->e[i].len;
        if (b->map->e[i].type == E820_RAM && end <= 0x100000000ULL && end > top)
            top = end;
    }
    if (top < HIGH_MIN)
        loader_fail("this scenario needs RAM up to 0x%x at least (QEMU -m 2G)", (u32)HIGH_MIN);
    return (u32)top & ~0xfffu;
}

static char *high_string(u32 at, u32 pa)
{
    const char *s = (const char *)(uintptr_t)pa;
    char *d = (char *)(uintptr_t)at;
    memcpy(d, s, strlen(s) + 1);
    return d;
}

static void describe_high(struct boot *b, u32 info, u32 map, u32 line, u32 cmdline)
{
    append(b, "info 0x");
    append_hex(b, info, 8);
    append(b, ", map 0x");
    append_hex(b, map, 8);
    append(b, " across 0x");
    append_hex(b, line, 8);
    append(b, ", cmdline 0x");
    append_hex(b, cmdline, 8);
}

static void stage_info_high(struct boot *b)
{
    u32 top = high_top(b), line = (top - 0x100000) & ~0x1fffffu;
    u32 map = line - 24;   /* one entry below the line, the rest above */
    struct mb1_info *mb = (struct mb1_info *)(uintptr_t)(top - 0x1000);
    *mb = *b->mb;
    memcpy((void *)(uintptr_t)map, (const void *)(uintptr_t)b->mb->mmap_addr, b->mb->mmap_length);
    mb->mmap_addr = map;
    mb->cmdline = (u32)(uintptr_t)high_string(top - 0x2000, b->mb->cmdline);
    mb->boot_loader_name = (u32)(uintptr_t)high_string(top - 0x3000, b->mb->boot_loader_name);
    b->mb = mb;
    b->ebx = (u32)(uintptr_t)mb;
    describe_high(b, b->ebx, map, line, mb->cmdline);
}

static void stage_pvh_info_high(struct boot *b)
{
    u32 top = high_top(b), line = (top - 0x100000) & ~0x1fffffu;
    u32 map = line - (u32)sizeof(struct pvh_memmap_entry);
    struct pvh_start_info *si = (struct pvh_start_info *)(uintptr_t)(top - 0x1000);
    *si = *b->pvh;
    memcpy((void *)(uintptr_t)map, (const void *)(uintptr_t)b->pvh->memmap_paddr,
           b->pvh->memmap_entries * sizeof(struct pvh_memmap_entry));
    si->memmap_paddr = map;
    si->cmdline_paddr = (u32)(uintptr_t)high_string(top - 0x2000, (u32)b->pvh->cmdline_paddr);
    b->pvh = si;
    b->ebx = (u32)(uintptr_t)si;
    describe_high(b, b->ebx, map, line, (u32)si->cmdline_paddr);
}

/* Overwrite the first bytes of the function named by the argument. */
static void patch(struct boot *b, const u8 *bytes, u32 n)
{
    u32 at = image_patch(b->img, b->arg, bytes, n);
    for (u32 i = 0; i < n; i++) {
        append_hex(b, bytes[i], 2);
        append(b, " ");
    }
    append(b, "over ");
    append(b, b->arg);
    append(b, " at 0x");
    append_hex(b, at, 8);
}

/* A loader that ignores bss_end_addr: whatever the memory held is left
 * in the BSS, every byte 0xa5 here. All of it, the part the kernel writes
 * before reading (__noclear) too, so that what that part claims is
 * tested along with the entry's check. */
static void stage_bss_junk(struct boot *b)
{
    memset((void *)(uintptr_t)b->img->load_end, 0xa5, b->img->bss_end - b->img->load_end);
    append(b, "BSS 0x");
    append_hex(b, b->img->load_end, 8);
    append(b, "-0x");
    append_hex(b, b->img->bss_end, 8);
    append(b, " filled with 0xa5");
}

static void stage_ud2(struct boot *b)
{
    static const u8 ud2[] = { 0x0f, 0x0b };
    patch(b, ud2, sizeof(ud2));
}

static void stage_null_read(struct boot *b)
{
    static const u8 read64[] = { 0x8b, 0x04, 0x25, 0, 0, 0, 0 };   /* mov 0x0,%eax (SIB, disp32) */
    static const u8 read32[] = { 0xa1, 0, 0, 0, 0 };               /* mov 0x0,%eax (moffs32) */
    if (b->img->is64)
        patch(b, read64, sizeof(read64));
    else
        patch(b, read32, sizeof(read32));
}

#define MB PROTO_MULTIBOOT
#define PVH PROTO_PVH
static const struct scenario scenarios[] = {
    { "multiboot", false, MB, stage_none,
      "well-formed Multiboot information (the control)" },
    { "pvh", false, PVH, stage_none,
      "a well-formed PVH start info (the control)" },
    { "mmap-wrap", false, MB, stage_mmap_wrap,
      "the real map plus usable {0xfffffffffffff001, 0xffe}: the last page below 2^64" },
    { "mmap-past-4g", false, MB, stage_mmap_past_4g,
      "the map at 0xfffffff0, 48 bytes, runs across 4 GiB; mem_lower/mem_upper valid" },
    { "mmap-in-page0", false, MB, stage_mmap_in_page0,
      "the map at 0x10, 48 bytes, lies in page 0; mem_lower/mem_upper valid" },
    { "pvh-cmdline-above-4g", false, PVH, stage_pvh_cmdline_above_4g,
      "PVH with cmdline_paddr 0x100000000, above 4 GiB" },
    { "info-past-4g", false, MB, stage_info_past_4g,
      "EBX = 0xfffffff8: the information itself runs across 4 GiB" },
    { "pvh-memmap-past-4g", false, PVH, stage_pvh_memmap_past_4g,
      "PVH version 1 with memmap_paddr 0xfffffff8, memmap_entries 2" },
    { "pvh-e820-wrap", false, PVH, stage_pvh_e820_wrap,
      "PVH: the real map as E820 entries plus mmap-wrap's entry" },
    { "info-high", false, MB, stage_info_high,
      "well-formed Multiboot information at the top of RAM, the map across a 2 MiB line" },
    { "pvh-info-high", false, PVH, stage_pvh_info_high,
      "a well-formed PVH start info at the top of RAM, the map across a 2 MiB line" },
    { "bss-junk", false, MB, stage_bss_junk,
      "well-formed Multiboot information, the image's BSS not zeroed (every byte 0xa5)" },
    { "pvh-bss-junk", false, PVH, stage_bss_junk,
      "a well-formed PVH start info, the image's BSS not zeroed (every byte 0xa5)" },
    { "ud2-at", true, MB, stage_ud2,
      "Multiboot, well-formed, with ud2 (0f 0b) over the function SYMBOL's first bytes" },
    { "null-read-at", true, MB, stage_null_read,
      "Multiboot, well-formed, with a read of address 0 over SYMBOL's first bytes" },
    { "pvh-ud2-at", true, PVH, stage_ud2,
      "PVH, well-formed, with ud2 (0f 0b) over SYMBOL's first bytes" },
};

const struct scenario *scenario_find(const char *name, size_t len)
{
    for (unsigned i = 0; i < ARRAY_SIZE(scenarios); i++)
        if (strlen(scenarios[i].name) == len && !memcmp(scenarios[i].name, name, len))
            return &scenarios[i];
    return NULL;
}

void scenario_list(void)
{
    for (unsigned i = 0; i < ARRAY_SIZE(scenarios); i++)
        lprintf("loader:   %s%s: %s\n", scenarios[i].name, scenarios[i].has_arg ? "=SYMBOL" : "",
                scenarios[i].what);
}
