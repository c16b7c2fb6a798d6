/*
 * Grant references and the v1 entry protocol (Xen's public
 * grant_table.h, "Grant table entries" and GTF_*): pure code, tested on
 * the host (tests/unit/test_grant_ref.c), used by pv/xen/grant_table.c.
 *
 * A grant is published by writing frame and domid first and flags last;
 * it ends by clearing flags, but only while the peer holds neither
 * GTF_reading nor GTF_writing, which Xen sets in the same 16-bit field
 * while the frame is mapped or being copied. A compare-and-exchange on
 * the flags makes the test and the clear one step, so a mapping that
 * races the end either sees the grant still there (and the end fails
 * with -EBUSY) or sees it gone.
 */
#include "grant_ref.h"
#include <proteus/errno.h>

void gnt_refs_init(struct gnt_refs *r, grant_ref_t *next, unsigned char *used, unsigned count)
{
    r->next = next;
    r->used = used;
    r->count = count;
    r->head = GNT_END;
    r->free = 0;
    for (unsigned i = count; i-- > GNTTAB_NR_RESERVED_ENTRIES;) {
        next[i] = r->head;
        used[i] = 0;
        r->head = i;
        r->free++;
    }
    for (unsigned i = 0; i < count && i < GNTTAB_NR_RESERVED_ENTRIES; i++)
        used[i] = 1;
}

int gnt_refs_get(struct gnt_refs *r, grant_ref_t *ref)
{
    if (r->head == GNT_END)
        return -ENOSPC;
    grant_ref_t g = r->head;
    r->head = r->next[g];
    r->used[g] = 1;
    r->free--;
    *ref = g;
    return 0;
}

int gnt_refs_put(struct gnt_refs *r, grant_ref_t ref)
{
    if (ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= r->count || !r->used[ref])
        return -EINVAL;
    r->used[ref] = 0;
    r->next[ref] = r->head;
    r->head = ref;
    r->free++;
    return 0;
}

unsigned gnt_frames_to_use(unsigned now, unsigned max, unsigned wanted)
{
    unsigned n = wanted < max ? wanted : max;
    return n < now ? now : n;
}

/*T:898 The grant's end. netfront ends its grants only when a device that
 * did not come up gives its pages back (nf_release, xenbus_give_back,
 * xen_grant_end_deferred); a connected vif keeps them until the domain
 * ends. Ending is the flags word cleared, but only while Xen has set
 * neither GTF_reading nor GTF_writing in it
 * (xen/include/public/grant_table.h: set while the peer maps or copies
 * the frame). Test and
 * clear in one compare-and-exchange: a map that comes between would
 * otherwise find the grant still there, and the page freed under it
 * would go on being read or written by the other domain. -EBUSY leaves
 * the grant, and the caller must not reuse the frame. */
int gnt_entry_end(volatile grant_entry_v1_t *e)
{
    u16 flags = e->flags;
    for (;;) {
        if (flags & (GTF_reading | GTF_writing))
            return -EBUSY;
        /* on failure, flags is reloaded with what the peer left there */
        if (__atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return 0;
    }
}
