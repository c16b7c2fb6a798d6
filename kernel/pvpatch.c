/*
 * Boot-time call-site patching. Each recorded site (PVOP_CALL in
 * include/proteus/pvops.h) is an indirect call through pv_ops, 6 bytes:
 * FF 15 disp32 (x86_64: RIP-relative; i386: absolute). After the personality
 * is installed, each is rewritten as the personality directs:
 *
 *   call  3E E8 rel32               a direct call, same registers, same result
 *   inline the native instruction bytes and one multi-byte NOP (cli, sti,
 *         pushf; pop, ...)
 *   nop   one 6-byte NOP: the op does nothing on this platform
 *
 * The text is still writable then (paging is off on i386 and the boot map
 * is writable on x86_64), nothing runs concurrently, and a serialising
 * CPUID after the writes makes the CPU see them (SDM Vol. 3A, 8.1.3).
 * The sites of an op that an offered interface replaces later in boot (a
 * paravirtual clock, once it started) are rewritten once more then
 * (pvpatch_update), so no call tests whether the offer runs.
 * `pvpatch=off` keeps the indirect calls; `pvstats` sends every site
 * through a small per-op thunk that counts calls, for `monitor`.
 */
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/pvpatch.h>
#include <proteus/string.h>
#include <proteus/vm.h>
#include <arch/x86.h>

extern const struct pvpatch_site __pvpatch_start[], __pvpatch_end[];

struct op_state {
    const char *name;
    u32 offset;
    unsigned sites, inlined, direct, nops, unpatched;
    void *patched_to;   /* the implementation its sites were patched for */
};

#define OP_ENTRY(group, op) { #group "." #op, (u32)PVOP_OFF(group.op), 0, 0, 0, 0, 0, NULL },
static struct op_state ops[] = { PVOP_LIST(OP_ENTRY) };
#define NOPS ARRAY_SIZE(ops)

static enum pvpatch_mode mode = PVPATCH_OFF;
static unsigned bad_sites;
static u64 call_counts[NOPS];

/* The counting thunks live in the kernel's text (so they stay executable
 * once the text is read-only; arch/x86/pvthunks.S reserves the room) and
 * are written here at boot. */
#define THUNK_SIZE 32
#define MAX_THUNKS 64
extern u8 pvthunks[MAX_THUNKS][THUNK_SIZE];
#define thunks pvthunks
BUILD_BUG_ON(NOPS > MAX_THUNKS);

/* The op at each pointer-sized slot of pv_ops, plus one (0: no op), so
 * that finding a site's op is one load, not a search of the ops: the
 * boot patches some 850 sites (issue 18, the boot's instruction count). */
#define PV_OPS_SLOTS (sizeof(struct pv_ops) / sizeof(void *))
static u8 slot_op[PV_OPS_SLOTS];
BUILD_BUG_ON(NOPS > 255);

static int op_index(u32 offset)
{
    if (offset % sizeof(void *) || offset / sizeof(void *) >= PV_OPS_SLOTS)
        return -1;
    return (int)slot_op[offset / sizeof(void *)] - 1;
}

static void *op_impl(unsigned i)
{
    return *(void **)((u8 *)&pv_ops + ops[i].offset);
}

/* A direct call that fills the 6-byte site as one instruction: E8 rel32
 * with a DS prefix (3E), which a near call ignores. The return address is
 * the end of the site, as before. */
static void encode_call(u8 out[PVPATCH_SITE_LEN], const u8 *site, const void *target)
{
    s32 rel = (s32)((long)target - ((long)site + PVPATCH_SITE_LEN));
    out[0] = 0x3e;
    out[1] = 0xe8;
    __builtin_memcpy(out + 2, &rel, 4);
}

/* Padding after inline bytes: one multi-byte NOP (SDM Vol. 2B, NOP,
 * table 4-12), so that it costs one instruction, not five. */
