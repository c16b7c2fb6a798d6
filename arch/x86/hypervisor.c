/*
 * Hypervisor discovery through CPUID (arch/hypervisor.h): the scan of the
 * 0x40000000 range and the boot-time record of what it found.
 *
 * A block is believed only if it looks like one: its EAX (highest leaf)
 * lies inside the block, and its signature is printable ASCII padded with
 * NULs. The check matters because on Intel CPUs, and under KVM on them, a
 * leaf beyond every range returns the highest basic leaf's data, which
 * would otherwise be read as a stream of "unknown hypervisors". The one
 * exception is old KVM, which leaves EAX 0 in its first block: KVM's own
 * signature with EAX 0 means 0x40000001 (Linux Documentation/virt/kvm/x86/cpuid.rst).
 */
#include <arch/hypervisor.h>
#include <proteus/printk.h>
#include <proteus/string.h>

static const struct {
    const char sig[13];
    enum hv_kind kind;
} known[] = {
    { "KVMKVMKVM\0\0\0", HV_KVM },
    { "XenVMMXenVMM", HV_XEN },
    { "Microsoft Hv", HV_HYPERV },
    { "VMwareVMware", HV_VMWARE },
    { "TCGTCGTCGTCG", HV_TCG },
};

static bool plausible_signature(const char s[12])
{
    bool any = false, ended = false;
    for (int i = 0; i < 12; i++) {
        if (s[i] == '\0') {
            ended = true;
            continue;
        }
        if (ended || s[i] < 0x20 || s[i] > 0x7e)
            return false;   /* text after padding, or not text at all */
        any = true;
    }
    return any;
}

/* Is the block at `base` one to look at (the leaf's EAX in hand)? Most of
 * the 256 bases hold nothing, and this passes over them before any
 * comparison; old KVM's EAX of 0 needs the signature to decide. */
static inline bool base_occupied(u32 base, u32 a, u32 b, u32 c, u32 d)
{
    return (a >= base && a < base + HV_STEP) || (a == 0 && (b | c | d));
}

/* An occupied base: recorded if its max leaf lies inside the block and
 * its signature is text. */
