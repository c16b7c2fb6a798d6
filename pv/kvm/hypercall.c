/*
 * KVM hypercalls. The instruction is Intel's vmcall (0F 01 C1) or AMD's
 * vmmcall (0F 01 D9), chosen by CPU vendor: KVM can rewrite the wrong one
 * when it traps as #UD, but that is a quirk a host may turn off, after
 * which the guest just gets #UD (Linux Documentation/virt/kvm/x86/hypercalls.rst). Number in RAX,
 * arguments in RBX, RCX, RDX, RSI, result in RAX, nothing else changed.
 *
 * The one hypercall the kernel makes for a purpose is KVM_HC_CLOCK_PAIRING:
 * the host's realtime and the TSC at one instant, which checks kvmclock's
 * wall clock against the host's. A host whose own clock is not the TSC
 * (a nested guest's often is not) answers -EOPNOTSUPP, which is reported
 * as that, not as a failure of the kernel.
 */
#include "kvm.h"
#include <arch/cpu.h>
#include <arch/extable.h>
#include <proteus/format.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/string.h>
#include <proteus/timekeeping.h>
#include <proteus/vm.h>

static bool amd_vendor(void)
{
    return !strcmp(cpu_features.vendor, "AuthenticAMD") ||
           !strcmp(cpu_features.vendor, "HygonGenuine");
}

const char *kvm_hypercall_insn(void)
{
    return amd_vendor() ? "vmmcall" : "vmcall";
}

/* A hypercall that traps in the guest instead (#UD: the host takes none;
 * #PF: the host tried to rewrite the instruction, which lies in read-only
 * text) resumes after it with -KVM_HC_TRAPPED, through the fault table. */
#define HYPERCALL(insn)                                                               \
    "1: " insn "\n2:\n"                                                               \
    ".pushsection .text.unlikely, \"ax\"\n3: mov $-" KVM_HC_TRAPPED_STR ", %0\njmp 2b\n" \
    ".popsection\n" EXTABLE_ASM("1b", "3b")

long kvm_hypercall2(unsigned long nr, unsigned long a0, unsigned long a1)
{
    long ret;
    __atomic_fetch_add(&hypercalls_made, 1, __ATOMIC_RELAXED);
    if (amd_vendor())
        __asm__ __volatile__(HYPERCALL("vmmcall") : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1) : "memory");
    else
        __asm__ __volatile__(HYPERCALL("vmcall") : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1) : "memory");
    return ret;
}

long kvm_hypercall4(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2,
                    unsigned long a3)
{
    long ret;
    __atomic_fetch_add(&hypercalls_made, 1, __ATOMIC_RELAXED);
    if (amd_vendor())
        __asm__ __volatile__(HYPERCALL("vmmcall")
                             : "=a"(ret)
                             : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
                             : "memory");
    else
        __asm__ __volatile__(HYPERCALL("vmcall")
                             : "=a"(ret)
                             : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
                             : "memory");
    return ret;
}

const char *kvm_hc_error_name(long ret)
{
    switch (ret) {
    case 0: return "ok";
    case -KVM_ENOSYS: return "KVM_ENOSYS";
    case -KVM_EPERM: return "EPERM";
    case -KVM_EFAULT: return "EFAULT";
    case -KVM_EOPNOTSUPP: return "EOPNOTSUPP";
    case -KVM_HC_TRAPPED: return "the instruction trapped in the guest";
    default: return "unknown error";
    }
}

long kvm_clock_pairing_check(s64 *diff_ns)
{
    static struct kvm_clock_pairing cp __aligned(64);
    memset(&cp, 0, sizeof(cp));
    long ret = kvm_hypercall2(KVM_HC_CLOCK_PAIRING, virt_to_phys_direct(&cp),
                              KVM_CLOCK_PAIRING_WALLCLOCK);
    if (ret)
        return ret;
    s64 host = cp.sec * (s64)NSEC_PER_SEC + cp.nsec;
    s64 ours = (s64)(kvmclock_wallclock_at_boot_ns() + kvmclock_ns_at_tsc(cp.tsc));
    *diff_ns = host - ours;
    return 0;
}

void kvm_clock_pairing_report(void)
{
    s64 diff;
    long ret = kvm_clock_pairing_check(&diff);
    if (ret == -KVM_EOPNOTSUPP)
        pr_info("kvm: %s KVM_HC_CLOCK_PAIRING: EOPNOTSUPP (the host's own clock is not the TSC)\n",
                kvm_hypercall_insn());
    else if (ret)
        printk("kvm: %s KVM_HC_CLOCK_PAIRING failed: %s (%ld)\n", kvm_hypercall_insn(),
               kvm_hc_error_name(ret), ret);
    else
        pr_info("kvm: %s KVM_HC_CLOCK_PAIRING: host realtime - kvmclock wall clock = %lld ns\n",
                kvm_hypercall_insn(), (long long)diff);
}
