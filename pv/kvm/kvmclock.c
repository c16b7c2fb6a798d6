/*T:695
 * kvmclock: KVM's paravirtual clock. The guest gives the host the physical
 * address of a 32-byte pvclock structure (MSR_KVM_SYSTEM_TIME_NEW, bit 0
 * enables); the host keeps in it a TSC value, its system time at that TSC
 * and the scale between them, so that the guest reads nanoseconds with one
 * rdtsc and no exit, at a rate the host measured, not one the guest had to
 * calibrate (Linux Documentation/virt/kvm/x86/msr.rst; the math is lib/pvclock.c, shared with Xen).
 *
 * Each vCPU registers a structure of its own (the boot CPU at start, the
 * others as they enter the kernel: kvmclock_start_cpu), since the host
 * keeps each one for that vCPU's TSC.
 *
 * The stable bit: only when CPUID advertises CLOCKSOURCE_STABLE_BIT does
 * the structure's flag bit 0 mean anything, and only then may readings be
 * trusted to agree across vCPUs and across the host's updates; every CPU
 * then reads the boot CPU's structure, as Linux's vDSO does, one load
 * fewer. Without it each CPU reads its own, and the host may step the
 * extrapolated time back by a little at an update or between vCPUs, so
 * every reading is held to at least the last one returned on any CPU.
 * The host may clear the flag later (KVM does when it stops using its
 * master clock, e.g. once its own kernel finds its TSC unstable), so it
 * is checked on every reading, as Linux's pvclock does, and the clock
 * goes over to the per-vCPU, held-monotonic way for good.
 *
 * The wall clock: MSR_KVM_WALL_CLOCK_NEW makes the host write, at that
 * moment only, the Unix time at system time 0; it is read once at start.
 */
#include "kvm.h"
#include <arch/cpu.h>
#include <proteus/errno.h>
#include <proteus/offer.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/pvclock.h>
#include <proteus/spinlock.h>
#include <proteus/timekeeping.h>
#include <proteus/vm.h>

#define PVCLOCK_TRIES 1000000

/* One structure per vCPU, each in its own 64-byte line as Linux keeps
 * them. */
static struct {
    struct pvclock_time_info t;
} __aligned(64) pvti[MAX_CPUS];
static struct kvm_wall_clock wall __aligned(64);
static u64 boot_system_ns, boot_wall_ns, last_ns, hz;
static spinlock_t last_lock = SPINLOCK_INIT;
static bool stable;

static struct pvclock_time_info *mine(void)
{
    return &pvti[__atomic_load_n(&stable, __ATOMIC_ACQUIRE) ? 0 : this_cpu()->id].t;
}

static void snapshot(struct pvclock_snapshot *s)
{
    struct pvclock_time_info *p = mine();
    int err = pvclock_snapshot(p, s, PVCLOCK_TRIES);
    if (err == -EAGAIN)
        panic("kvmclock: the version stays odd (%u): the host never finishes updating it",
              p->version);
    if (err)
        panic("kvmclock: the host published a scale no clock can have (mul 0x%08x, shift %d)",
              s->mul, s->shift);
}

static u64 system_ns_at(u64 tsc)
{
    struct pvclock_snapshot s;
    snapshot(&s);
    return pvclock_ns(&s, tsc);
}

bool kvmclock_stable(void)
{
    return __atomic_load_n(&stable, __ATOMIC_ACQUIRE);
}

/* The host cleared the stable flag: from now on each CPU reads its own
 * structure, and no reading goes below `at`, the last stable one. */
static void stability_lost(u64 at)
{
    unsigned long f = spin_lock_irqsave(&last_lock);
    bool first = stable;
    if (first) {
        if (at > last_ns)
            last_ns = at;
        __atomic_store_n(&stable, false, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&last_lock, f);
    if (first)   /* outside the lock: printk may read this clock */
        printk("kvmclock: the host cleared the stable flag: each vCPU reads its own "
               "structure from now on, held monotonic\n");
}

static PVOP_ABI u64 kvmclock_ns(void)
{
    if (__atomic_load_n(&stable, __ATOMIC_ACQUIRE)) {
        struct pvclock_snapshot s;
        snapshot(&s);
        u64 now = pvclock_ns(&s, read_tsc()) - boot_system_ns;
        if (s.flags & PVCLOCK_TSC_STABLE)
            return now;
        stability_lost(now);
    }
    /* the structure read is this CPU's; the floor is every CPU's (a lock:
     * i386 has no 8-byte atomics without libatomic) */
    unsigned long f = spin_lock_irqsave(&last_lock);
    u64 now = system_ns_at(read_tsc()) - boot_system_ns;
    if (now < last_ns)
        now = last_ns;
    last_ns = now;
    spin_unlock_irqrestore(&last_lock, f);
    return now;
}

u64 kvmclock_ns_at_tsc(u64 tsc)
{
    return system_ns_at(tsc) - boot_system_ns;
}

PVOP_ABI u64 kvmclock_wallclock_at_boot_ns(void)
{
    return boot_wall_ns;
}

static PVOP_ABI u64 kvmclock_tsc_hz(void)
{
    return hz;
}

static int read_wall_clock(void)
{
    paddr_t pa = virt_to_phys_direct(&wall);
    int err = wrmsr_safe(MSR_KVM_WALL_CLOCK_NEW, pa);
    if (err) {
        printk("kvmclock: writing MSR_KVM_WALL_CLOCK_NEW (0x%x) = 0x%llx failed: %s (%d)\n",
               MSR_KVM_WALL_CLOCK_NEW, (unsigned long long)pa, errno_name(err), err);
        return err;
    }
    u32 v, sec, nsec;
    unsigned tries = PVCLOCK_TRIES;
    do {
        if (!tries--) {
            printk("kvmclock: the wall clock's version stays odd\n");
            return -EIO;
        }
        v = __atomic_load_n(&wall.version, __ATOMIC_ACQUIRE);
        sec = wall.sec;
        nsec = wall.nsec;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((v & 1) || v != __atomic_load_n(&wall.version, __ATOMIC_RELAXED));
    boot_wall_ns = (u64)sec * NSEC_PER_SEC + nsec + boot_system_ns;
    return 0;
}

/* This vCPU's structure registered and filled by the host: 0, or -EIO
 * after saying why (the registration is undone). */
static int register_this_cpu(unsigned cpu, struct pvclock_snapshot *s)
{
    paddr_t pa = virt_to_phys_direct(&pvti[cpu].t);
    int err = wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, pa | KVM_MSR_ENABLED);
    if (err) {
        printk("kvmclock: writing MSR_KVM_SYSTEM_TIME_NEW (0x%x) = 0x%llx on CPU %u failed: %s "
               "(%d)\n", MSR_KVM_SYSTEM_TIME_NEW, (unsigned long long)(pa | 1), cpu,
               errno_name(err), err);
        return err;
    }
    err = pvclock_snapshot(&pvti[cpu].t, s, PVCLOCK_TRIES);
    if (err) {
        printk("kvmclock: the host did not fill CPU %u's structure at 0x%llx (version %u, mul "
               "%u, shift %d): %s\n", cpu, (unsigned long long)pa, pvti[cpu].t.version,
               pvti[cpu].t.tsc_to_system_mul, pvti[cpu].t.tsc_shift,
               err == -EAGAIN ? "the version stays odd" : "no valid scale");
        wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, 0);
        return -EIO;
    }
    return 0;
}

