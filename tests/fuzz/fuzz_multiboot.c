/*
 * kernel/bootinfo.c against any Multiboot 1 handover a boot loader may
 * make: the information structure, its memory map (entry sizes, lengths),
 * the mem_lower/mem_upper fallback and the command line, anywhere in or
 * out of the memory the kernel can read at boot.
 *
 * Input: a header of 16 bytes, then the arena's contents (boot_arena.h).
 * Header: u32 magic selector (0: the Multiboot magic, else taken raw), u32
 * info pointer, u32 cmdline pointer, u32 mmap_addr pointer (each an arena
 * offset unless bit 31 is set: boot_arena.h). The pointers are written
 * into the information structure in the arena before the call; flags,
 * mmap_length, mem_lower/mem_upper and the rest are the input's own.
 *
 * Invariants:
 *   - the result is 0, -EINVAL or -ENOMEM, and nothing is read outside the
 *     arena (the pages around it fault);
 *   - on success: the map has the shape memmap_normalize promises, RAM
 *     above 1 MiB exists, every usable byte lies in a usable range the
 *     loader reported (the map's entries as the protocol defines them, or
 *     the mem_lower/mem_upper ranges when the kernel said it fell back)
 *     and in no reserved one; the command line is NUL-terminated inside
 *     its buffer and copied verbatim from the arena.
 */
/* fuzz-sources: kernel/bootinfo.c kernel/memmap.c */
#include "fuzz.h"
#include "boot_arena.h"
#include "memmap_check.h"

#include <arch/boot.h>
#include <proteus/errno.h>

/* The fields of the Multiboot information (Multiboot 0.6.96, 3.3). */
#define MB_FLAGS 0
#define MB_MEM_LOWER 4
#define MB_MEM_UPPER 8
#define MB_CMDLINE 16
#define MB_MMAP_LENGTH 44
#define MB_MMAP_ADDR 48
#define MB_SIZE 52
#define MAX_INPUT 4096   /* kernel/bootinfo.c refuses longer maps */

static uint32_t get32(uint32_t pa)
{
    uint32_t v;
    memcpy(&v, arena + (pa - arena_pa()), 4);
    return v;
}

static bool in_arena(uint32_t pa, uint32_t len)
{
    return pa >= arena_pa() && (uint64_t)pa + len <= (uint64_t)arena_pa() + ARENA_SIZE;
}

/* The loader's RAM as the protocol defines it: the map's entries up to the
 * first malformed one (every one: the kernel reads them all, up to 4096);
 * or mem_lower/mem_upper. */
static unsigned reported(uint32_t info, struct input_range *out, bool fell_back)
{
    unsigned n = 0;
    uint32_t flags = get32(info + MB_FLAGS);
    if (fell_back) {
        out[n++] = (struct input_range){ 0, (uint64_t)get32(info + MB_MEM_LOWER) * 1024,
                                         MEM_USABLE };
        out[n++] = (struct input_range){ 0x100000, (uint64_t)get32(info + MB_MEM_UPPER) * 1024,
                                         MEM_USABLE };
        return n;
    }
    uint32_t map = get32(info + MB_MMAP_ADDR), len = get32(info + MB_MMAP_LENGTH);
    if (!(flags & (1 << 6)) || !in_arena(map, len))
        return 0;
    for (uint64_t off = 0; off + 4 <= len && n < MAX_INPUT;) {
        uint32_t size = get32(map + (uint32_t)off);
        if (size < 20 || off + 4 + size > len)
            break;
        uint64_t base, length;
        memcpy(&base, arena + (map - arena_pa()) + off + 4, 8);
        memcpy(&length, arena + (map - arena_pa()) + off + 12, 8);
        out[n++] = (struct input_range){ base, length, get32(map + (uint32_t)off + 20) };
        off += 4 + (uint64_t)size;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct boot_info bi;
    static struct input_range in[MAX_INPUT];
    struct fuzz_in fin = fuzz_in(data, size);
    arena_setup();   /* first: arena_pointer needs the arena mapped */
    uint32_t magic = fuzz_u32(&fin), info = arena_pointer(fuzz_u32(&fin));
    uint32_t cmdline = arena_pointer(fuzz_u32(&fin)), mmap = arena_pointer(fuzz_u32(&fin));
    size_t got;
    const uint8_t *body = fuzz_bytes(&fin, ARENA_SIZE, &got);
    memcpy(arena, body, got);
    if (in_arena(info, MB_SIZE)) {
        memcpy(arena + (info - arena_pa()) + MB_CMDLINE, &cmdline, 4);
        memcpy(arena + (info - arena_pa()) + MB_MMAP_ADDR, &mmap, 4);
    }

    arena_close();
    int err = bootinfo_parse(&bi, BOOT_ENTRY_MB1, magic ? magic : MB1_BOOT_MAGIC, info);
    arena_open();
    FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ENOMEM, "returned %d", err);
    FUZZ_CHECK(memchr(bi.cmdline, '\0', sizeof(bi.cmdline)), "command line not terminated");
    if (err)
        return 0;
    FUZZ_CHECK(in_arena(info, MB_SIZE), "accepted information at %#x outside the arena", info);
    memmap_check_shape(&bi.mem);
    FUZZ_CHECK(memmap_usable_bytes(&bi.mem, 0x100000) > 0, "accepted without RAM above 1 MiB");
    /* the kernel falls back exactly when the map gave no entry that
     * memmap_add records (non-empty, not passing 2^64) */
    unsigned n = reported(info, in, false), recorded = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t end;
        recorded += in[i].len && !__builtin_add_overflow(in[i].base, in[i].len, &end);
    }
    bool fell_back = recorded == 0;
    if (fell_back)
        n = reported(info, in, true);
    memmap_check_within(&bi.mem, in, n);

    uint32_t flags = get32(info + MB_FLAGS);
    if ((flags & (1 << 2)) && in_arena(cmdline, 1)) {
        size_t len = strlen(bi.cmdline);
        FUZZ_CHECK(!memcmp(bi.cmdline, arena + (cmdline - arena_pa()), len),
                   "the command line differs from the loader's");
    } else {
        FUZZ_CHECK(bi.cmdline[0] == '\0', "a command line from nowhere: '%s'", bi.cmdline);
    }
    return 0;
}
