/*
 * kernel/bootinfo.c against any PVH handover (Xen's public
 * arch-x86/hvm/start_info.h): the start info, its E820 map and command
 * line, anywhere in or out of the memory the kernel can read at boot;
 * the magic is read by the kernel from the structure itself.
 *
 * Input: a header of 16 bytes, then the arena's contents (boot_arena.h).
 * Header: u32 start info pointer, u32 cmdline pointer, u32 memmap pointer
 * (each an arena offset unless bit 31 is set), u32 memmap_entries. The
 * pointers and the count are written into the start info in the arena
 * (the 64-bit address fields get the 32-bit value, or with bit 30 of the
 * count set, 2^32 + the value: an address above 4 GiB).
 *
 * Invariants:
 *   - the result is 0, -EINVAL or -ENOMEM, and nothing is read outside the
 *     arena (the pages around it fault);
 *   - on success: the start info lies in the arena with the PVH magic; the
 *     map has memmap_normalize's shape, RAM above 1 MiB exists, every
 *     usable byte lies in a usable E820 entry given and in none of the
 *     reserved ones (all of them, however many); the command line is
 *     NUL-terminated and copied verbatim.
 */
/* fuzz-sources: kernel/bootinfo.c kernel/memmap.c */
#include "fuzz.h"
#include "boot_arena.h"
#include "memmap_check.h"

#include <arch/boot.h>
#include <proteus/errno.h>

/* hvm_start_info and hvm_memmap_table_entry offsets. */
#define SI_MAGIC 0
#define SI_CMDLINE 24
#define SI_MEMMAP 40
#define SI_ENTRIES 48
#define SI_SIZE 56
#define E820_SIZE 24

static bool in_arena(uint64_t pa, uint64_t len)
{
    return pa >= arena_pa() && pa + len <= (uint64_t)arena_pa() + ARENA_SIZE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;
    static struct input_range in[4096];   /* kernel/bootinfo.c refuses more */
    struct fuzz_in fin = fuzz_in(data, size);
    arena_setup();   /* first: arena_pointer needs the arena mapped */
    uint32_t si = arena_pointer(fuzz_u32(&fin));
    uint64_t cmdline = arena_pointer(fuzz_u32(&fin)), map = arena_pointer(fuzz_u32(&fin));
    uint32_t entries = fuzz_u32(&fin);
    if (entries & (1u << 30)) {
        cmdline += 1ULL << 32;
        map += 1ULL << 32;
    }
    entries &= ~(1u << 30);
    size_t got;
    const uint8_t *body = fuzz_bytes(&fin, ARENA_SIZE, &got);
    memcpy(arena, body, got);
    if (in_arena(si, SI_SIZE)) {
        uint8_t *s = arena + (si - arena_pa());
        memcpy(s + SI_CMDLINE, &cmdline, 8);
        memcpy(s + SI_MEMMAP, &map, 8);
        memcpy(s + SI_ENTRIES, &entries, 4);
    }

    arena_close();
    int err = bootinfo_parse(&bi, BOOT_ENTRY_PVH, 0, si);
    arena_open();
    FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ENOMEM, "returned %d", err);
    FUZZ_CHECK(memchr(bi.cmdline, '\0', sizeof(bi.cmdline)), "command line not terminated");
    if (err)
        return 0;
    FUZZ_CHECK(in_arena(si, SI_SIZE), "accepted a start info at %#x outside the arena", si);
    uint32_t magic;
    memcpy(&magic, arena + (si - arena_pa()) + SI_MAGIC, 4);
    FUZZ_CHECK(magic == PVH_START_MAGIC, "accepted magic %#x", magic);
    memmap_check_shape(&bi.mem);
    FUZZ_CHECK(memmap_usable_bytes(&bi.mem, 0x100000) > 0, "accepted without RAM above 1 MiB");
    unsigned n = entries;
    FUZZ_CHECK(in_arena(map, (uint64_t)n * E820_SIZE), "accepted a map outside the arena");
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = arena + (map - arena_pa()) + i * E820_SIZE;
        memcpy(&in[i].base, e, 8);
        memcpy(&in[i].len, e + 8, 8);
        memcpy(&in[i].type, e + 16, 4);
    }
    memmap_check_within(&bi.mem, in, n);
    if (in_arena(cmdline, 1))
        FUZZ_CHECK(!memcmp(bi.cmdline, arena + (cmdline - arena_pa()), strlen(bi.cmdline)),
                   "the command line differs from the loader's");
    else
        FUZZ_CHECK(bi.cmdline[0] == '\0', "a command line from nowhere: '%s'", bi.cmdline);
    return 0;
}
