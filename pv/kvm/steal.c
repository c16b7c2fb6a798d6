/*
 * Steal time: how long this vCPU was ready to run while the host ran
 * something else. The guest registers a zeroed, 64-byte aligned structure
 * (MSR_KVM_STEAL_TIME, bit 0 enables) and the host adds to its `steal`
 * field whenever it puts the vCPU back on a CPU, under an odd/even version
 * like the pvclock's (Linux Documentation/virt/kvm/x86/msr.rst). Idle time
 * (the guest halted) is not steal. It is an offered interface
 * (include/proteus/offer.h): running, it is the kernel's steal clock,
 * which `monitor` shows and apps read with proteus_steal_ns().
 */
#include "kvm.h"
#include "../native/native.h"
#include <proteus/errno.h>
#include <proteus/offer.h>
#include <proteus/percpu.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/string.h>
#include <proteus/vm.h>

/* One structure per vCPU; each CPU reads its own steal. */
static struct kvm_steal_time st[MAX_CPUS] __aligned(64);
static u64 last[MAX_CPUS];
static bool registered[MAX_CPUS];
static bool active;

bool kvm_steal_time_active(void)
{
    return active;
}

/* Bounded like the pvclock's read: a host that leaves the version odd
 * (a bug, or a hostile host) must not hang the reader. The last
 * consistent value stands in then, and the boot log says so once. */
#define STEAL_TRIES 1000000

/* This vCPU's steal (0 on a CPU whose registration failed). */
static u64 kvm_steal_ns(void)
{
    static bool reported;
    unsigned long f = irq_save();   /* this CPU's structure, read on this CPU */
    unsigned cpu = this_cpu()->id;
    const volatile struct kvm_steal_time *s = &st[cpu];
    u64 steal = last[cpu];
    unsigned tries;
    for (tries = 0; registered[cpu] && tries < STEAL_TRIES; tries++) {
        /* the version makes the two halves of `steal` consistent on i386 */
        u32 v = s->version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        u64 now = s->steal;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (!(v & 1) && v == s->version) {
            steal = last[cpu] = now;
            break;
        }
    }
    irq_restore(f);
    if (tries == STEAL_TRIES && !reported) {
        reported = true;
        printk("kvm: steal time's version stays odd on CPU %u (%u): the last consistent value "
               "(%llu ns) is used\n", cpu, s->version, (unsigned long long)steal);
    }
    return steal;
}

static bool kvm_steal_time_probe(void)
{
    return kvm_offers(KVM_FEATURE_STEAL_TIME);
}

static int register_this_cpu(unsigned cpu)
{
    memset(&st[cpu], 0, sizeof(st[cpu]));
    paddr_t pa = virt_to_phys_direct(&st[cpu]);
    int err = wrmsr_safe(MSR_KVM_STEAL_TIME, pa | KVM_MSR_ENABLED);
    if (err) {
        printk("kvm: writing MSR_KVM_STEAL_TIME (0x%x) = 0x%llx on CPU %u failed: %s (%d); no "
               "steal time there\n", MSR_KVM_STEAL_TIME, (unsigned long long)(pa | 1), cpu,
               errno_name(err), err);
        return err;
    }
    registered[cpu] = true;
    return 0;
}

static int kvm_steal_time_start(void)
{
    int err = register_this_cpu(0);
    if (err)
        return err;
    active = true;
    pr_info("kvm: steal time registered\n");
    return 0;
}

const struct offer kvm_steal_time_offer = {
    .name = "kvm-steal-time",
    .kind = OFFER_STEAL_TIME,
    .probe = kvm_steal_time_probe,
    .start = kvm_steal_time_start,
    .start_cpu = register_this_cpu,
    .steal_ns = kvm_steal_ns,
};

struct kvm_steal_time *kvm_steal_time_of(unsigned cpu)
{
    return cpu < MAX_CPUS && registered[cpu] ? &st[cpu] : NULL;
}

/* Flushes left to the host rather than sent as IPIs (kvm_flush_others,
 * below): monitor's hv and selftest print the count. */
unsigned long kvm_flushes_left_to_host;

static bool pv_tlb_flush_probe(void)
{
    return kvm_offers(KVM_FEATURE_PV_TLB_FLUSH) && kvm_offers(KVM_FEATURE_STEAL_TIME);
}

static int pv_tlb_flush_start(void)
{
    if (!active) {
        printk("kvm: PV TLB flush needs steal time, which is not registered\n");
        return -ENODEV;
    }
    return 0;
}

/*T:490
 * Under KVM a page-table write is the native one: the kvm personality
 * overlays no mmu op, the store goes to the guest's own tables, and the
 * host sees them only through its own paging of the guest (nested paging,
 * EPT or NPT, or shadow tables), never through a call. What KVM
 * changes is the flush of other CPUs' TLBs, mixed in as an offer (the boot
 * line then says mmu=native+pv-tlb-flush).
 *
 * PV TLB flush (cpuid.rst, KVM_FEATURE_PV_TLB_FLUSH), an offered
 * interface: a vCPU the host has preempted cannot take an IPI until it
 * runs again, and the shootdown would wait for it. Instead the flush is
 * left to the host: KVM_VCPU_FLUSH_TLB added to that vCPU's `preempted`
 * byte in its steal-time structure (atomically, since the host clears the
 * byte when it resumes the vCPU) has the host flush its TLB before it
 * runs guest code again. The other vCPUs get the native shootdown.
 * Needs steal time registered on the vCPUs concerned.
 */
static PVOP_ABI void kvm_flush_others(u32 cpus, vaddr_t va, size_t len)
{
    u32 rest = 0;
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!(cpus & (1u << cpu)))
            continue;
        struct kvm_steal_time *s = kvm_steal_time_of(cpu);
        u8 state = s ? __atomic_load_n(&s->preempted, __ATOMIC_ACQUIRE) : 0;
        if ((state & KVM_VCPU_PREEMPTED) &&
            __atomic_compare_exchange_n(&s->preempted, &state, (u8)(state | KVM_VCPU_FLUSH_TLB),
                                        false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            __atomic_fetch_add(&kvm_flushes_left_to_host, 1, __ATOMIC_RELAXED);
            continue;
        }
        rest |= 1u << cpu;   /* running (or just resumed): the IPI */
    }
    if (rest)
        native_ops.mmu.flush_tlb_others(rest, va, len);
}

const struct offer kvm_pv_tlb_flush_offer = {
    .name = "pv-tlb-flush",
    .kind = OFFER_TLB_FLUSH,
    .probe = pv_tlb_flush_probe,
    .start = pv_tlb_flush_start,
    .ops.mmu.flush_tlb_others = kvm_flush_others,
};
