/*
 * The LDT, per thread, in the spirit of Linux's modify_ldt: read, install,
 * change and clear descriptors of the current thread's LDT, which the
 * scheduler loads on every switch to it. Descriptors are described by
 * their fields (struct ldt_info) or given raw; either way they are checked
 * first, and a refused one (EINVAL) leaves the LDT as it was:
 *
 *   - only code and data segments: no system descriptors, no call gates
 *   - DPL 3: an LDT segment is never more privileged than user code
 *   - no conforming code segments (they would run at the caller's ring)
 *   - i386: the segment's reach (base..base+limit, or the expand-down
 *     range) must lie inside the app's heap window: everything else in the
 *     address space is the kernel's (its image, which holds the app's own
 *     code and data too, the direct map with page tables and thread state,
 *     stacks, MMIO); x86_64 has no segment limits to check
 *   - x86_64: no L and D together (reserved, SDM 3.4.5); i386: no L
 *
 * SDM Vol. 3A, 3.4.5 (segment descriptors), 3.5.1 (the LDT), 5.5 (privilege).
 */
#ifndef PROTEUS_LDT_H
#define PROTEUS_LDT_H

#include <arch/desc.h>
#include <proteus/types.h>

#define LDT_ENTRIES 512   /* one page of descriptors */

enum ldt_contents {
    LDT_DATA = 0,
    LDT_DATA_EXPAND_DOWN = 1,
    LDT_CODE = 2,
};

struct ldt_info {
    unsigned entry;
    u32 base;
    u32 limit;              /* in bytes, or pages with limit_in_pages */
    enum ldt_contents contents;
    bool seg_32bit;         /* D/B: 32-bit (else 16-bit) */
    bool read_exec_only;    /* data: read-only; code: execute-only */
    bool limit_in_pages;    /* G */
    bool seg_not_present;
    bool lm;                /* x86_64: 64-bit code (L) */
};

/* Selector for an LDT entry (TI = 1, RPL 3). */
static inline u16 ldt_selector(unsigned entry)
{
    return (u16)(entry << 3 | 4 | 3);
}

int ldt_set(const struct ldt_info *info);
int ldt_set_raw(unsigned entry, struct seg_desc desc);
int ldt_clear(unsigned entry);
/* The descriptor in `entry` (all zero if never set); -EINVAL out of range. */
int ldt_get(unsigned entry, struct seg_desc *out);
/* How many entries the current thread's LDT has in use (highest + 1). */
unsigned ldt_entries_used(void);
/* The current thread's LDT page, or NULL if it has none: for inspecting
 * how it is mapped (selftest checks Xen PV maps it read-only). */
const void *ldt_current_table(void);

/* Pure helpers (arch/x86/ldt_desc.c), host-tested. */
int ldt_desc_from_info(const struct ldt_info *info, struct seg_desc *out);
int ldt_desc_check(struct seg_desc d, u32 allow_lo, u32 allow_hi, bool long_mode);

#endif