static void record_base(hv_cpuid_fn cpuid, u32 base, u32 a, u32 b, u32 c, u32 d,
                        struct hv_info *out)
{
    char sig[12];
    memcpy(sig + 0, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    enum hv_kind kind = HV_UNKNOWN;
    for (unsigned i = 0; i < ARRAY_SIZE(known); i++)
        if (!memcmp(sig, known[i].sig, 12))
            kind = known[i].kind;
    if (kind == HV_KVM && a == 0)
        a = base + 1;
    bool ok = a >= base && a < base + HV_STEP && plausible_signature(sig);
    if (ok && out->n == HV_MAX) {
        out->dropped++;
    } else if (ok) {
        struct hv_block *blk = &out->b[out->n++];
        blk->base = base;
        blk->max_leaf = a;
        blk->kind = kind;
        memcpy(blk->signature, sig, 12);
        blk->signature[12] = '\0';
        if (a >= base + 1) {
            cpuid(base + 1, &a, &b, &c, &d);
            blk->features = a;
            blk->hints = d;
        }
    }
}

/*T:240 What the probes read. A hypervisor that wants to be seen sets
 * CPUID.1:ECX bit 31, which hardware leaves 0 (SDM Vol. 2A, CPUID,
 * "Feature Information": bit 31 not used), and answers leaves from
 * 0x40000000 up in blocks 0x100 apart: leaf `base` gives the block's
 * highest leaf in EAX and a 12-byte signature in EBX, ECX, EDX
 * ("KVMKVMKVM\0\0\0", "XenVMMXenVMM", "TCGTCGTCGTCG"); leaf base+1 is the
 * features (KVM's bits; Xen's version). Linux
 * Documentation/virt/kvm/x86/cpuid.rst. Every block is recorded, as
 * several may be present (a Hyper-V block at 0x40000000, KVM's moved to
 * 0x40000100), and reading CPUID changes nothing.
 * The scan, inlined into each caller so that a constant `cpuid` becomes
 * the instruction in the loop: an indirect call and the record's checks
 * per base were 16,000 of the boot's instructions for 256 mostly empty
 * bases (issue 18). */
static inline __attribute__((always_inline)) void hv_scan_inline(hv_cpuid_fn cpuid,
                                                                 struct hv_info *out)
{
    u32 a, b, c, d;
    memset(out, 0, sizeof(*out));
    cpuid(1, &a, &b, &c, &d);
    out->cpuid_bit = c & (1u << 31);
    /* Without the bit there is no hypervisor that wants to be seen (or it
     * is Xen PV without CPUID faulting, which its entry path announces). */
    if (!out->cpuid_bit)
        return;
    for (u32 base = HV_FIRST_BASE;; base += HV_STEP) {
        cpuid(base, &a, &b, &c, &d);
        if (base_occupied(base, a, b, c, d))
            record_base(cpuid, base, a, b, c, d, out);
        if (base == HV_LAST_BASE)
            break;
    }
}

void hv_scan(hv_cpuid_fn cpuid, struct hv_info *out)
{
    hv_scan_inline(cpuid, out);
}

const char *hv_kind_name(enum hv_kind k)
{
    switch (k) {
    case HV_KVM: return "KVM";
    case HV_XEN: return "Xen";
    case HV_HYPERV: return "Hyper-V";
    case HV_VMWARE: return "VMware";
    case HV_TCG: return "QEMU TCG";
    default: return "unknown";
    }
}

const char *hv_kvm_feature_names(u32 features, char *buf, size_t len)
{
    static const char *const names[32] = {
        [0] = "clocksource", [1] = "nop_io_delay", [2] = "mmu_op", [3] = "clocksource2",
        [4] = "async_pf", [5] = "steal_time", [6] = "pv_eoi", [7] = "pv_unhalt",
        [9] = "pv_tlb_flush", [10] = "async_pf_vmexit", [11] = "pv_send_ipi",
        [12] = "poll_control", [13] = "pv_sched_yield", [14] = "async_pf_int",
        [15] = "msi_ext_dest_id", [16] = "hc_map_gpa_range", [17] = "migration_control",
        [24] = "clocksource_stable",
    };
    size_t used = 0;
    if (!len)
        return buf;
    buf[0] = '\0';
    for (unsigned i = 0; i < 32; i++) {
        if (!(features & (1u << i)))
            continue;
        char unnamed[8] = "bit";
        const char *n = names[i];
        if (!n) {
            unnamed[3] = (char)('0' + i / 10);
            unnamed[4] = (char)('0' + i % 10);
            unnamed[5] = '\0';
            n = unnamed;
        }
        size_t l = strlen(n);
        if (used + l + 2 > len)
            break;   /* the caller's buffer is full: the rest is left out */
        if (used)
            buf[used++] = ' ';
        memcpy(buf + used, n, l + 1);
        used += l;
    }
    return buf;
}

#ifdef __KERNEL__
#include <arch/x86.h>
#include <proteus/pvops.h>

struct hv_info hypervisors;

/* Before a personality is installed (its probe), CPUID is the instruction;
 * afterwards the cpu op, which under Xen PV is the forced-emulation form
 * that shows Xen's leaves rather than the host CPU's. */
static inline void instruction_cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
    x86_cpuid(leaf, 0, a, b, c, d);
}

static void op_cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
    struct cpuid_regs r;
    cpuid(leaf, &r);
    *a = r.eax;
    *b = r.ebx;
    *c = r.ecx;
    *d = r.edx;
}

void hypervisor_detect(void)
{
    if (!pv_ops.cpu.cpuid)
        hv_scan_inline(instruction_cpuid, &hypervisors);
    else
        hv_scan_inline(op_cpuid, &hypervisors);
}

const struct hv_block *hypervisor_find(enum hv_kind k)
{
    for (unsigned i = 0; i < hypervisors.n; i++)
        if (hypervisors.b[i].kind == k)
            return &hypervisors.b[i];
    return NULL;
}

void hypervisor_print(void)
{
    if (!hypervisors.cpuid_bit) {
        pr_info("hypervisor: none announced (CPUID.1:ECX[31] clear)\n");
        return;
    }
    if (!hypervisors.n)
        pr_info("hypervisor: CPUID.1:ECX[31] set, but no signature in 0x40000000-0x4000ffff\n");
    for (unsigned i = 0; i < hypervisors.n; i++) {
        const struct hv_block *b = &hypervisors.b[i];
        char names[200];
        pr_info("hypervisor: %s \"%s\" at 0x%08x, leaves to 0x%08x", hv_kind_name(b->kind),
               b->signature, b->base, b->max_leaf);
        if (b->kind == HV_KVM && b->max_leaf > b->base)
            pr_info(", features 0x%x (%s), hints 0x%x\n", b->features,
                   hv_kvm_feature_names(b->features, names, sizeof(names)), b->hints);
        else if (b->kind == HV_XEN && b->max_leaf > b->base)
            pr_info(", version %u.%u\n", b->features >> 16, b->features & 0xffff);
        else
            pr_info("\n");
    }
    if (hypervisors.dropped)
        pr_info("hypervisor: %u more block(s) not recorded\n", hypervisors.dropped);
}
#endif
