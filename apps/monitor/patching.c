/*
 * What call-site patching did and what the ops cost: `site OP` shows one
 * site's bytes as compiled, as built and now, and the directive that chose
 * them; `reset` and `delta` take the pvstats counts (calls, and the
 * hypercalls made meanwhile) over a stretch of commands. The kernel keeps
 * none of this for the monitor: it reconstructs the bytes on demand
 * (pvop_site_get, kernel/pvpatch.c; docs/patching.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <proteus/ksyms.h>
#include <proteus/personality.h>
#include <proteus/pvops.h>
#include <proteus/pvpatch.h>
#include <pv/kvm.h>
#include <pv/vmi.h>
#include "monitor.h"

/* The instructions a personality inlines (pv/native/patch.c; the VMI
 * shims direct the same ones), named for the reader. */
static const struct {
    uint8_t len, bytes[PVPATCH_SITE_LEN];
    const char *text;
} insns[] = {
    { 1, { 0xfa }, "cli" },
    { 1, { 0xfb }, "sti" },
    { 2, { 0xfb, 0xf4 }, "sti; hlt" },
#ifdef __x86_64__
    { 2, { 0x9c, 0x58 }, "pushf; pop %rax" },
    { 2, { 0x57, 0x9d }, "push %rdi; popf" },
    { 3, { 0x48, 0x89, 0x37 }, "mov %rsi, (%rdi)" },
    { 3, { 0x48, 0x8b, 0x07 }, "mov (%rdi), %rax" },
    { 3, { 0x89, 0xfa, 0xec }, "mov %edi, %edx; in (%dx), %al" },
    { 4, { 0x89, 0xfa, 0x66, 0xed }, "mov %edi, %edx; in (%dx), %ax" },
    { 3, { 0x89, 0xfa, 0xed }, "mov %edi, %edx; in (%dx), %eax" },
    { 5, { 0x89, 0xf0, 0x89, 0xfa, 0xee }, "mov %esi, %eax; mov %edi, %edx; out %al, (%dx)" },
    { 6, { 0x89, 0xf0, 0x89, 0xfa, 0x66, 0xef }, "mov %esi, %eax; mov %edi, %edx; out %ax, (%dx)" },
    { 5, { 0x89, 0xf0, 0x89, 0xfa, 0xef }, "mov %esi, %eax; mov %edi, %edx; out %eax, (%dx)" },
#else
    { 2, { 0x9c, 0x58 }, "pushf; pop %eax" },
    { 2, { 0x50, 0x9d }, "push %eax; popf" },
    { 2, { 0x0f, 0x31 }, "rdtsc" },
    { 3, { 0x89, 0xc2, 0xec }, "mov %eax, %edx; in (%dx), %al" },
    { 4, { 0x89, 0xc2, 0x66, 0xed }, "mov %eax, %edx; in (%dx), %ax" },
    { 3, { 0x89, 0xc2, 0xed }, "mov %eax, %edx; in (%dx), %eax" },
    { 2, { 0x92, 0xee }, "xchg %eax, %edx; out %al, (%dx)" },
    { 3, { 0x92, 0x66, 0xef }, "xchg %eax, %edx; out %ax, (%dx)" },
    { 2, { 0x92, 0xef }, "xchg %eax, %edx; out %eax, (%dx)" },
#endif
};

static const char *insn_name(const uint8_t *b, unsigned len)
{
    for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++)
        if (insns[i].len == len && !memcmp(insns[i].bytes, b, len))
            return insns[i].text;
    return NULL;
}

/* "fa 0f 1f 44 00 00" */
static void hex(const uint8_t *b, unsigned len, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < len && n + 4 <= size; i++)
        n += snprintf(out + n, size - n, "%s%02x", i ? " " : "", b[i]);
}

/* Code at addr, by name: a function, a counting thunk, the VMI shim. */
static void code_name(unsigned long addr, char *out, size_t size)
{
    unsigned long off;
    char name[KSYM_NAME_MAX];
    if (vmi_shim_offset((const void *)addr, &off)) {
        snprintf(out, size, "the shim at shim+0x%lx", off);
        return;
    }
    const char *fn = ksym_lookup(addr, &off, name, sizeof(name));
    if (fn && !strcmp(fn, "pvthunks"))
        snprintf(out, size, "counting thunk %lu (pvthunks+0x%lx)", off / 32, off);
    else if (fn && off)
        snprintf(out, size, "%s+0x%lx", fn, off);
    else if (fn)
        snprintf(out, size, "%s", fn);
    else
        snprintf(out, size, "0x%lx", addr);
}

