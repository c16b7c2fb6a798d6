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
