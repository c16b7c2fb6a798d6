/*
 * arch/x86/ldt_desc.c against any descriptor an app may ask for, by fields
 * (ldt_set) or raw (ldt_set_raw): the rules are include/proteus/ldt.h's
 * and docs/ldt.md's, the encoding SDM Vol. 3A, 3.4.5 (figure 3-8, table
 * 3-1) and 3.4.5.1 (expand-down limits).
 *
 * Input: records until it ends. A record is a mode byte and its fields:
 *   bit 0 clear: fields, as ldt_set takes them: entry (2 bytes), base (4),
 *     limit (4), contents (1, any value), flags (1: bit 0 seg_32bit,
 *     1 read_exec_only, 2 limit_in_pages, 3 seg_not_present, 4 lm);
 *     the descriptor built is then checked like a raw one;
 *   bit 0 set: a raw descriptor, low then high dword (4 + 4);
 *   bit 1: check for long mode (x86_64) instead of i386;
 *   bit 2: a window of the record's own (allow_lo, allow_hi: 4 + 4, after
 *     the fields) instead of the kernel's i386 heap window
 *     [0xc0000000, 0xe0000000);
 *   then 4 bytes: one more offset to probe.
 *
 * Invariants:
 *   - ldt_desc_from_info refuses exactly an entry >= LDT_ENTRIES, an
 *     unknown contents or a limit over 20 bits; what it builds has S=1,
 *     DPL 3, never conforming code, P unless asked, and the requested
 *     base, limit, granularity, size, L bit and type;
 *   - ldt_desc_check accepts exactly what the rules allow (an all-zero
 *     entry; otherwise code/data only, DPL 3, no conforming code, L only
 *     for 64-bit code in long mode and without D, and on i386 a reach
 *     inside the window, an empty expand-down segment reaching nothing);
 *   - on i386, every offset a segment it accepts makes valid (probed at
 *     0, the limit, just past it, the top and the record's own offset)
 *     gives a linear address below 4 GiB inside the window: no accepted
 *     segment reaches kernel space or wraps into it.
 */
/* fuzz-sources: arch/x86/ldt_desc.c */
#include "fuzz.h"

#include <proteus/errno.h>
#include <proteus/ldt.h>

#define HEAP_LO 0xc0000000u   /* VM_HEAP_BASE..VM_STACK_BASE on i386 */
#define HEAP_HI 0xe0000000u

/* SDM Vol. 3A, figure 3-8, decoded here rather than with arch/desc.h. */
struct fields {
    uint32_t base, raw_limit;
    unsigned type, s, dpl, p, avl, l, db, g;
};

static struct fields decode(struct seg_desc d)
{
    struct fields f;
    f.base = (d.lo >> 16) | (d.hi & 0xff) << 16 | (d.hi & 0xff000000u);
    f.raw_limit = (d.lo & 0xffff) | (d.hi & 0x000f0000u);
    f.type = d.hi >> 8 & 0xf;
    f.s = d.hi >> 12 & 1;
    f.dpl = d.hi >> 13 & 3;
    f.p = d.hi >> 15 & 1;
    f.avl = d.hi >> 20 & 1;
    f.l = d.hi >> 21 & 1;
    f.db = d.hi >> 22 & 1;
    f.g = d.hi >> 23 & 1;
    return f;
}

static uint64_t eff_limit(const struct fields *f)
{
    return f->g ? (uint64_t)f->raw_limit << 12 | 0xfff : f->raw_limit;
}

static bool is_code(const struct fields *f) { return f->type & 8; }
static bool expand_down(const struct fields *f) { return !is_code(f) && (f->type & 4); }

/* Valid offsets per SDM 3.4.5.1: up to the limit, or for expand-down
 * above it up to 0xffff / 0xffffffff (B flag). */
static bool offset_valid(const struct fields *f, uint64_t off)
{
    uint64_t top = f->db ? 0xffffffffu : 0xffffu;
    if (expand_down(f))
        return off > eff_limit(f) && off <= top;
    return off <= eff_limit(f) && off <= 0xffffffffu;
}

static bool model_check(struct seg_desc d, uint32_t lo, uint32_t hi, bool long_mode)
{
    if (!d.lo && !d.hi)
        return true;
    struct fields f = decode(d);
    if (!f.s || f.dpl != 3 || (is_code(&f) && (f.type & 4)))
        return false;
    if (f.l)
        return long_mode && is_code(&f) && !f.db;
    if (long_mode)
        return true;
    /* the reach: first and last valid offset, as linear addresses */
    uint64_t first, last, top = f.db ? 0xffffffffu : 0xffffu;
    if (expand_down(&f)) {
        if (eff_limit(&f) >= top)
            return true;   /* no valid offset at all */
        first = f.base + eff_limit(&f) + 1;
        last = f.base + top;
    } else {
        first = f.base;
        last = f.base + eff_limit(&f);
    }
    return last <= 0xffffffffu && first >= lo && last < hi;
}

