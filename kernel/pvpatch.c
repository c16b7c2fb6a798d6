/*T:338
 * Call-site patching. Each recorded site (PVOP_CALL in
 * include/proteus/pvops.h) is compiled as an indirect call through pv_ops,
 * 6 bytes: FF 15 disp32 (x86_64: RIP-relative; i386: absolute). All the
 * sites of one op hold one of four forms:
 *
 *   indirect  FF 15 disp32: the call through pv_ops, as compiled
 *   call      3E E8 rel32: a direct call, same registers, same result
 *   inline    the native instruction bytes and one multi-byte NOP (cli,
 *             sti, pushf; pop, ...)
 *   nop       one 6-byte NOP: the op does nothing on this platform
 *
 * The build writes every site in its native form (scripts/pvprepatch.py,
 * which then sets pvpatch_prepatched), so that a native boot, the common
 * case, rewrites nothing: the native case pays nothing for the
 * indirection, not even the patching. From then on the sites follow the
 * ops: whenever a personality is installed (before any op runs, since a
 * site must never run another platform's native instruction), at boot
 * step 3 for the command line's mode, and when an offered interface (a
 * paravirtual clock) starts later, the sites of every op whose
 * implementation or mode changed are brought to what the personality now
 * directs (sync). A site is rewritten only if it holds exactly the form it
 * was last given; one that does not is counted and left alone.
 *
 * The text is writable at the first two (paging is off on i386, and the
 * boot map is writable on x86_64 and under Xen), nothing runs
 * concurrently, and a serialising CPUID after the writes makes the CPU see
 * them (SDM Vol. 3A, 8.1.3). `pvpatch=off` brings back the indirect calls;
 * `pvstats` sends every site through a small per-op thunk that counts
 * calls, and the hypercalls made in them, for `monitor`.
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

/* 1 in an image whose sites scripts/pvprepatch.py wrote in the native
 * form; 0 (as compiled) where every site is still the indirect call. In
 * .data, so that the tool finds it in the file. */
u8 pvpatch_prepatched __attribute__((section(".data")));

enum site_kind { SITE_INDIRECT, SITE_CALL, SITE_INLINE, SITE_NOP };
/* the same order as the public enum pvop_form (include/proteus/pvpatch.h) */
BUILD_BUG_ON(SITE_INDIRECT != (int)PVOP_FORM_INDIRECT || SITE_CALL != (int)PVOP_FORM_CALL ||
             SITE_INLINE != (int)PVOP_FORM_INLINE || SITE_NOP != (int)PVOP_FORM_NOP);

/* What every site of one op holds. */
struct form {
    enum site_kind kind;
    const void *callee;            /* SITE_CALL */
    u8 bytes[PVPATCH_SITE_LEN];    /* SITE_INLINE, SITE_NOP */
};

struct op_state {
    const char *name;
    u32 offset;
    void *impl;          /* the implementation its sites were last brought to */
    struct form form;    /* ... and the form that gave them, where `known` */
    bool known;
};

#define OP_ENTRY(group, op) { #group "." #op, (u32)PVOP_OFF(group.op), NULL, { 0 }, false },
static struct op_state ops[] = { PVOP_LIST(OP_ENTRY) };
#define NOPS ARRAY_SIZE(ops)

/* The mode the sites follow: as built until the first sync. */
static enum pvpatch_mode mode;
static bool synced;
static unsigned bad_sites, rewritten;
static u64 call_counts[NOPS];
/* Hypercalls made while each op ran, with pvstats: the thunks' common
 * tail (arch/x86/pvthunks.S) adds hypercalls_made's growth across the
 * call, so the hypercall path itself does nothing more than it does
 * without pvstats. Global for that assembly. */
extern u64 pvop_hypercalls[];
u64 pvop_hypercalls[NOPS];

/* The counting thunks live in the kernel's text (so they stay executable
 * once the text is read-only; arch/x86/pvthunks.S reserves the room) and
 * are written when pvstats asks for them. */