void describe_directive(const struct pvop_info *op, char *out, size_t size)
{
    char what[KSYM_NAME_MAX + 40], bytes[24];
    switch (op->directed) {
    case PVOP_FORM_INLINE: {
        hex(op->directed_bytes, op->directed_len, bytes, sizeof(bytes));
        const char *name = insn_name(op->directed_bytes, op->directed_len);
        snprintf(out, size, "inline %s%s%s%s", bytes, name ? " (" : "", name ? name : "",
                 name ? ")" : "");
        return;
    }
    case PVOP_FORM_CALL:
        code_name((unsigned long)op->directed_callee, what, sizeof(what));
        snprintf(out, size, "call %s", what);
        return;
    case PVOP_FORM_NOP:
        snprintf(out, size, "nop");
        return;
    default:
        snprintf(out, size, "indirect (no implementation)");
    }
}

void describe_mode_directive(const struct pvop_info *op, char *out, size_t size)
{
    char d[KSYM_NAME_MAX + 60];
    describe_directive(op, d, sizeof(d));
    if (pvpatch_mode() == PVPATCH_STATS)
        snprintf(out, size, "counting; would be %s", d);
    else if (pvpatch_mode() == PVPATCH_OFF)
        snprintf(out, size, "pvpatch=off; would be %s", d);
    else
        snprintf(out, size, "%s", d);
}

/* What six bytes at addr are, read as a site of op. */
static void describe_site(const struct pvop_info *op, enum pvop_form form, const uint8_t *b,
                          unsigned long addr, char *out, size_t size)
{
    char what[KSYM_NAME_MAX + 40];
    int32_t rel;
    memcpy(&rel, b + 2, 4);
    switch (form) {
    case PVOP_FORM_INDIRECT: {
        /* FF 15: RIP-relative on x86_64, absolute on i386 */
        unsigned long slot = IS_ENABLED(CONFIG_64BIT) ? addr + PVPATCH_SITE_LEN + (long)rel
                                                      : (unsigned long)(uint32_t)rel;
        if (slot == (unsigned long)&pv_ops + op->offset)
            snprintf(out, size, "indirect call through pv_ops.%s", op->name);
        else
            snprintf(out, size, "indirect call through 0x%lx", slot);
        return;
    }
    case PVOP_FORM_CALL:
        code_name(addr + PVPATCH_SITE_LEN + (long)rel, what, sizeof(what));
        snprintf(out, size, "direct call to %s", what);
        return;
    case PVOP_FORM_NOP:
        snprintf(out, size, "one 6-byte NOP");
        return;
    case PVOP_FORM_INLINE: {
        unsigned len = PVPATCH_SITE_LEN;   /* the bytes before the padding NOP */
        for (unsigned l = 1; l < PVPATCH_SITE_LEN; l++) {
            if (!memcmp(b + l, pvpatch_nops[PVPATCH_SITE_LEN - l], PVPATCH_SITE_LEN - l)) {
                len = l;
                break;
            }
        }
        const char *name = insn_name(b, len);
        if (len < PVPATCH_SITE_LEN)
            snprintf(out, size, "inline: %s%s, then a %u-byte NOP", name ? name : "bytes",
                     name ? "" : " of the instruction", PVPATCH_SITE_LEN - len);
        else
            snprintf(out, size, "inline: %s", name ? name : "instruction bytes");
        return;
    }
    }
    snprintf(out, size, "?");
}

static int find_op(const char *name, struct pvop_info *op, unsigned *idx)
{
    for (unsigned i = 0; i < pvop_count(); i++) {
        if (pvop_get(i, op) == 0 && !strcmp(op->name, name)) {
            *idx = i;
            return 0;
        }
    }
    printf("site: no op '%s' (`ops` lists them)\n", name);
    return -1;
}

/* Why the site holds what it holds: the mode, or the personality. */
static void print_chosen_by(const struct pvop_info *op)
{
    char d[KSYM_NAME_MAX + 60];
    const char *who = platform_current()->name;
    describe_directive(op, d, sizeof(d));
    if (pvpatch_mode() == PVPATCH_STATS) {
        printf("  chosen by    pvstats: counting thunk (%s's directive would be %s)\n", who, d);
        return;
    }
    if (pvpatch_mode() == PVPATCH_OFF) {
        printf("  chosen by    pvpatch=off: the indirect call (%s's directive would be %s)\n",
               who, d);
        return;
    }
    static const char *const why[] = {
        [PVOP_FORM_INDIRECT] = "no implementation to call: the call through pv_ops stays",
        [PVOP_FORM_CALL] = "a direct call to the implementation pv_ops holds",
        [PVOP_FORM_INLINE] = "the instruction itself, at the site",
        [PVOP_FORM_NOP] = "the op does nothing on this platform",
    };
    printf("  chosen by    %s's directive: %s (%s)\n", who, d, why[op->directed]);
}

