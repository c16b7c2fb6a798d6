/*
 * The boot information from Xen's start_info (pv/xen/start_info.c).
 */
#ifndef PV_XEN_START_INFO_H
#define PV_XEN_START_INFO_H

#include <pv/xen_public.h>

struct boot_info;

/* Fill `bi` from start_info, given where the image starts and the stack
 * pointer Xen entered with (the top of the bootstrap region); 0, or a
 * negative errno after a message saying what was wrong. */
int xen_boot_info(struct boot_info *bi, const start_info_t *si, u64 image_start, u64 entry_sp);
/* Whether the whole P2M list (nr_pages machine frame numbers at mfn_list)
 * lies inside [image_start, bootstrap_end). */
bool xen_p2m_list_ok(const start_info_t *si, u64 image_start, u64 bootstrap_end);

#endif