#define THUNK_SIZE 32
#define MAX_THUNKS 72   /* arch/x86/pvthunks.S */
extern u8 pvthunks[MAX_THUNKS][THUNK_SIZE];
extern u8 pvthunk_common[];
#define thunks pvthunks
BUILD_BUG_ON(NOPS > MAX_THUNKS);

/* The op at each pointer-sized slot of pv_ops, plus one (0: no op), so
 * that finding a site's op is one load, not a search of the ops. Made by
 * the compiler from the same list as ops[] (filling it at the first sync
 * was a loop over every op at each boot). */
#define PV_OPS_SLOTS (sizeof(struct pv_ops) / sizeof(void *))
#define OP_INDEX(group, op) OPI_##group##_##op,
enum { PVOP_LIST(OP_INDEX) };
#define SLOT_ENTRY(group, op) \
    [__builtin_offsetof(struct pv_ops, group.op) / sizeof(void *)] = OPI_##group##_##op + 1,
static const u8 slot_op[PV_OPS_SLOTS] = { PVOP_LIST(SLOT_ENTRY) };
BUILD_BUG_ON(NOPS > 255);
/* a site record holds the op's offset in 16 bits (include/proteus/pvops.h) */
BUILD_BUG_ON(sizeof(struct pv_ops) > 0xffff);

static int op_index(u32 offset)
{
    if (offset % sizeof(void *) || offset / sizeof(void *) >= PV_OPS_SLOTS)
        return -1;
    return (int)slot_op[offset / sizeof(void *)] - 1;
}

static void *impl_in(const struct pv_ops *table, unsigned i)
{
    return *(void *const *)((const u8 *)table + ops[i].offset);
}

static void *op_impl(unsigned i)
{
    return impl_in(&pv_ops, i);
}

static unsigned long op_slot(unsigned i)
{
    return (unsigned long)&pv_ops + ops[i].offset;
}

/* Padding after inline bytes: one multi-byte NOP (SDM Vol. 2B, NOP,
 * table 4-12), so that it costs one instruction, not five. Global, for
 * scripts/pvprepatch.py, which pads the native inline bytes with it. */
const u8 pvpatch_nops[PVPATCH_SITE_LEN + 1][PVPATCH_SITE_LEN] = {
    { 0 },
    { 0x90 },
    { 0x66, 0x90 },
    { 0x0f, 0x1f, 0x00 },
    { 0x0f, 0x1f, 0x40, 0x00 },
    { 0x0f, 0x1f, 0x44, 0x00, 0x00 },
    { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
};

/* The form of a directive: `impl` is the callee of a call. */
static struct form form_of_directive(const struct pvpatch_directive *d, void *impl)
{
    struct form f = { SITE_CALL, impl, { 0 } };
    if (d->kind == PVPATCH_INLINE && d->len <= PVPATCH_SITE_LEN) {
        f.kind = SITE_INLINE;
        memcpy(f.bytes, d->bytes, d->len);
        memcpy(f.bytes + d->len, pvpatch_nops[PVPATCH_SITE_LEN - d->len],
               PVPATCH_SITE_LEN - d->len);
    } else if (d->kind == PVPATCH_NOP) {
        f.kind = SITE_NOP;
        memcpy(f.bytes, pvpatch_nops[PVPATCH_SITE_LEN], PVPATCH_SITE_LEN);
    }
    return f;
}

static const struct form indirect = { SITE_INDIRECT, NULL, { 0 } };

/* What the personality `p` directs for op i when it is `impl`. */
static struct form directed(const struct personality *p, unsigned i, void *impl)
{
    struct pvpatch_directive d = { PVPATCH_CALL, 0, { 0 } };
    if (!impl)
        return indirect;   /* no implementation to call: the call stays (and faults) */
    if (p && p->patch)
        p->patch(ops[i].offset, impl, &d);
    return form_of_directive(&d, impl);
}

/* What mode m makes of op i's sites, with the ops now installed. */
static struct form wanted(enum pvpatch_mode m, unsigned i)
{
    if (m == PVPATCH_OFF)
        return indirect;
    if (m == PVPATCH_STATS)
        return (struct form){ SITE_CALL, thunks[i], { 0 } };
    return directed(platform_current(), i, op_impl(i));
}

/* What op i's sites hold now. Before the first sync that is what the
 * build left: the native form (as scripts/pvprepatch.py wrote it, from
 * the same native tables) or the indirect call. */
static struct form held(unsigned i)
{
    if (ops[i].known)
        return ops[i].form;
    if (!pvpatch_prepatched)
        return indirect;
    return directed(&native_personality, i, impl_in(&native_ops, i));
}

static bool form_equal(const struct form *a, const struct form *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == SITE_CALL)
        return a->callee == b->callee;
    if (a->kind == SITE_INDIRECT)
        return true;
    return !memcmp(a->bytes, b->bytes, PVPATCH_SITE_LEN);
}