int cmd_site(int argc, char **argv)
{
    struct pvop_info op;
    unsigned idx;
    unsigned long long nth = 1;
    if (argc < 2) {
        printf("site: which op? (site OP [N], e.g. site irq.disable)\n");
        return 1;
    }
    if (find_op(argv[1], &op, &idx) || (argc > 2 && parse_number(argv[2], &nth)))
        return 1;
    if (!op.sites) {
        printf("%s has no call sites: nothing calls it through its wrapper\n", op.name);
        return 0;
    }
    if (nth < 1 || nth > op.sites) {
        printf("site: %s has call sites 1 to %u, not %llu\n", op.name, op.sites, nth);
        return 1;
    }
    struct pvop_site_info s;
    int err = pvop_site_get(idx, (unsigned)nth - 1, &s);
    if (err) {
        printf("site: pvop_site_get(%s, %llu) failed: %d\n", op.name, nth - 1, err);
        return 1;
    }
    char where[KSYM_NAME_MAX + 40], bytes[24], what[KSYM_NAME_MAX + 80];
    code_name(s.addr, where, sizeof(where));
    printf("%s: call site %llu of %u, at 0x%lx (%s)\n", op.name, nth, op.sites, s.addr, where);
    hex(s.compiled, PVPATCH_SITE_LEN, bytes, sizeof(bytes));
    describe_site(&op, PVOP_FORM_INDIRECT, s.compiled, s.addr, what, sizeof(what));
    printf("  as compiled  %s  %s\n", bytes, what);
    hex(s.built, PVPATCH_SITE_LEN, bytes, sizeof(bytes));
    describe_site(&op, s.built_form, s.built, s.addr, what, sizeof(what));
    printf("  as built     %s  %s%s\n", bytes, what,
           memcmp(s.built, s.compiled, PVPATCH_SITE_LEN) ? " (the native form)"
                                                        : " (the build did not patch it)");
    hex(s.now, PVPATCH_SITE_LEN, bytes, sizeof(bytes));
    describe_site(&op, s.now_form, s.now, s.addr, what, sizeof(what));
    printf("  now          %s  %s\n", bytes, what);
    print_chosen_by(&op);
    if (memcmp(s.now, s.expected, PVPATCH_SITE_LEN)) {
        hex(s.expected, PVPATCH_SITE_LEN, bytes, sizeof(bytes));
        printf("  check        DIFFERS from what the patcher wrote there (%s): left alone\n",
               bytes);
    } else {
        printf("  check        holds what the patcher wrote there\n");
    }
    return 0;
}

/* The counts at the last reset or delta (the kernel's go on from the
 * last reset). */
#define MAX_OPS 128
static uint64_t base_calls[MAX_OPS], base_hypercalls[MAX_OPS];
static uint64_t base_eoi_skipped, base_eoi_written;

static bool counted(const char *cmd)
{
    if (pvpatch_mode() == PVPATCH_STATS)
        return true;
    printf("%s: calls are counted only when booted with pvstats (this boot: %s)\n", cmd,
           pvpatch_mode() == PVPATCH_OFF ? "pvpatch=off" : "patched, no counting thunks");
    return false;
}

int cmd_reset(int argc, char **argv)
{
    if (!counted("reset"))
        return 0;
    pvop_reset_counts();
    memset(base_calls, 0, sizeof(base_calls));
    memset(base_hypercalls, 0, sizeof(base_hypercalls));
    base_eoi_skipped = kvm_eoi_skipped;
    base_eoi_written = kvm_eoi_written;
    printf("reset: every op's call and hypercall counts are 0\n");
    return 0;
}

int cmd_delta(int argc, char **argv)
{
    if (!counted("delta"))
        return 0;
    if (pvop_count() > MAX_OPS) {
        printf("delta: %u ops, more than the %u this monitor keeps\n", pvop_count(), MAX_OPS);
        return 1;
    }
    uint64_t calls = 0, hcalls = 0;
    unsigned ops = 0;
    printf("%-22s %12s %12s\n", "op", "calls", "hypercalls");
    for (unsigned i = 0; i < pvop_count(); i++) {
        struct pvop_info op;
        if (pvop_get(i, &op))
            continue;
        uint64_t c = op.calls - base_calls[i], h = op.hypercalls - base_hypercalls[i];
        base_calls[i] = op.calls;
        base_hypercalls[i] = op.hypercalls;
        if (!c || (argc > 1 && !strstr(op.name, argv[1])))
            continue;
        printf("%-22s %12llu %12llu\n", op.name, (unsigned long long)c, (unsigned long long)h);
        calls += c;
        hcalls += h;
        ops++;
    }
    printf("delta: %llu calls of %u ops since the last reset or delta, %llu hypercalls made "
           "in them (nested ops' counted in each)\n",
           (unsigned long long)calls, ops, (unsigned long long)hcalls);
    if (kvm_pv_eoi_active()) {
        printf("delta: PV EOI: %llu EOIs skipped, %llu written\n",
               (unsigned long long)(kvm_eoi_skipped - base_eoi_skipped),
               (unsigned long long)(kvm_eoi_written - base_eoi_written));
        base_eoi_skipped = kvm_eoi_skipped;
        base_eoi_written = kvm_eoi_written;
    }
    return 0;
}
