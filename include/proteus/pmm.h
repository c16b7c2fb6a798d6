/*
 * The page-frame allocator: one bit per 4 KiB frame from physical 0 to the
 * top of usable RAM (1 = in use). A bitmap is small (32 KiB per GiB), has no
 * per-frame metadata to corrupt, and answers "is this frame free?" exactly,
 * which is how double frees are caught. A byte per 2 MiB chunk says when a
 * chunk is wholly free or wholly in use, so that setting up costs the
 * number of chunks, not of frames (kernel/pmm.c). Pure code, host-tested;
 * the caller provides the storage and does the locking
 * (kernel/page_alloc.c).
 */
#ifndef PROTEUS_PMM_H
#define PROTEUS_PMM_H

#include <proteus/types.h>

struct pmm {
    u64 *bitmap;
    u8 *chunk;       /* per 512 frames: in use, free, or see the bitmap */
    u64 nframes;     /* frames covered by the bitmap */
    u64 free;        /* frames free now */
    u64 total;       /* frames ever freed into the allocator (usable RAM) */
    u64 hint_low;    /* search starts for bottom-up and top-down allocation */
    u64 hint_high;
};

/* Bytes of storage needed to cover frames [0, nframes): the bitmap in
 * whole chunks (32 KiB per GiB) and a byte per chunk (512 per GiB). */
size_t pmm_bitmap_bytes(u64 nframes);
/* Start with every frame in use; the caller frees the usable ranges. */
void pmm_init(struct pmm *p, u64 *bitmap, u64 nframes);
/* Mark the whole pages inside [base, base+len) free / in use. */
void pmm_add_free(struct pmm *p, paddr_t base, u64 len);
void pmm_reserve(struct pmm *p, paddr_t base, u64 len);

/* One frame strictly below `limit` (0 = no limit). With `top_down` the
 * highest such frame is taken, which keeps low memory for callers that need
 * it. Returns 0 when none is free: frame 0 is never handed out. */
paddr_t pmm_alloc(struct pmm *p, paddr_t limit, bool top_down);
/* `count` contiguous frames below `limit`, lowest first; 0 on failure. */
paddr_t pmm_alloc_contig(struct pmm *p, u64 count, paddr_t limit);
/* Returns 0, or -EINVAL for a frame that is outside the map, unaligned or
 * already free (a double free). */
int pmm_free(struct pmm *p, paddr_t frame);
bool pmm_is_free(const struct pmm *p, paddr_t frame);

#endif
