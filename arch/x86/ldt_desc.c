/*
 * Building and checking LDT descriptors (the rules are listed in
 * include/proteus/ldt.h). Pure code: the host tests run it unchanged.
 * Field layout: SDM Vol. 3A, 3.4.5, figure 3-8; type field: table 3-1.
 */
#include <proteus/errno.h>
#include <proteus/ldt.h>

#define TYPE_CODE 0x8         /* bit 3 of the type: code */
#define TYPE_CONFORMING 0x4   /* code: conforming; data: expand-down */
#define TYPE_WRITE_READ 0x2   /* data: writable; code: readable */

int ldt_desc_from_info(const struct ldt_info *in, struct seg_desc *out)
{
    if (in->entry >= LDT_ENTRIES || in->contents > LDT_CODE)
        return -EINVAL;
    if (in->limit > 0xfffff)
        return -EINVAL;   /* the limit field has 20 bits, in bytes or pages */
    u32 limit = in->limit;
    u32 type;
    switch (in->contents) {
    case LDT_CODE:
        type = TYPE_CODE | (in->read_exec_only ? 0 : TYPE_WRITE_READ);
        break;
    case LDT_DATA_EXPAND_DOWN:
        type = TYPE_CONFORMING | (in->read_exec_only ? 0 : TYPE_WRITE_READ);
        break;
    default:
        type = in->read_exec_only ? 0 : TYPE_WRITE_READ;
        break;
    }
    u32 flags = (in->seg_32bit ? DESC_DB : 0) | (in->limit_in_pages ? DESC_G : 0) |
                (in->lm ? DESC_L : 0);
    *out = seg_desc_make(in->base, limit, type, true, 3, flags);
    if (in->seg_not_present)
        out->hi &= ~DESC_P;
    return 0;
}

/* Is [lo, hi] (inclusive; past 4 GiB means it wraps) inside [alo, ahi)? */
static bool inside(u64 lo, u64 hi, u64 alo, u64 ahi)
{
    return hi <= 0xffffffffULL && lo >= alo && hi < ahi;
}

int ldt_desc_check(struct seg_desc d, u32 allow_lo, u32 allow_hi, bool long_mode)
{
    if (!(d.hi & DESC_P) && !d.lo && !(d.hi & ~DESC_P))
        return 0;   /* an empty entry */
    if (!(d.hi & DESC_S))
        return -EINVAL;   /* system descriptor: LDT, TSS, call/trap/interrupt gate */
    if (((d.hi >> DESC_DPL_SHIFT) & 3) != 3)
        return -EINVAL;   /* more privileged than user code */
    u32 type = (d.hi >> DESC_TYPE_SHIFT) & 0xf;
    bool code = type & TYPE_CODE;
    if (code && (type & TYPE_CONFORMING))
        return -EINVAL;
    if (d.hi & DESC_L) {
        if (!long_mode || !code || (d.hi & DESC_DB))
            return -EINVAL;
        return 0;   /* 64-bit code: no base or limit applies */
    }
    if (long_mode)
        return 0;   /* limits are not checked in 64-bit mode (SDM 3.4.4) */
    u64 base = seg_desc_base(d), limit = seg_desc_limit(d);
    u64 lo, hi;
    if (!code && (type & TYPE_CONFORMING)) {   /* expand-down: (limit, upper] */
        u64 upper = (d.hi & DESC_DB) ? 0xffffffffULL : 0xffffULL;
        if (limit >= upper)
            return 0;   /* an empty segment reaches nothing */
        lo = base + limit + 1;
        hi = base + upper;
    } else {
        lo = base;
        hi = base + limit;
    }
    return inside(lo, hi, allow_lo, allow_hi) ? 0 : -EINVAL;
}
