/*
 * Well-formed boot information, the starting point of every scenario:
 * Multiboot 1 information as QEMU's own loader gives it (the real memory
 * map and mem_lower/mem_upper, a command line that starts with the image's
 * name), or a PVH start info as QEMU's PVH boot gives it (version 1, the
 * real map as E820 entries, the command line alone, the ACPI RSDP). All of
 * it lives in the loader's BSS, far above the image.
 */
#include "loader.h"

#define CMDLINE_MAX 1024

static struct mb1_info mb;
static struct mb1_mmap_entry mmap[MAP_MAX + 4];
static unsigned mmap_n;
static struct pvh_start_info pvh;
static struct pvh_memmap_entry memmap[MAP_MAX + 4];
static char cmdline[CMDLINE_MAX];
static const char loader_name[] = "proteus hostile test loader";

void mb1_mmap_add(struct boot *b, u64 base, u64 len, u32 type)
{
    if (mmap_n == ARRAY_SIZE(mmap))
        loader_fail("more than %u memory-map entries", (unsigned)ARRAY_SIZE(mmap));
    mmap[mmap_n] = (struct mb1_mmap_entry){ MB1_MMAP_ENTRY_SIZE, base, len, type };
    mmap_n++;
    b->mb->mmap_addr = (u32)(uintptr_t)mmap;
    b->mb->mmap_length = mmap_n * sizeof(mmap[0]);
}

void pvh_memmap_add(struct boot *b, u64 base, u64 len, u32 type)
{
    unsigned n = b->pvh->memmap_entries;
    if (n == ARRAY_SIZE(memmap))
        loader_fail("more than %u memory-map entries", (unsigned)ARRAY_SIZE(memmap));
    memmap[n] = (struct pvh_memmap_entry){ base, len, type, 0 };
    b->pvh->memmap_paddr = (u32)(uintptr_t)memmap;
    b->pvh->memmap_entries = n + 1;
}

/* The command line: QEMU's Multiboot loader puts the kernel's file name
 * first (the kernel skips that word); its PVH boot passes -append alone. */
static void set_cmdline(const char *first, const char *rest)
{
    size_t a = first ? strlen(first) : 0, r = strlen(rest);
    if (a + 1 + r + 1 > sizeof(cmdline))
        loader_fail("the kernel command line is longer than %u bytes", CMDLINE_MAX - 1);
    char *d = cmdline;
    if (first) {
        memcpy(d, first, a);
        d += a;
        if (r)
            *d++ = ' ';
    }
    memcpy(d, rest, r);
    d[r] = '\0';
}

static bool rsdp_at(u32 pa)
{
    const u8 *p = (const u8 *)(uintptr_t)pa;
    u8 sum = 0;
    if (memcmp(p, "RSD PTR ", 8))
        return false;
    for (unsigned i = 0; i < 20; i++)   /* the ACPI 1.0 part's checksum */
        sum += p[i];
    return sum == 0;
}

/* ACPI 6.5, 5.2.5.1: the RSDP is on a 16-byte boundary in the EBDA's
 * first KiB (segment at 0x40e) or in 0xE0000-0xFFFFF. QEMU's PVH boot
 * hands it over, so a well-formed start info does too. */
static u32 find_rsdp(void)
{
    u32 ebda = (u32)*(const volatile u16 *)(uintptr_t)0x40e << 4;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        for (u32 pa = ebda; pa < ebda + 1024; pa += 16)
            if (rsdp_at(pa))
                return pa;
    for (u32 pa = 0xe0000; pa < 0x100000; pa += 16)
        if (rsdp_at(pa))
            return pa;
    return 0;
}

void boot_build(struct boot *b, const char *image_path, const char *kernel_cmdline)
{
    const struct real_map *m = b->map;
    if (b->proto == PROTO_MULTIBOOT) {
        /* Multiboot 3.2 and 3.3: EAX the magic, EBX the information. */
        b->mb = &mb;
        b->entry = b->img->mb1_entry;
        b->eax = MB1_BOOT_MAGIC;
        b->ebx = (u32)(uintptr_t)&mb;
        mb.flags = MB1_INFO_MEM | MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME;
        mb.mem_lower = m->mem_lower;
        mb.mem_upper = m->mem_upper;
        set_cmdline(image_path, kernel_cmdline);
        mb.cmdline = (u32)(uintptr_t)cmdline;
        mb.boot_loader_name = (u32)(uintptr_t)loader_name;
        for (unsigned i = 0; i < m->n; i++)
            mb1_mmap_add(b, m->e[i].base, m->e[i].len, m->e[i].type);
    } else {
        /* start_info.h: EBX the start info, whose first word is the
         * magic; EAX is not defined (0 here). */
        b->pvh = &pvh;
        b->entry = image_pvh_entry(b->img);
        b->eax = 0;
        b->ebx = (u32)(uintptr_t)&pvh;
        pvh.magic = PVH_START_MAGIC;
        pvh.version = 1;
        set_cmdline(NULL, kernel_cmdline);
        pvh.cmdline_paddr = (u32)(uintptr_t)cmdline;
        pvh.rsdp_paddr = find_rsdp();
        /* Multiboot's memory types are E820's, which PVH uses too. */
        for (unsigned i = 0; i < m->n; i++)
            pvh_memmap_add(b, m->e[i].base, m->e[i].len, m->e[i].type);
    }
}
