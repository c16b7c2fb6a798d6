/*
 * arch/x86/hypervisor.c's CPUID scan against a hostile hypervisor: the
 * fuzz input is what CPUID returns, driven through hv_scan's cpuid hook
 * as tests/unit/test_hypervisor.c drives it with fixed tables.
 *
 * Input:
 *   4 bytes   ECX of leaf 1 (bit 31: "a hypervisor is present")
 *   1 byte    buffer length for hv_kvm_feature_names (0 means 200, the
 *             kernel's own)
 *   16 bytes  EAX EBX ECX EDX of every leaf not listed below (Intel CPUs
 *             return the highest basic leaf's data there)
 *   then records of 19 bytes: flags, a 16-bit leaf offset from 0x40000000,
 *   EAX EBX ECX EDX. Flags bit 0: EAX is relative to the record's block
 *   (block base + EAX mod 0x200), so that in-range answers are common.
 *   A later record for the same leaf replaces an earlier one.
 *
 * Invariants:
 *   - the scan asks only for leaf 1 and leaves 0x40000000-0x4000ff01,
 *     each at most once (a hostile hypervisor cannot answer twice
 *     differently), and ends;
 *   - without CPUID.1:ECX[31], nothing is recorded;
 *   - the record equals a model of the documented rules: a block counts
 *     when its EAX lies inside it and its signature is printable ASCII
 *     padded with NULs (KVM's signature with EAX 0 means base + 1), at
 *     most HV_MAX are kept and the rest counted; the kind follows the
 *     signature; features and hints come from base + 1 when the block
 *     reaches it;
 *   - every kept block: base in range, 0x100 apart, ascending; signature
 *     NUL-terminated inside its 13 bytes;
 *   - hv_kvm_feature_names never writes past its buffer, always
 *     terminates, names each set bit once in ascending order, and cuts
 *     only where the next name does not fit.
 */
/* fuzz-sources: arch/x86/hypervisor.c */
#include "fuzz.h"

#include <arch/hypervisor.h>

#define NSEL 0x10000u   /* leaf offsets 0x40000000 + 0..0xffff */

static struct answer {
    uint32_t a, b, c, d;
    uint32_t gen;   /* set in this run */
    uint32_t asked;   /* asked in this run (== gen) */
} leaves[NSEL];
static uint32_t gen;
static uint32_t leaf1_ecx;
static struct answer fallback;
static unsigned calls, leaf1_asked;

static const struct answer *lookup(uint32_t leaf)
{
    uint32_t sel = leaf - HV_FIRST_BASE;
    if (leaf >= HV_FIRST_BASE && sel < NSEL && leaves[sel].gen == gen)
        return &leaves[sel];
    return &fallback;
}

static void fake_cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    calls++;
    FUZZ_CHECK(calls <= 1 + 2 * 256, "the scan did not end after %u CPUID calls", calls);
    if (leaf == 1) {
        FUZZ_CHECK(!leaf1_asked++, "leaf 1 asked twice");
        *a = *b = *d = 0;
        *c = leaf1_ecx;
        return;
    }
    FUZZ_CHECK(leaf >= HV_FIRST_BASE && leaf <= HV_LAST_BASE + 1, "asked leaf %#x", leaf);
    struct answer *seen = &leaves[leaf - HV_FIRST_BASE];
    FUZZ_CHECK(seen->asked != gen, "leaf %#x asked twice", leaf);
    seen->asked = gen;
    const struct answer *r = lookup(leaf);
    *a = r->a, *b = r->b, *c = r->c, *d = r->d;
}

/* ---- the model --------------------------------------------------------- */

