/*
 * The grant table's pure part (pv/xen/grant_ref.c): which references are
 * free, how many frames to ask Xen for, and ending a grant the other side
 * may still be using. Grant table v1: Xen's public grant_table.h.
 */
#ifndef PV_XEN_GRANT_REF_H
#define PV_XEN_GRANT_REF_H

#include <pv/xen_public.h>
#include <xen/grant_table.h>

/* Free references as a list threaded through `next` (one entry per
 * reference the table holds); the first GNTTAB_NR_RESERVED_ENTRIES are
 * the toolstack's (console, xenstore) and never handed out. */
struct gnt_refs {
    grant_ref_t *next;   /* next free after each free one; GNT_END ends */
    grant_ref_t head;
    unsigned count, free;
    unsigned char *used;   /* one byte per reference: handed out */
};
#define GNT_END ((grant_ref_t)~0u)

/* Over `next` and `used`, arrays of `count` entries. */
void gnt_refs_init(struct gnt_refs *r, grant_ref_t *next, unsigned char *used, unsigned count);
/* A free reference, or -ENOSPC when every one is in use. */
int gnt_refs_get(struct gnt_refs *r, grant_ref_t *ref);
/* Give one back: 0, or -EINVAL for a reserved one, one out of range or
 * one not handed out (a double free is refused, never chained twice). */
int gnt_refs_put(struct gnt_refs *r, grant_ref_t ref);

/* Frames to set the table up with: `wanted`, or fewer when Xen allows
 * fewer (`max`); never fewer than it has already (`now`). 0 when even one
 * frame is not allowed. */
unsigned gnt_frames_to_use(unsigned now, unsigned max, unsigned wanted);

/* End a grant: clear its flags unless the peer has it mapped or is
 * copying (GTF_reading, GTF_writing), atomically, so the peer can never
 * map it after this says it ended. 0, or -EBUSY: still in use, unchanged. */
int gnt_entry_end(volatile grant_entry_v1_t *e);

#endif