/*T:360 The six bytes of form f at site p (a call's depend on where it is).
 * One site through its life: the irq_disable() that spin_lock_irqsave
 * inlines into mutex_release (kernel/sync.c), in one build of x86_64
 * monitor.elf, where the site is at 0x109c21, pv_ops at 0x15bb60 and
 * irq.disable at offset 0xf0 in it (objdump -d shows each stage):
 *
 *   PVOP_CALL0(irq.disable) as compiled (obj/kernel/sync.c.o) and linked,
 *   the linker having filled in disp32, before scripts/pvprepatch.py:
 *     ff 15 29 20 05 00    call *0x52029(%rip)    = *(pv_ops + 0xf0), indirect
 *   linked, then scripts/pvprepatch.py: the native form, in the file:
 *     fa                   cli                    native_inline_ops
 *     0f 1f 44 00 00       nopl 0x0(%rax,%rax,1)  one 5-byte NOP: pvpatch_nops[5]
 *   a native boot: nothing written (the sites already hold the native form)
 *   a Xen PV boot: install -> pvpatch_installed -> sync; pv_ops.irq.disable
 *   is xen_disable (0x112f5d), not native, so native_patch leaves a call:
 *     3e e8 36 93 00 00    ds call 0x112f5d       rel32 = 0x112f5d - 0x109c27
 *   booted with pvstats: a call to op 28's counting thunk (build_thunk)
 *     3e e8 d9 5e 01 00    ds call 0x11fb00       pvthunks + 28 * 32
 *   booted with pvpatch=off: the compiled bytes again (ff 15 29 20 05 00)
 *
 * The 3E (DS override) prefix does nothing to a near call; it makes the
 * 5-byte call exactly 6, so the call returns to the site's end and no
 * stray byte is left to execute. On i386 the compiled site is
 * ff 15 <absolute address of the pointer>, and the rest is the same. */
static void encode(u8 out[PVPATCH_SITE_LEN], const u8 *p, const struct form *f, unsigned long slot)
{
    if (f->kind == SITE_INDIRECT) {
        /* FF 15: call through memory; RIP-relative on x86_64, absolute on i386 */
        s32 disp = IS_ENABLED(CONFIG_64BIT) ? (s32)((long)slot - ((long)p + PVPATCH_SITE_LEN))
                                            : (s32)slot;
        out[0] = 0xff;
        out[1] = 0x15;
        __builtin_memcpy(out + 2, &disp, 4);
    } else if (f->kind == SITE_CALL) {
        /* E8 rel32 with a DS prefix (3E), which a near call ignores: one
         * 6-byte instruction, and the return address is the site's end */
        s32 rel = (s32)((long)f->callee - ((long)p + PVPATCH_SITE_LEN));
        out[0] = 0x3e;
        out[1] = 0xe8;
        __builtin_memcpy(out + 2, &rel, 4);
    } else {
        __builtin_memcpy(out, f->bytes, PVPATCH_SITE_LEN);
    }
}

/* Does site p hold form f? Six bytes compared as a 4- and a 2-byte word. */
static bool site_holds(const u8 *p, const struct form *f, unsigned long slot)
{
    u8 want[PVPATCH_SITE_LEN];
    u32 a, b;
    u16 c, d;
    encode(want, p, f, slot);
    __builtin_memcpy(&a, p, 4);
    __builtin_memcpy(&b, want, 4);
    __builtin_memcpy(&c, p + 4, 2);
    __builtin_memcpy(&d, want + 4, 2);
    return a == b && c == d;
}