static const u8 nops[7][6] = {
    { 0 },
    { 0x90 },
    { 0x66, 0x90 },
    { 0x0f, 0x1f, 0x00 },
    { 0x0f, 0x1f, 0x40, 0x00 },
    { 0x0f, 0x1f, 0x44, 0x00, 0x00 },
    { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
};

static void encode_bytes(u8 out[PVPATCH_SITE_LEN], const u8 *bytes, unsigned len)
{
    if (len)
        memcpy(out, bytes, len);
    memcpy(out + len, nops[PVPATCH_SITE_LEN - len], PVPATCH_SITE_LEN - len);
}

/* thunk i: count the call (64-bit counter), then jump to the op. */
static void build_thunk(unsigned i)
{
    u8 *t = thunks[i];
    u32 counter = (u32)(uintptr_t)&call_counts[i];
    u32 fnptr = (u32)((uintptr_t)&pv_ops + ops[i].offset);
    unsigned n = 0;
    if (IS_ENABLED(CONFIG_64BIT)) {
        t[n++] = 0x48; t[n++] = 0xff; t[n++] = 0x04; t[n++] = 0x25;   /* incq abs32 */
        memcpy(t + n, &counter, 4); n += 4;
        t[n++] = 0xff; t[n++] = 0x24; t[n++] = 0x25;                  /* jmp *abs32 */
        memcpy(t + n, &fnptr, 4); n += 4;
    } else {
        t[n++] = 0x83; t[n++] = 0x05;                                 /* addl $1, abs32 */
        memcpy(t + n, &counter, 4); n += 4;
        t[n++] = 0x01;
        t[n++] = 0x83; t[n++] = 0x15;                                 /* adcl $0, abs32+4 */
        u32 high = counter + 4;
        memcpy(t + n, &high, 4); n += 4;
        t[n++] = 0x00;
        t[n++] = 0xff; t[n++] = 0x25;                                 /* jmp *abs32 */
        memcpy(t + n, &fnptr, 4); n += 4;
    }
    memset(t + n, 0xcc, THUNK_SIZE - n);
}

enum site_kind { SITE_INLINE, SITE_NOP, SITE_CALL };

/* What the personality directs for op i when it is `impl`. */
static struct pvpatch_directive directive_for(unsigned i, void *impl)
{
    const struct personality *p = platform_current();
    struct pvpatch_directive d = { PVPATCH_CALL, 0, { 0 } };
    if (p && p->patch)
        p->patch(ops[i].offset, impl, &d);
    return d;
}

static enum site_kind directive_kind(const struct pvpatch_directive *d)
{
    if (d->kind == PVPATCH_INLINE && d->len <= PVPATCH_SITE_LEN)
        return SITE_INLINE;
    return d->kind == PVPATCH_NOP ? SITE_NOP : SITE_CALL;
}

/* What a site becomes under directive d: the six bytes, and which kind
 * they are. Only a call depends on where the site is. */
static enum site_kind encode_directive(u8 out[PVPATCH_SITE_LEN], const u8 *site,
                                       const struct pvpatch_directive *d, void *impl)
{
    enum site_kind k = directive_kind(d);
    if (k == SITE_INLINE)
        encode_bytes(out, d->bytes, d->len);
    else if (k == SITE_NOP)
        encode_bytes(out, NULL, 0);
    else
        encode_call(out, site, impl);
    return k;
}

static enum site_kind encode_site(u8 out[PVPATCH_SITE_LEN], const u8 *site, unsigned i,
                                  void *impl)
{
    struct pvpatch_directive d = directive_for(i, impl);
    return encode_directive(out, site, &d, impl);
}

static void count_site(unsigned i, enum site_kind k)
{
    if (k == SITE_INLINE)
        ops[i].inlined++;
    else if (k == SITE_NOP)
        ops[i].nops++;
    else
        ops[i].direct++;
}

static void serialise(void)
{
    u32 a, b, c, d;
    x86_cpuid(0, 0, &a, &b, &c, &d);   /* the CPU must see the new code (SDM Vol. 3A, 8.1.3) */
}

/* Is the site at p the indirect call through the pv_ops slot at `slot`
 * that it was built as? One 16-bit and one 32-bit compare: this runs for
 * every site. */
static inline bool site_calls(const u8 *p, unsigned long slot)
{
    u16 opcode;
    s32 disp;
    __builtin_memcpy(&opcode, p, 2);
    __builtin_memcpy(&disp, p + 2, 4);
    /* FF 15: call through memory; RIP-relative on x86_64, absolute on i386 */
    unsigned long target = IS_ENABLED(CONFIG_64BIT) ? (unsigned long)p + PVPATCH_SITE_LEN + (long)disp
                                                    : (u32)disp;
    return opcode == 0x15ff && target == slot;
}

void pvpatch_apply(enum pvpatch_mode m)
{
    mode = m;
    for (unsigned i = 0; i < NOPS; i++)
        slot_op[ops[i].offset / sizeof(void *)] = (u8)(i + 1);
    /* A run at a time (the linker put each op's sites together:
     * .pvpatch.<op>, arch/x86/kernel.ld): the personality is asked once
     * per op, and the six bytes of an op whose sites are inline or NOPs are
     * built once (a call's depend on where the site is). Per site only the
     * check that it is the call it was built as, and the write, are left:
     * 871 sites on x86_64, at one op lookup and count apiece a sixth of the
     * boot's instructions once (issue 18). */
    const struct pvpatch_site *s = __pvpatch_start;
    while (s < __pvpatch_end) {
        u32 off = s->offset;
        int i = op_index(off);
        if (i < 0) {
            for (; s < __pvpatch_end && s->offset == off; s++)
                bad_sites++;
            continue;
        }
        struct op_state *o = &ops[i];
        unsigned long slot = (unsigned long)&pv_ops + off;
        void *impl = m == PVPATCH_STATS ? (void *)thunks[i] : op_impl((unsigned)i);
        enum site_kind kind = SITE_CALL;
        u8 bytes[PVPATCH_SITE_LEN];
        if (m == PVPATCH_ON) {
            struct pvpatch_directive d = directive_for((unsigned)i, impl);
            kind = directive_kind(&d);
            if (kind != SITE_CALL)
                encode_directive(bytes, NULL, &d, impl);
        }
        /* one loop per kind, so that the loop itself holds no choice: one
         * loop choosing per site cost 6,000 instructions more (x86_64) */
        unsigned n = 0, good = 0;
        if (m == PVPATCH_OFF) {
            for (; s < __pvpatch_end && s->offset == off; s++, n++)
                good += s->len == PVPATCH_SITE_LEN && site_calls((const u8 *)s->addr, slot);
        } else if (kind == SITE_CALL) {
            for (; s < __pvpatch_end && s->offset == off; s++, n++) {
                u8 *p = (u8 *)s->addr;
                if (s->len == PVPATCH_SITE_LEN && site_calls(p, slot)) {
                    encode_call(p, p, impl);
                    good++;
                }
            }
        } else {
            u32 head;
            u16 tail;
            __builtin_memcpy(&head, bytes, 4);
            __builtin_memcpy(&tail, bytes + 4, 2);
            for (; s < __pvpatch_end && s->offset == off; s++, n++) {
                u8 *p = (u8 *)s->addr;
                if (s->len == PVPATCH_SITE_LEN && site_calls(p, slot)) {
                    __builtin_memcpy(p, &head, 4);
                    __builtin_memcpy(p + 4, &tail, 2);
                    good++;
                }
            }
        }
        bad_sites += n - good;
        o->sites += good;
        *(m == PVPATCH_OFF       ? &o->unpatched
          : kind == SITE_INLINE ? &o->inlined
          : kind == SITE_NOP    ? &o->nops
                                : &o->direct) += good;
    }
    for (unsigned i = 0; i < NOPS; i++)
        ops[i].patched_to = op_impl(i);
    if (m == PVPATCH_STATS)
        for (unsigned i = 0; i < NOPS; i++)
            build_thunk(i);
    serialise();

    unsigned total = 0, inl = 0;
    for (unsigned i = 0; i < NOPS; i++) {
        total += ops[i].sites;
        inl += ops[i].inlined;
    }
    if (bad_sites)
        printk("pvpatch: %u call sites are not the expected indirect call: left alone\n",
               bad_sites);
    pr_info("pvpatch: %u call sites, %s%s\n", total,
            m == PVPATCH_OFF ? "left as indirect calls (pvpatch=off)"
            : m == PVPATCH_STATS ? "direct calls through counting thunks (pvstats)"
                                 : "patched",
            "");
    if (m == PVPATCH_ON)
        pr_info("pvpatch: %u inline native instructions, %u direct calls\n", inl, total - inl);
}

/*
 * Ops that changed since the sites were patched (an offered interface that
 * started: kernel/mixing.c) get their sites rewritten for the op now in
 * pv_ops. Unpatched sites and counting thunks read pv_ops on every call
 * and need nothing. A site is rewritten only if it holds exactly what
 * pvpatch_apply wrote there (a site it left alone is left alone again).
 * By now paging is on and the text read-only: it is made writable for the
 * rewrite, with interrupts off so that no site runs half written.
 */
void pvpatch_update(void)
{
    unsigned changed = 0;
    void *was[NOPS];
    for (unsigned i = 0; i < NOPS; i++) {
        was[i] = ops[i].patched_to;
        ops[i].patched_to = op_impl(i);
        if (was[i] != op_impl(i))
            changed++;
    }
    if (mode != PVPATCH_ON || !changed)
        return;
    unsigned long flags = irq_save();
    int err = vm_text_writable(true);
    if (err)
        panic("pvpatch: making the kernel text writable failed: %s (%d)", errno_name(err), err);
    unsigned sites = 0;
    for (const struct pvpatch_site *s = __pvpatch_start; s < __pvpatch_end; s++) {
        int i = op_index(s->offset);
        if (i < 0 || was[i] == op_impl((unsigned)i))
            continue;
        u8 *site = (u8 *)s->addr, old[PVPATCH_SITE_LEN], new[PVPATCH_SITE_LEN];
        enum site_kind old_kind = encode_site(old, site, (unsigned)i, was[i]);
        if (memcmp(site, old, PVPATCH_SITE_LEN))
            continue;   /* not what pvpatch_apply wrote: counted as bad there */
        if (old_kind == SITE_INLINE)
            ops[i].inlined--;
        else if (old_kind == SITE_NOP)
            ops[i].nops--;
        else
            ops[i].direct--;
        count_site((unsigned)i, encode_site(new, site, (unsigned)i, op_impl((unsigned)i)));
        memcpy(site, new, PVPATCH_SITE_LEN);
        sites++;
    }
    err = vm_text_writable(false);
    if (err)
        panic("pvpatch: making the kernel text read-only again failed: %s (%d)",
              errno_name(err), err);
    serialise();
    irq_restore(flags);
    pr_info("pvpatch: %u ops changed, %u call sites patched again\n", changed, sites);
}

unsigned pvop_count(void)
{
    return NOPS;
}

int pvop_get(unsigned idx, struct pvop_info *out)
{
    if (idx >= NOPS)
        return -1;
    out->name = ops[idx].name;
    out->offset = ops[idx].offset;
    out->impl = op_impl(idx);
    out->sites = ops[idx].sites;
    out->inlined = ops[idx].inlined;
    out->direct = ops[idx].direct;
    out->nops = ops[idx].nops;
    out->unpatched = ops[idx].unpatched;
    out->calls = call_counts[idx];
    return 0;
}

enum pvpatch_mode pvpatch_mode(void)
{
    return mode;
}

unsigned pvpatch_bad_sites(void)
{
    return bad_sites;
}
