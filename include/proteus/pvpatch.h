/*
 * Call-site patching (kernel/pvpatch.c; docs/patching.md). Every
 * platform-op call site is recorded in the .pvpatch table at build time
 * and written there in its native form (scripts/pvprepatch.py); when a
 * personality is installed, and for the boot options' mode, the sites of
 * ops that differ are rewritten to what the personality asks for: a
 * direct call to its implementation (the default), instruction bytes
 * inline, or nothing at all.
 */
#ifndef PROTEUS_PVPATCH_H
#define PROTEUS_PVPATCH_H

#include <proteus/types.h>

#define PVPATCH_SITE_LEN 6     /* call *abs32 / call *rel32(%rip): ff 15 + 4 bytes */

enum pvpatch_kind {
    PVPATCH_CALL,      /* a direct call to the op's implementation */
    PVPATCH_INLINE,    /* these bytes instead of the call */
    PVPATCH_NOP,       /* the op does nothing here: remove the call */
};

struct pvpatch_directive {
    enum pvpatch_kind kind;
    u8 len;
    u8 bytes[PVPATCH_SITE_LEN];
};

enum pvpatch_mode {
    PVPATCH_OFF,       /* pvpatch=off: keep every indirect call */
    PVPATCH_ON,        /* the default */
    PVPATCH_STATS,     /* pvstats: direct calls through counting thunks */
};

/* The natively patched tables the build reads (pv/native/patch.c,
 * pv/native/personality.c; scripts/pvprepatch.py): the ops that become
 * instruction bytes, and where each native group lies in struct pv_ops. */
struct pvpatch_inline {
    u32 offset;   /* of the op in struct pv_ops */
    u8 len;
    u8 bytes[PVPATCH_SITE_LEN];
};
struct pvpatch_group_ref {
    u32 offset, size;   /* of the group in struct pv_ops */
    const void *ops;    /* the native group */
};
/* The layouts scripts/pvprepatch.py reads */
BUILD_BUG_ON(sizeof(struct pvpatch_inline) != 12);
BUILD_BUG_ON(sizeof(struct pvpatch_group_ref) != 8 + sizeof(void *));

/* A personality was installed (kernel/platform.c): the sites of every op
 * it replaced are brought to it before any op runs. */
void pvpatch_installed(void);
/* The boot options' mode; before the kernel's text becomes read-only. */
void pvpatch_apply(enum pvpatch_mode mode);
/* Patch again the sites of every op that pv_ops now implements otherwise
 * (an offered interface started after pvpatch_apply). */
void pvpatch_update(void);

/* The four things a site can hold (kernel/pvpatch.c, docs/patching.md). */
enum pvop_form {
    PVOP_FORM_INDIRECT,   /* FF 15 disp32: the call through pv_ops, as compiled */
    PVOP_FORM_CALL,       /* 3E E8 rel32: a direct call */
    PVOP_FORM_INLINE,     /* instruction bytes, then one multi-byte NOP */
    PVOP_FORM_NOP,        /* one 6-byte NOP */
};

/* For `monitor` and selftest. */
struct pvop_info {
    const char *name;          /* "irq.disable" */
    u32 offset;                /* of its pointer in struct pv_ops (= pvpatch_site.offset) */
    void *impl;                /* the function pv_ops holds */
    unsigned sites;            /* recorded call sites */
    unsigned inlined, direct, nops, unpatched;
    u64 calls;                 /* counted with pvstats only */
    /* Hypercalls made while the op ran, nested ops and interrupts taken
     * meanwhile included (with pvstats only: the counting thunk reads
     * hypercalls_made before and after the call) */
    u64 hypercalls;
    /* What the personality directs for the op's sites whatever the mode,
     * so that pvstats and pvpatch=off do not hide it: the form, the
     * callee of a call, the bytes of an inline form (without padding). */
    enum pvop_form directed;
    const void *directed_callee;
    u8 directed_len;
    u8 directed_bytes[PVPATCH_SITE_LEN];
};
unsigned pvop_count(void);
int pvop_get(unsigned idx, struct pvop_info *out);
/* Zero every op's call and hypercall counts (monitor's `reset`). */
void pvop_reset_counts(void);

/* The padding after inline bytes: pvpatch_nops[n] is one n-byte NOP. */
extern const u8 pvpatch_nops[PVPATCH_SITE_LEN + 1][PVPATCH_SITE_LEN];

/* One call site, read back and reconstructed (nothing is kept: the
 * compiled bytes follow from the site's address and op, the built ones
 * from the native tables, as scripts/pvprepatch.py wrote them). */
struct pvop_site_info {
    unsigned long addr;
    u8 compiled[PVPATCH_SITE_LEN];   /* FF 15 disp32, as the compiler wrote it */
    u8 built[PVPATCH_SITE_LEN];      /* as the build left it: the native form */
    u8 now[PVPATCH_SITE_LEN];        /* what it holds now */
    u8 expected[PVPATCH_SITE_LEN];   /* what the patcher last wrote there */
    enum pvop_form built_form, now_form;
};
/* Site `nth` (from 0, in address order of the table) of op `idx`: 0, or
 * -ENOENT when the op has no such site. */
int pvop_site_get(unsigned idx, unsigned nth, struct pvop_site_info *out);
enum pvpatch_mode pvpatch_mode(void);
unsigned pvpatch_bad_sites(void);   /* sites whose bytes were not the expected call */

#endif