/*T:380 thunk i: count the call (64-bit counter), then go to the common tail
 * (arch/x86/pvthunks.S) with the op's index and its pv_ops slot (x86_64:
 * in R10 and R11, which every site clobbers; i386: pushed, since all
 * three argument registers may be in use, the slot's current value so
 * that the tail calls through it). The tail calls the op and counts the
 * hypercalls it made. */
static void build_thunk(unsigned i)
{
    u8 *t = thunks[i];
    u32 counter = (u32)(uintptr_t)&call_counts[i];
    u32 fnptr = (u32)op_slot(i);
    u32 index = i;
    unsigned n = 0;
    if (IS_ENABLED(CONFIG_64BIT)) {
        t[n++] = 0x48; t[n++] = 0xff; t[n++] = 0x04; t[n++] = 0x25;   /* incq abs32 */
        memcpy(t + n, &counter, 4); n += 4;
        t[n++] = 0x41; t[n++] = 0xba;                                 /* mov $i, %r10d */
        memcpy(t + n, &index, 4); n += 4;
        t[n++] = 0x41; t[n++] = 0xbb;                                 /* mov $slot, %r11d */
        memcpy(t + n, &fnptr, 4); n += 4;
    } else {
        t[n++] = 0x83; t[n++] = 0x05;                                 /* addl $1, abs32 */
        memcpy(t + n, &counter, 4); n += 4;
        t[n++] = 0x01;
        t[n++] = 0x83; t[n++] = 0x15;                                 /* adcl $0, abs32+4 */
        u32 high = counter + 4;
        memcpy(t + n, &high, 4); n += 4;
        t[n++] = 0x00;
        t[n++] = 0x68;                                                /* push $i */
        memcpy(t + n, &index, 4); n += 4;
        t[n++] = 0xff; t[n++] = 0x35;                                 /* push slot (abs32) */
        memcpy(t + n, &fnptr, 4); n += 4;
    }
    s32 rel = (s32)((long)pvthunk_common - ((long)t + n + 5));
    t[n++] = 0xe9;                                                    /* jmp pvthunk_common */
    memcpy(t + n, &rel, 4); n += 4;
    memset(t + n, 0xcc, THUNK_SIZE - n);
}

static void serialise(void)
{
    u32 a, b, c, d;
    x86_cpuid(0, 0, &a, &b, &c, &d);   /* the CPU must see the new code (SDM Vol. 3A, 8.1.3) */
}

/* The form each op's sites are rewritten from, while a sync runs; read
 * only where `rewrite` is set, after it is written: not zeroed with the
 * BSS. */
static struct form rewrite_from[NOPS] __noclear;
static bool rewrite[NOPS];

/*T:365
 * Bring every site to mode m and the ops now installed; the sites written.
 * An op is looked at only if the mode or (patched) its implementation
 * changed, and its sites are visited only if that changes their form; a
 * native boot of a prepatched image visits none. The sites are visited a
 * run at a time (the linker put each op's sites together: .pvpatch.<op>,
 * arch/x86/kernel.ld); a run is found by comparing offsets, so an unsorted
 * table gives the same result, only slower.
 */
