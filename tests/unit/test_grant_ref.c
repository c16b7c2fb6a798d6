/*
 * pv/xen/grant_ref.c: the free list of grant references (the reserved
 * entries never handed out, exhaustion an error, a double free refused),
 * the frame count asked of Xen when it allows fewer, and ending a grant
 * against a simulated peer that holds it mapped.
 */
/* unit-sources: pv/xen/grant_ref.c */
#include "unit.h"

#include <proteus/errno.h>
#include "../../pv/xen/grant_ref.h"

#define N 32
static grant_ref_t next[N];
static unsigned char used[N];
static struct gnt_refs r;

TEST(gnt_refs_hand_out_every_unreserved_reference_once)
{
    gnt_refs_init(&r, next, used, N);
    CHECK_EQ(r.free, N - GNTTAB_NR_RESERVED_ENTRIES);
    unsigned char seen[N] = { 0 };
    grant_ref_t g;
    for (unsigned i = 0; i < N - GNTTAB_NR_RESERVED_ENTRIES; i++) {
        CHECK_EQ(gnt_refs_get(&r, &g), 0);
        CHECK(g >= GNTTAB_NR_RESERVED_ENTRIES && g < N);
        CHECK(!seen[g]);
        seen[g] = 1;
    }
    CHECK_EQ(gnt_refs_get(&r, &g), -ENOSPC);
    CHECK_EQ(r.free, 0);
    CHECK_EQ(gnt_refs_put(&r, 20), 0);
    CHECK_EQ(gnt_refs_get(&r, &g), 0);
    CHECK_EQ(g, 20);
}

TEST(gnt_refs_refuse_bad_frees)
{
    gnt_refs_init(&r, next, used, N);
    grant_ref_t g;
    CHECK_EQ(gnt_refs_get(&r, &g), 0);
    CHECK_EQ(gnt_refs_put(&r, g), 0);
    CHECK_EQ(gnt_refs_put(&r, g), -EINVAL);   /* twice */
    CHECK_EQ(gnt_refs_put(&r, GNTTAB_RESERVED_XENSTORE), -EINVAL);
    CHECK_EQ(gnt_refs_put(&r, N), -EINVAL);
    CHECK_EQ(gnt_refs_put(&r, GNT_END), -EINVAL);
    CHECK_EQ(r.free, N - GNTTAB_NR_RESERVED_ENTRIES);
}

TEST(gnt_refs_a_table_of_only_reserved_entries)
{
    gnt_refs_init(&r, next, used, GNTTAB_NR_RESERVED_ENTRIES);
    grant_ref_t g;
    CHECK_EQ(gnt_refs_get(&r, &g), -ENOSPC);
}

TEST(gnt_frames_to_use_follows_what_xen_allows)
{
    CHECK_EQ(gnt_frames_to_use(1, 64, 4), 4);
    CHECK_EQ(gnt_frames_to_use(1, 2, 4), 2);    /* a table smaller than asked */
    CHECK_EQ(gnt_frames_to_use(0, 0, 4), 0);    /* none at all */
    CHECK_EQ(gnt_frames_to_use(8, 64, 4), 8);   /* never shrink what is there */
}

TEST(gnt_entry_end_refuses_while_the_peer_maps)
{
    grant_entry_v1_t e = { .flags = GTF_permit_access, .domid = 0, .frame = 5 };
    e.flags |= GTF_reading;   /* the peer mapped it */
    CHECK_EQ(gnt_entry_end(&e), -EBUSY);
    CHECK_EQ(e.flags, GTF_permit_access | GTF_reading);
    e.flags = GTF_permit_access | GTF_reading | GTF_writing;
    CHECK_EQ(gnt_entry_end(&e), -EBUSY);
    e.flags = GTF_permit_access | GTF_readonly;   /* unmapped */
    CHECK_EQ(gnt_entry_end(&e), 0);
    CHECK_EQ(e.flags, 0);
}