static bool printable_padded(const char s[12])
{
    int end = 12;
    while (end > 0 && s[end - 1] == '\0')
        end--;
    for (int i = 0; i < end; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return end > 0;
}

static enum hv_kind kind_of(const char s[12])
{
    /* cpuid.rst and the vendors: the signatures in EBX ECX EDX */
    if (!memcmp(s, "KVMKVMKVM\0\0\0", 12)) return HV_KVM;
    if (!memcmp(s, "XenVMMXenVMM", 12)) return HV_XEN;
    if (!memcmp(s, "Microsoft Hv", 12)) return HV_HYPERV;
    if (!memcmp(s, "VMwareVMware", 12)) return HV_VMWARE;
    if (!memcmp(s, "TCGTCGTCGTCG", 12)) return HV_TCG;
    return HV_UNKNOWN;
}

static void model(struct hv_info *w)
{
    memset(w, 0, sizeof(*w));
    w->cpuid_bit = leaf1_ecx >> 31;
    if (!w->cpuid_bit)
        return;
    for (uint32_t base = HV_FIRST_BASE; base <= HV_LAST_BASE; base += HV_STEP) {
        const struct answer *r = lookup(base);
        char sig[12];
        memcpy(sig, &r->b, 4);
        memcpy(sig + 4, &r->c, 4);
        memcpy(sig + 8, &r->d, 4);
        uint32_t max = r->a;
        if (kind_of(sig) == HV_KVM && max == 0)
            max = base + 1;
        if (max < base || max - base >= HV_STEP || !printable_padded(sig))
            continue;
        if (w->n == HV_MAX) {
            w->dropped++;
            continue;
        }
        struct hv_block *blk = &w->b[w->n++];
        blk->base = base;
        blk->max_leaf = max;
        blk->kind = kind_of(sig);
        memcpy(blk->signature, sig, 12);
        if (max > base) {
            blk->features = lookup(base + 1)->a;
            blk->hints = lookup(base + 1)->d;
        }
    }
}

/* ---- checks ------------------------------------------------------------ */

static void check_record(const struct hv_info *h, const struct hv_info *w)
{
    FUZZ_CHECK(h->cpuid_bit == w->cpuid_bit, "cpuid_bit %d", h->cpuid_bit);
    FUZZ_CHECK(h->n == w->n && h->dropped == w->dropped, "%u blocks, %u dropped; the model %u, %u",
               h->n, h->dropped, w->n, w->dropped);
    FUZZ_CHECK(h->n <= HV_MAX, "n = %u", h->n);
    for (unsigned i = 0; i < h->n; i++) {
        const struct hv_block *b = &h->b[i], *m = &w->b[i];
        FUZZ_CHECK(b->base >= HV_FIRST_BASE && b->base <= HV_LAST_BASE &&
                       (b->base - HV_FIRST_BASE) % HV_STEP == 0 &&
                       (i == 0 || b->base > h->b[i - 1].base),
                   "block %u at %#x", i, b->base);
        FUZZ_CHECK(memchr(b->signature, '\0', sizeof(b->signature)) != NULL,
                   "block %u: signature not terminated", i);
        FUZZ_CHECK(b->base == m->base && b->max_leaf == m->max_leaf && b->kind == m->kind &&
                       !memcmp(b->signature, m->signature, 13) && b->features == m->features &&
                       b->hints == m->hints,
                   "block %u: %#x..%#x kind %d \"%s\" features %#x hints %#x; the model %#x..%#x "
                   "kind %d \"%s\" %#x %#x",
                   i, b->base, b->max_leaf, b->kind, b->signature, b->features, b->hints, m->base,
                   m->max_leaf, m->kind, m->signature, m->features, m->hints);
        const char *name = hv_kind_name(b->kind);
        FUZZ_CHECK(name && name[0], "kind %d has no name", b->kind);
    }
}

static void check_feature_names(uint32_t features, size_t len)
{
    static char full[1024];
    hv_kvm_feature_names(features, full, sizeof(full));
    /* one token per set bit, ascending; an unnamed bit is "bitNN" */
    unsigned tokens = 0;
    for (const char *p = full; *p; tokens++) {
        size_t l = strcspn(p, " ");
        FUZZ_CHECK(l > 0, "empty name in \"%s\"", full);
        if (l == 5 && !strncmp(p, "bit", 3)) {
            unsigned bit = (unsigned)(p[3] - '0') * 10 + (unsigned)(p[4] - '0');
            FUZZ_CHECK(bit < 32 && (features >> bit & 1), "\"%s\" for features %#x", full, features);
        }
        p += l;
        if (*p)
            p++;
    }
    FUZZ_CHECK(tokens == (unsigned)__builtin_popcount(features), "%u names for features %#x: \"%s\"",
               tokens, features, full);

    char *buf = malloc(len);   /* exact: a write past it is an ASan report */
    memset(buf, 0x5a, len);
    const char *r = hv_kvm_feature_names(features, buf, len);
    FUZZ_CHECK(r == buf, "did not return its buffer");
    size_t used = strnlen(buf, len);
    FUZZ_CHECK(used < len, "no NUL in a %zu-byte buffer", len);
    FUZZ_CHECK(!strncmp(buf, full, used) && (!used || !full[used] || full[used] == ' '),
               "\"%s\" is not a whole-name prefix of \"%s\"", buf, full);
    if (full[used]) {
        const char *next = full + used + (used ? 1 : 0);
        size_t l = strcspn(next, " ");
        FUZZ_CHECK(used + l + 2 > len, "stopped at \"%s\" with room for \"%.*s\" in %zu bytes",
                   buf, (int)l, next, len);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    static struct hv_info h, want;

    gen++;
    calls = leaf1_asked = 0;
    leaf1_ecx = fuzz_u32(&in);
    size_t names_len = fuzz_u8(&in);
    if (!names_len)
        names_len = 200;
    fallback.a = fuzz_u32(&in);
    fallback.b = fuzz_u32(&in);
    fallback.c = fuzz_u32(&in);
    fallback.d = fuzz_u32(&in);
    while (fuzz_left(&in) >= 19) {
        uint8_t flags = fuzz_u8(&in);
        uint32_t sel = fuzz_u16(&in);
        struct answer *r = &leaves[sel];
        r->a = fuzz_u32(&in);
        r->b = fuzz_u32(&in);
        r->c = fuzz_u32(&in);
        r->d = fuzz_u32(&in);
        if (flags & 1)
            r->a = HV_FIRST_BASE + (sel & ~(HV_STEP - 1)) + r->a % 0x200;
        r->gen = gen;
    }

    hv_scan(fake_cpuid, &h);
    FUZZ_CHECK(h.cpuid_bit || calls == 1, "no hypervisor bit, yet %u CPUID calls", calls);
    model(&want);
    check_record(&h, &want);

    check_feature_names(fallback.a, names_len);
    for (unsigned i = 0; i < h.n; i++)
        check_feature_names(h.b[i].features, names_len);
    return 0;
}