static unsigned sync(enum pvpatch_mode m)
{
    if (!synced) {
        if (pvpatch_prepatched) {
            mode = PVPATCH_ON;
            for (unsigned i = 0; i < NOPS; i++)
                ops[i].impl = impl_in(&native_ops, i);
        }
        synced = true;
    }
    bool any = false;
    for (unsigned i = 0; i < NOPS; i++) {
        void *impl = op_impl(i);
        if (m == mode && (m != PVPATCH_ON || impl == ops[i].impl))
            continue;   /* indirect calls and thunks read pv_ops at every call */
        struct form from = held(i), to = wanted(m, i);
        ops[i].impl = impl;
        ops[i].form = to;
        ops[i].known = true;
        if (!form_equal(&from, &to)) {
            rewrite_from[i] = from;
            rewrite[i] = any = true;
        }
    }
    mode = m;
    if (!any)
        return 0;
    unsigned written = 0;
    const struct pvpatch_site *s = __pvpatch_start;
    while (s < __pvpatch_end) {
        u32 off = s->offset;
        int i = op_index(off);
        if (i < 0 || !rewrite[i]) {
            for (; s < __pvpatch_end && s->offset == off; s++)
                ;   /* (the build checked every site: scripts/pvprepatch.py) */
            continue;
        }
        unsigned long slot = op_slot((unsigned)i);
        const struct form *from = &rewrite_from[i], *to = &ops[i].form;
        for (; s < __pvpatch_end && s->offset == off; s++) {
            u8 *p = (u8 *)(uintptr_t)s->addr, bytes[PVPATCH_SITE_LEN];
            if (s->len != PVPATCH_SITE_LEN || !site_holds(p, from, slot)) {
                bad_sites++;
                continue;
            }
            encode(bytes, p, to, slot);
            __builtin_memcpy(p, bytes, 4);
            __builtin_memcpy(p + 4, bytes + 4, 2);
            written++;
        }
    }
    serialise();
    for (unsigned i = 0; i < NOPS; i++)
        rewrite[i] = false;   /* each sync decides afresh, and most decide nothing */
    rewritten += written;
    return written;
}

/* What a site holds, read back: for `monitor`, selftest and the log. */
static enum site_kind site_kind_at(const u8 *p)
{
    if (p[0] == 0xff && p[1] == 0x15)
        return SITE_INDIRECT;
    if (p[0] == 0x3e && p[1] == 0xe8)
        return SITE_CALL;
    if (!memcmp(p, pvpatch_nops[PVPATCH_SITE_LEN], PVPATCH_SITE_LEN))
        return SITE_NOP;
    return SITE_INLINE;
}

/* Every site of op `only` (or of every op, for -1), counted by kind. */
static unsigned count_sites(int only, unsigned kinds[4])
{
    unsigned n = 0;
    memset(kinds, 0, 4 * sizeof(kinds[0]));
    for (const struct pvpatch_site *s = __pvpatch_start; s < __pvpatch_end; s++) {
        int i = op_index(s->offset);
        if (i < 0 || (only >= 0 && i != only))
            continue;
        kinds[site_kind_at((const u8 *)(uintptr_t)s->addr)]++;
        n++;
    }
    return n;
}

/*T:370 The first rewrite of a non-native boot, called by install()
 * (kernel/platform.c) the moment pv_ops holds the new personality's ops,
 * before any of them runs: the sites still hold native instructions, and
 * a `cli` left in a Xen PV guest would fault (ring 1 or 3), in a VMI
 * guest bypass the shim. The text can be written now: i386 runs with
 * paging off, x86_64's entry map is writable, and Xen's bootstrap map
 * is too; only the boot CPU runs, interrupts off. In an image the script
 * did not prepatch the sites are indirect calls, correct under any
 * personality, and this waits for step 3. */
void pvpatch_installed(void)
{
    if (pvpatch_prepatched)
        sync(PVPATCH_ON);
}

/*T:375 Boot step 3 (kernel_main): the mode the command line asks for,
 * `pvpatch=off` (indirect calls), the default, or `pvstats` (counting
 * thunks), while the text is still writable; vm_init maps it read-only
 * in step 4. On a native boot of a prepatched image, with no option, this
 * writes nothing. */
void pvpatch_apply(enum pvpatch_mode m)
{
    if (m == PVPATCH_STATS)
        for (unsigned i = 0; i < NOPS; i++)
            build_thunk(i);   /* before any site calls one */
    sync(m);
    if (bad_sites)
        printk("pvpatch: %u call sites do not hold what was written there: left alone\n",
               bad_sites);
    if (printk_quiet)
        return;   /* the counts below are a walk of every site */
    unsigned kinds[4];
    unsigned total = count_sites(-1, kinds);
    pr_info("pvpatch: %u call sites, %s%s\n", total,
            m == PVPATCH_OFF     ? "left as indirect calls (pvpatch=off)"
            : m == PVPATCH_STATS ? "direct calls through counting thunks (pvstats)"
                                 : "patched",
            "");
    if (m == PVPATCH_ON)
        pr_info("pvpatch: %u inline native instructions, %u direct calls, %u NOPs\n",
                kinds[SITE_INLINE], kinds[SITE_CALL], kinds[SITE_NOP]);
    if (pvpatch_prepatched)
        pr_info("pvpatch: %u call sites rewritten at boot; the build wrote the native form\n",
                rewritten);
}

