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
#include <proteus/errno.h>
#include <proteus/offer.h>
#include <proteus/percpu.h>
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
