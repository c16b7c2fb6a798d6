/*
 * Grant tables (pv/xen/grant_table.c): how a Xen PV domain lets another
 * domain map or copy one of its frames, the basis of every split driver.
 * Version 1 of the table (Xen's public grant_table.h). Calls return 0 or
 * a negative errno; -ENODEV where the table is not set up (not Xen PV, or
 * Xen refused it: said at boot).
 */
#ifndef INCLUDE_PV_XEN_GRANT_H
#define INCLUDE_PV_XEN_GRANT_H

#include <pv/xen_public.h>
#include <xen/grant_table.h>

/* This domain's id as other domains know it (0 for dom0; a domU reads
 * its own from xenstore), or DOMID_INVALID when unknown. */
extern domid_t xen_domid;

/* Let domain `domid` map the frame at pseudo-physical frame `pfn`,
 * read-only or writable: the reference to pass to it (through xenstore,
 * usually). -ENOSPC when every reference is in use, -EINVAL for a frame
 * beyond the domain's memory. */
int xen_grant_access(domid_t domid, unsigned long pfn, bool readonly, grant_ref_t *ref);
/* End a grant and free its reference: 0, or -EBUSY while the other
 * domain still maps the frame (the grant stays; the frame must not be
 * reused: try again later, or use xen_grant_end_deferred), -EINVAL for a
 * reference not granted. */
int xen_grant_end(grant_ref_t ref);
/* The same, and if the frame is still mapped, keep trying (every 100 ms)
 * and call release(ctx) once the other side let go, from a timer (no
 * blocking in it); returns at once. release runs at once if it can. */
void xen_grant_end_deferred(grant_ref_t ref, void (*release)(void *ctx), void *ctx);
/* References free now, in all, and ends still waiting for a peer. */
unsigned xen_grant_free_count(void);
unsigned xen_grant_count(void);
unsigned xen_grant_deferred_count(void);

/* The other side's calls, for a backend or a test: map another domain's
 * grant at the direct-map page `va` (whose own frame is hidden meanwhile),
 * and unmap it, which maps `va`'s own frame back. Xen's GNTST_* status is
 * turned into an errno (-EPERM for GNTST_general_error, which is what a
 * writable map of a read-only grant gets; -EACCES for
 * GNTST_permission_denied; -EINVAL for a bad reference or domain). */
int xen_grant_map(domid_t domid, grant_ref_t ref, void *va, bool readonly, grant_handle_t *handle);
int xen_grant_unmap(void *va, grant_handle_t handle);

#endif
