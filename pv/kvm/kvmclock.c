/*
 * kvmclock: KVM's paravirtual clock. The guest gives the host the physical
 * address of a 32-byte pvclock structure (MSR_KVM_SYSTEM_TIME_NEW, bit 0
 * enables); the host keeps in it a TSC value, its system time at that TSC
 * and the scale between them, so that the guest reads nanoseconds with one
 * rdtsc and no exit, at a rate the host measured, not one the guest had to
 * calibrate (Linux Documentation/virt/kvm/x86/msr.rst; the math is lib/pvclock.c, shared with Xen).
 *
 * The stable bit: only when CPUID advertises CLOCKSOURCE_STABLE_BIT does
 * the structure's flag bit 0 mean anything, and only then may readings be
 * trusted to agree across vCPUs and across the host's updates. Without it
 * the host may step the extrapolated time back by a little at an update, so
 * every reading is held to at least the last one returned (one vCPU: kept
 * with interrupts off). With it the floor is skipped.
 *
 * The wall clock: MSR_KVM_WALL_CLOCK_NEW makes the host write, at that
 * moment only, the Unix time at system time 0; it is read once at start.
 */
#include "kvm.h"
#include "../native/native.h"
#include <arch/cpu.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/pvclock.h>
#include <proteus/timekeeping.h>
#include <proteus/vm.h>

#define PVCLOCK_TRIES 1000000

/* One vCPU: one structure, in its own 64-byte line as Linux keeps them. */
static struct pvclock_time_info pvti __aligned(64);
static struct kvm_wall_clock wall __aligned(64);
static u64 boot_system_ns, boot_wall_ns, last_ns, hz;
static bool stable;

static void snapshot(struct pvclock_snapshot *s)
{
    int err = pvclock_snapshot(&pvti, s, PVCLOCK_TRIES);
    if (err == -EAGAIN)
        panic("kvmclock: the version stays odd (%u): the host never finishes updating it",
              pvti.version);
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

PVOP_ABI u64 kvmclock_ns(void)
{
    if (stable)
        return system_ns_at(read_tsc()) - boot_system_ns;
    unsigned long f = irq_save();
    u64 now = system_ns_at(read_tsc()) - boot_system_ns;
    if (now < last_ns)
        now = last_ns;
    last_ns = now;
    irq_restore(f);
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

PVOP_ABI u64 kvmclock_tsc_hz(void)
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

/* Register the structure, check that the host fills it, take the rate. */
int kvmclock_start(void)
{
    paddr_t pa = virt_to_phys_direct(&pvti);
    int err = wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, pa | KVM_MSR_ENABLED);
    if (err) {
        printk("kvmclock: writing MSR_KVM_SYSTEM_TIME_NEW (0x%x) = 0x%llx failed: %s (%d)\n",
               MSR_KVM_SYSTEM_TIME_NEW, (unsigned long long)(pa | 1), errno_name(err), err);
        return err;
    }
    struct pvclock_snapshot s;
    err = pvclock_snapshot(&pvti, &s, PVCLOCK_TRIES);
    if (err) {
        printk("kvmclock: the host did not fill the structure at 0x%llx (version %u, mul %u, "
               "shift %d): %s\n", (unsigned long long)pa, pvti.version, pvti.tsc_to_system_mul,
               pvti.tsc_shift, err == -EAGAIN ? "the version stays odd" : "no valid scale");
        wrmsr_safe(MSR_KVM_SYSTEM_TIME_NEW, 0);
        return -EIO;
    }
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
    return 0;
}

/* The KVM personality's time: kvmclock, and the native timer (the local
 * APIC's, which KVM emulates) run from the rate kvmclock gives. Where
 * kvmclock is not offered or does not work (not filled, a version that
 * stays odd, a refused MSR write) the personality keeps its other extras
 * and takes the native TSC clock instead. Call sites are patched to these
 * ops before time_init, so each one hands on to the native op then. */
static bool running;

static PVOP_ABI int kvm_time_init(void)
{
    int err;
    if (!kvm_has(KVM_FEATURE_CLOCKSOURCE2))
        pr_info("kvm: no kvmclock offered (features 0x%x): the native TSC clock instead\n",
                kvm_block->features);
    else if ((err = kvmclock_start()))
        printk("kvm: kvmclock unusable (%s, %d): the native TSC clock instead\n",
               errno_name(err), err);
    else
        running = true;
    /* kvmclock gives the native timer its rate; without it native
     * time calibrates one and starts the timer itself */
    if (!running)
        pv_ops.time.name = native_time_ops.name;
    err = running ? native_timer_start(hz) : native_time_ops.init();
    if (err)
        return err;
    /* the extras: neither is needed to run */
    if (kvm_steal_time_start() == 0)
        pr_info("kvm: steal time registered\n");
    if (running)
        kvm_clock_pairing_report();   /* compares the host's clock with kvmclock */
    return 0;
}

static PVOP_ABI u64 kvm_clock_ns(void)
{
    return running ? kvmclock_ns() : native_time_ops.clock_ns();
}

static PVOP_ABI u64 kvm_wallclock_at_boot_ns(void)
{
    return running ? kvmclock_wallclock_at_boot_ns() : native_time_ops.wallclock_at_boot_ns();
}

static PVOP_ABI u64 kvm_tsc_hz(void)
{
    return running ? kvmclock_tsc_hz() : native_time_ops.tsc_hz();
}

static PVOP_ABI void kvm_arm_oneshot(u64 deadline)
{
    if (!running) {
        native_time_ops.arm_oneshot(deadline);
        return;
    }
    if (deadline == 0) {
        native_timer_arm_in(0);
        return;
    }
    u64 now = kvmclock_ns();
    native_timer_arm_in(deadline > now ? deadline - now : 1);
}

const struct pv_time_ops kvm_time_ops = {
    .name = "kvmclock",
    .init = kvm_time_init,
    .clock_ns = kvm_clock_ns,
    .wallclock_at_boot_ns = kvm_wallclock_at_boot_ns,
    .arm_oneshot = kvm_arm_oneshot,
    .tsc_hz = kvm_tsc_hz,
};