/*T:385
 * Ops that changed since the sites were brought to them (an offered
 * interface that started: kernel/mixing.c) get their sites rewritten.
 * Indirect calls and counting thunks read pv_ops on every call and need
 * nothing. By now paging is on and the text read-only: it is made
 * writable for the rewrite, with interrupts off so that no site runs half
 * written.
 */
void pvpatch_update(void)
{
    if (mode != PVPATCH_ON)
        return;
    unsigned changed = 0;
    for (unsigned i = 0; i < NOPS; i++)
        changed += op_impl(i) != ops[i].impl;
    if (!changed)
        return;
    unsigned long flags = irq_save();
    int err = vm_text_writable(true);
    if (err)
        panic("pvpatch: making the kernel text writable failed: %s (%d)", errno_name(err), err);
    unsigned sites = sync(PVPATCH_ON);
    err = vm_text_writable(false);
    if (err)
        panic("pvpatch: making the kernel text read-only again failed: %s (%d)",
              errno_name(err), err);
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
    unsigned kinds[4];
    out->name = ops[idx].name;
    out->offset = ops[idx].offset;
    out->impl = op_impl(idx);
    out->sites = count_sites((int)idx, kinds);
    out->inlined = kinds[SITE_INLINE];
    out->direct = kinds[SITE_CALL];
    out->nops = kinds[SITE_NOP];
    out->unpatched = kinds[SITE_INDIRECT];
    out->calls = call_counts[idx];
    out->hypercalls = pvop_hypercalls[idx];
    /* the personality's directive, asked afresh (as a sync would) */
    void *impl = op_impl(idx);
    struct pvpatch_directive d = { PVPATCH_CALL, 0, { 0 } };
    const struct personality *p = platform_current();
    if (impl && p && p->patch)
        p->patch(ops[idx].offset, impl, &d);
    struct form f = impl ? form_of_directive(&d, impl) : indirect;
    out->directed = (enum pvop_form)f.kind;
    out->directed_callee = f.callee;
    out->directed_len = f.kind == SITE_INLINE ? d.len : 0;
    memcpy(out->directed_bytes, d.bytes, PVPATCH_SITE_LEN);
    return 0;
}

void pvop_reset_counts(void)
{
    for (unsigned i = 0; i < NOPS; i++)
        call_counts[i] = pvop_hypercalls[i] = 0;
}

/* A site's bytes as compiled and as built are not kept: they follow from
 * its address and op (the indirect call's encoding) and from the native
 * tables (what scripts/pvprepatch.py wrote, the same `held` reads). */
int pvop_site_get(unsigned idx, unsigned nth, struct pvop_site_info *out)
{
    if (idx >= NOPS)
        return -EINVAL;
    for (const struct pvpatch_site *s = __pvpatch_start; s < __pvpatch_end; s++) {
        if (op_index(s->offset) != (int)idx || nth--)
            continue;
        const u8 *p = (const u8 *)(uintptr_t)s->addr;
        unsigned long slot = op_slot(idx);
        struct form built = pvpatch_prepatched
                                ? directed(&native_personality, idx, impl_in(&native_ops, idx))
                                : indirect;
        out->addr = s->addr;
        encode(out->compiled, p, &indirect, slot);
        encode(out->built, p, &built, slot);
        memcpy(out->now, p, PVPATCH_SITE_LEN);
        struct form last = held(idx);
        encode(out->expected, p, &last, slot);
        out->built_form = (enum pvop_form)built.kind;
        out->now_form = (enum pvop_form)site_kind_at(p);
        return 0;
    }
    return -ENOENT;
}

enum pvpatch_mode pvpatch_mode(void)
{
    return mode;
}

unsigned pvpatch_bad_sites(void)
{
    return bad_sites;
}