static void check_descriptor(struct seg_desc d, uint32_t lo, uint32_t hi, bool long_mode,
                             uint32_t probe)
{
    int r = ldt_desc_check(d, lo, hi, long_mode);
    bool want = model_check(d, lo, hi, long_mode);
    FUZZ_CHECK(r == 0 || r == -EINVAL, "ldt_desc_check returned %d", r);
    FUZZ_CHECK((r == 0) == want,
               "descriptor %08x:%08x, window [%#x, %#x), %s: %s, the rules say %s", d.hi, d.lo,
               lo, hi, long_mode ? "long mode" : "i386", r ? "refused" : "accepted",
               want ? "accept" : "refuse");
    if (r || long_mode || (!d.lo && !d.hi))
        return;
    struct fields f = decode(d);
    uint64_t offs[] = { 0, eff_limit(&f), eff_limit(&f) + 1, 0xffff, 0xffffffffu, probe };
    for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
        if (!offset_valid(&f, offs[i]))
            continue;
        uint64_t linear = (uint64_t)f.base + offs[i];
        FUZZ_CHECK(linear <= 0xffffffffu && linear >= lo && linear < hi,
                   "accepted %08x:%08x reaches %#llx (offset %#llx) outside [%#x, %#x)", d.hi,
                   d.lo, (unsigned long long)linear, (unsigned long long)offs[i], lo, hi);
    }
}

static void check_from_info(const struct ldt_info *in, int r, struct seg_desc d)
{
    bool bad = in->entry >= LDT_ENTRIES || (unsigned)in->contents > LDT_CODE || in->limit > 0xfffff;
    FUZZ_CHECK(r == (bad ? -EINVAL : 0), "ldt_desc_from_info returned %d (entry %u contents %u limit %#x)",
               r, in->entry, (unsigned)in->contents, in->limit);
    if (r)
        return;
    struct fields f = decode(d);
    unsigned type = in->contents == LDT_CODE ? 0x8 | (in->read_exec_only ? 0 : 0x2)
                  : in->contents == LDT_DATA_EXPAND_DOWN ? 0x4 | (in->read_exec_only ? 0 : 0x2)
                  : (in->read_exec_only ? 0 : 0x2);
    FUZZ_CHECK(f.s == 1 && f.dpl == 3 && !(is_code(&f) && (f.type & 4)),
               "built %08x:%08x: S %u DPL %u type %#x", d.hi, d.lo, f.s, f.dpl, f.type);
    FUZZ_CHECK(f.base == in->base && f.raw_limit == in->limit && f.type == type &&
                   f.p == !in->seg_not_present && f.g == in->limit_in_pages &&
                   f.db == in->seg_32bit && f.l == in->lm && !f.avl,
               "built %08x:%08x from base %#x limit %#x contents %u flags %d%d%d%d%d", d.hi, d.lo,
               in->base, in->limit, (unsigned)in->contents, in->seg_32bit, in->read_exec_only,
               in->limit_in_pages, in->seg_not_present, in->lm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    while (fuzz_left(&in)) {
        uint8_t mode = fuzz_u8(&in);
        bool long_mode = mode & 2;
        struct seg_desc d = { 0, 0 };
        if (mode & 1) {
            d.lo = fuzz_u32(&in);
            d.hi = fuzz_u32(&in);
        } else {
            struct ldt_info info;
            memset(&info, 0, sizeof(info));
            info.entry = fuzz_u16(&in);
            info.base = fuzz_u32(&in);
            info.limit = fuzz_u32(&in);
            info.contents = (enum ldt_contents)fuzz_u8(&in);
            uint8_t f = fuzz_u8(&in);
            info.seg_32bit = f & 1;
            info.read_exec_only = f & 2;
            info.limit_in_pages = f & 4;
            info.seg_not_present = f & 8;
            info.lm = f & 16;
            int r = ldt_desc_from_info(&info, &d);
            check_from_info(&info, r, d);
            if (r)
                continue;
        }
        uint32_t lo = HEAP_LO, hi = HEAP_HI;
        if (mode & 4) {
            lo = fuzz_u32(&in);
            hi = fuzz_u32(&in);
        }
        check_descriptor(d, lo, hi, long_mode, fuzz_u32(&in));
    }
    return 0;
}