/*T:785 On KVM a vCPU is started exactly as natively (INIT-SIPI-SIPI to the
 * emulated local APIC, the same trampoline); what KVM adds comes after,
 * on the started vCPU itself, from smp_ap_main's offers_start_cpu:
 * kvmclock here, PV EOI (apic.c) and steal time (steal.c), each an MSR
 * write that registers a per-vCPU structure with the host. Here, this
 * vCPU's kvmclock structure. With the stable bit the boot CPU's is what
 * every CPU reads, and this one is
 * registered all the same, so the host keeps a clock for every vCPU;
 * without it, one this CPU cannot register would leave it reading another
 * vCPU's: refused. */
static int kvmclock_start_cpu(unsigned cpu)
{
    struct pvclock_snapshot s;
    int err = register_this_cpu(cpu, &s);
    if (err && !stable)
        panic("kvmclock: CPU %u cannot register its own structure and the clock is not "
              "stable across vCPUs", cpu);
    return err;
}

/* Register the structure, check that the host fills it, take the rate. */
static int kvmclock_start(void)
{
    struct pvclock_snapshot s;
    int err = register_this_cpu(0, &s);
    if (err)
        return err;
    paddr_t pa = virt_to_phys_direct(&pvti[0].t);
    hz = pvclock_tsc_hz(s.mul, s.shift);
    if (!tsc_hz_plausible(hz)) {
        printk("kvmclock: the host's scale (mul 0x%08x, shift %d) gives a TSC rate of %llu Hz, "
               "outside %llu-%llu Hz: not used\n", s.mul, s.shift, (unsigned long long)hz,
               TSC_HZ_MIN, TSC_HZ_MAX);
        wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, 0);
        return -ERANGE;
    }
    stable = kvm_has(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) && (s.flags & PVCLOCK_TSC_STABLE);
    boot_system_ns = pvclock_ns(&s, read_tsc());
    err = read_wall_clock();
    if (err) {
        wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, 0);
        return err;
    }
    pr_info("time: kvmclock at 0x%llx, TSC %llu.%03llu MHz (from the host's scale), %s\n",
            (unsigned long long)pa, (unsigned long long)(hz / 1000000),
            (unsigned long long)(hz / 1000 % 1000),
            stable ? "stable bit set: no monotonic floor needed"
                   : "no stable bit: readings held monotonic");
    kvm_clock_pairing_report();   /* compares the host's clock with kvmclock */
    return 0;
}

/*T:697 kvmclock as an offered clock (docs/mixing.md): any personality that
 * accepts a paravirtual clock keeps its own timer and takes this clock.
 * It is found by CPUID (KVM_FEATURE_CLOCKSOURCE2, bit 3 of KVM's features
 * leaf: the MSRs at 0x4b564d00), started at step 7 before the
 * personality's time init (offers_start_clock), and its three ops below
 * replace clock_ns, the wall clock and the TSC rate when offers_take
 * merges them. The kvm personality is native with every offer accepted:
 * native_time_init then takes the rate from here instead of measuring,
 * and its local APIC timer stays the one-shot timer. */
static bool kvmclock_probe(void)
{
    return kvm_offers(KVM_FEATURE_CLOCKSOURCE2);
}

const struct offer kvmclock_offer = {
    .name = "kvmclock",
    .kind = OFFER_CLOCK,
    .probe = kvmclock_probe,
    .start = kvmclock_start,
    .start_cpu = kvmclock_start_cpu,
    .ops.time = {
        .clock_ns = kvmclock_ns,
        .wallclock_at_boot_ns = kvmclock_wallclock_at_boot_ns,
        .tsc_hz = kvmclock_tsc_hz,
    },
};
