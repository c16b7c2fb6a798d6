/*
 * The physical memory map, as E820-style regions. Boot code adds what the
 * loader reported (Multiboot mmap, PVH memmap); memmap_normalize() turns that
 * into sorted, non-overlapping regions where reserved memory always wins over
 * RAM and usable RAM is trimmed to whole pages. Pure code, host-tested.
 */
#ifndef PROTEUS_MEMMAP_H
#define PROTEUS_MEMMAP_H

#include <proteus/types.h>

/* E820 / Multiboot / PVH region types (ACPI spec 6.5, table 15-374). */
enum {
    MEM_USABLE = 1,
    MEM_RESERVED = 2,
    MEM_ACPI = 3,
    MEM_NVS = 4,
    MEM_UNUSABLE = 5,
    MEM_DISABLED = 6,
    MEM_PMEM = 7,
};

#define MEMMAP_MAX 128

struct mem_region {
    u64 base;
    u64 len;
    u32 type;
};

struct memmap {
    struct mem_region r[MEMMAP_MAX];
    unsigned n;
    unsigned dropped;   /* entries lost: usable ones wrapping past 2^64, or one
                           that found no room (RAM goes first, memmap_add) */
    bool reserved_lost; /* a non-usable range found no room: no RAM is taken
                           from then on, since it might lie over that range */
    bool compact_failed; /* normalising a full table freed nothing */
};

void memmap_init(struct memmap *m);
/* Record a region as reported; zero-length entries are skipped, usable
 * ones that wrap past 2^64 are dropped and counted, a non-usable one that
 * wraps is kept, up to 2^64 - 1. When the table is full it is normalised
 * to make room; failing that a usable region is dropped (and counted),
 * never a non-usable one while RAM is left to drop. */
void memmap_add(struct memmap *m, u64 base, u64 len, u32 type);
void memmap_normalize(struct memmap *m);
/* Drop usable RAM at and above `top` (rounded down to a page): `mem=`. */
void memmap_limit(struct memmap *m, u64 top);
/* Take `bytes` (rounded up to pages) of usable RAM at or above
 * MEMMAP_TAKE_FLOOR, ending at or below `below`, clear of [avoid_lo,
 * avoid_hi): out of the map, so that nothing that reads the map later (the
 * frame allocator, the direct map) hands it out or maps it. For memory
 * needed before there is a frame allocator. The map must be normalised.
 * Returns the base, or 0 when no region has room. */
#define MEMMAP_TAKE_FLOOR 0x100000ULL
u64 memmap_take(struct memmap *m, u64 bytes, u64 below, u64 avoid_lo, u64 avoid_hi);
u64 memmap_usable_bytes(const struct memmap *m, u64 from);
const char *memmap_type_name(u32 type);

#endif
