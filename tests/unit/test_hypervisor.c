/*
 * arch/x86/hypervisor.c: the CPUID scan of 0x40000000-0x4000ff00 against
 * tables standing in for real machines: KVM alone, QEMU/KVM with Hyper-V
 * enlightenments (KVM moved to 0x40000100), Xen with viridian, QEMU's TCG,
 * old KVM with EAX 0, a bare CPU, and the Intel behaviour that returns the
 * highest basic leaf for every leaf out of range, which must not turn into
 * 256 "unknown hypervisors".
 */
/* unit-sources: arch/x86/hypervisor.c */
#include "unit.h"

#include <arch/hypervisor.h>

struct leaf {
    u32 leaf, a, b, c, d;
};

static const struct leaf *table;
static size_t table_n;
static struct leaf fallback;   /* what a leaf not in the table returns */
static unsigned calls;

static void fake_cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
    calls++;
    const struct leaf *l = &fallback;
    for (size_t i = 0; i < table_n; i++)
        if (table[i].leaf == leaf)
            l = &table[i];
    *a = l->a;
    *b = l->b;
    *c = l->c;
    *d = l->d;
}

#define KVM_SIG 0x4b4d564b, 0x564b4d56, 0x0000004d
#define XEN_SIG 0x566e6558, 0x65584d4d, 0x4d4d566e
#define HV_SIG 0x7263694d, 0x666f736f, 0x76482074
#define TCG_SIG 0x54474354, 0x43544743, 0x47435447
#define HV_BIT (1u << 31)

static struct hv_info scan(const struct leaf *t, size_t n)
{
    struct hv_info info;
    table = t;
    table_n = n;
    calls = 0;
    hv_scan(fake_cpuid, &info);
    return info;
}

TEST(hv_kvm_alone)
{
    static const struct leaf t[] = {
        { 1, 0, 0, HV_BIT, 0 },
        { 0x40000000, 0x40000001, KVM_SIG },
        { 0x40000001, 0x010001fb, 0, 0, 1 },
    };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK(i.cpuid_bit);
    CHECK_EQ(i.n, 1u);
    CHECK_EQ(i.b[0].kind, HV_KVM);
    CHECK_EQ(i.b[0].base, 0x40000000u);
    CHECK_EQ(i.b[0].features, 0x010001fbu);
    CHECK_EQ(i.b[0].hints, 1u);
    CHECK_STREQ(i.b[0].signature, "KVMKVMKVM");
    CHECK_EQ(calls, 2u + 256u);   /* leaf 1, every block, one feature leaf */
}

TEST(hv_kvm_behind_hyperv)
{
    static const struct leaf t[] = {
        { 1, 0, 0, HV_BIT, 0 },
        { 0x40000000, 0x4000000b, HV_SIG },
        { 0x40000001, 0x31237648, 0, 0, 0 },
        { 0x40000100, 0x40000101, KVM_SIG },
        { 0x40000101, 1u << 3 | 1u << 6, 0, 0, 0 },
    };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK_EQ(i.n, 2u);
    CHECK_EQ(i.b[0].kind, HV_HYPERV);
    CHECK_EQ(i.b[1].kind, HV_KVM);
    CHECK_EQ(i.b[1].base, 0x40000100u);
    CHECK_EQ(i.b[1].features, 0x48u);
}

TEST(hv_xen_viridian_and_version)
{
    static const struct leaf t[] = {
        { 1, 0, 0, HV_BIT, 0 },
        { 0x40000000, 0x40000005, HV_SIG },
        { 0x40000100, 0x40000105, XEN_SIG },
        { 0x40000101, 4u << 16 | 17, 0, 0, 0 },
    };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK_EQ(i.n, 2u);
    CHECK_EQ(i.b[1].kind, HV_XEN);
    CHECK_EQ(i.b[1].features, 4u << 16 | 17);
}

TEST(hv_tcg_signature)
{
    static const struct leaf t[] = {
        { 1, 0, 0, HV_BIT, 0 },
        { 0x40000000, 0x40000001, TCG_SIG },
    };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK_EQ(i.n, 1u);
    CHECK_EQ(i.b[0].kind, HV_TCG);
    CHECK_STREQ(hv_kind_name(i.b[0].kind), "QEMU TCG");
}

TEST(hv_old_kvm_eax_zero)
{
    static const struct leaf t[] = {
        { 1, 0, 0, HV_BIT, 0 },
        { 0x40000000, 0, KVM_SIG },
        { 0x40000001, 1u << 0, 0, 0, 0 },
    };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK_EQ(i.n, 1u);
    CHECK_EQ(i.b[0].max_leaf, 0x40000001u);
    CHECK_EQ(i.b[0].features, 1u);
}

TEST(hv_unknown_signature_recorded)
{
    static const struct leaf t[] = {
        { 1, 0, 0, HV_BIT, 0 },
        { 0x40000200, 0x40000200, 0x656d6f53, 0x20564d48, 0 },   /* "SomeHMV " */
    };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK_EQ(i.n, 1u);
    CHECK_EQ(i.b[0].kind, HV_UNKNOWN);
    CHECK_EQ(i.b[0].base, 0x40000200u);
    CHECK_STREQ(i.b[0].signature, "SomeHMV ");
    CHECK_EQ(i.b[0].features, 0u);   /* a block of one leaf has no feature leaf */
}

TEST(hv_no_bit_no_scan)
{
    static const struct leaf t[] = {
        { 1, 0, 0, 0, 0 },
        { 0x40000000, 0x40000001, KVM_SIG },
    };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK(!i.cpuid_bit);
    CHECK_EQ(i.n, 0u);
    CHECK_EQ(calls, 1u);
}

/* Intel: out-of-range leaves return the highest basic leaf's registers. */
TEST(hv_intel_out_of_range_is_not_a_hypervisor)
{
    static const struct leaf t[] = {
        { 1, 0, 0, HV_BIT, 0 },
        { 0x40000000, 0x40000001, KVM_SIG },
        { 0x40000001, 0x8, 0, 0, 0 },
    };
    fallback = (struct leaf){ 0, 0x00000007, 0x00000340, 0x00000340, 0x00000000 };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK_EQ(i.n, 1u);
    CHECK_EQ(i.dropped, 0u);
    /* even text-like garbage is refused when EAX lies outside its block */
    fallback = (struct leaf){ 0, 0x0000000d, 0x756e6547, 0x6c65746e, 0x49656e69 };
    i = scan(t, ARRAY_SIZE(t));
    CHECK_EQ(i.n, 1u);
    fallback = (struct leaf){ 0 };
}

TEST(hv_too_many_blocks_counted)
{
    static struct leaf t[1 + 12];
    t[0] = (struct leaf){ 1, 0, 0, HV_BIT, 0 };
    for (u32 k = 0; k < 12; k++)
        t[1 + k] = (struct leaf){ 0x40000000 + k * 0x100, 0x40000000 + k * 0x100, TCG_SIG };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK_EQ(i.n, (unsigned)HV_MAX);
    CHECK_EQ(i.dropped, 12u - HV_MAX);
}

TEST(hv_signature_with_text_after_nul_refused)
{
    static const struct leaf t[] = {
        { 1, 0, 0, HV_BIT, 0 },
        { 0x40000000, 0x40000000, 0x0000004b, 0x4b4b4b4b, 0 },   /* "K\0\0\0KKKK" */
        { 0x40000100, 0x40000100, 0x0000001b, 0, 0 },           /* a control byte */
    };
    struct hv_info i = scan(t, ARRAY_SIZE(t));
    CHECK_EQ(i.n, 0u);
}

TEST(hv_kvm_feature_names)
{
    char buf[128];
    CHECK_STREQ(hv_kvm_feature_names(1u << 3 | 1u << 6 | 1u << 24, buf, sizeof(buf)),
                "clocksource2 pv_eoi clocksource_stable");
    CHECK_STREQ(hv_kvm_feature_names(1u << 8, buf, sizeof(buf)), "bit08");
    CHECK_STREQ(hv_kvm_feature_names(0, buf, sizeof(buf)), "");
    char small[16];
    CHECK_STREQ(hv_kvm_feature_names(0x7f, small, sizeof(small)), "clocksource");
}

/* A zero-length buffer is left alone (the fuzzer found a one-byte write). */
TEST(hv_kvm_feature_names_empty_buffer)
{
    char guard[2] = { 'x', 'y' };
    hv_kvm_feature_names(~0u, guard, 0);
    CHECK_EQ(guard[0], 'x');
}
