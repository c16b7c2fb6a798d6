/*T:680
 * Xen PV time: the clock is the pvclock in this vCPU's vcpu_info (Xen's
 * system time, scaled from the TSC; include/proteus/pvclock.h), the wall
 * clock is shared_info's wc_sec/wc_nsec (the Unix time at system time 0,
 * read under wc_version like the pvclock), and the timer is the vCPU's
 * single-shot timer, VCPUOP_set_singleshot_timer, which raises VIRQ_TIMER.
 * Xen also gives every PV vCPU a 10 ms periodic VIRQ_TIMER; it is stopped,
 * so that an idle guest takes no ticks (xen/include/public/xen.h, struct
 * vcpu_time_info and VIRQ_TIMER; xen/include/public/vcpu.h,
 * VCPUOP_set_singleshot_timer and VCPUOP_stop_periodic_timer). Xen has an
 * older way to the same one-shot, the set_timer_op hypercall (number 15
 * in xen.h); Proteus uses the VCPUOP ones only. Nothing is measured: the
 * TSC's rate is the one the pvclock's scale states (xen_tsc_hz).
 *
 * The kernel's clock counts from its own start: Xen's system time minus
 * xen_boot_system_ns. Each vCPU reads its own vcpu_info's pvclock, which
 * Xen keeps for the physical CPU the vCPU runs on. A reading never goes
 * backwards, even across Xen's updates of the scale (which may step the
 * extrapolated time back by a little) or from one vCPU to another: the
 * last value returned on any vCPU is a floor, raised with a 64-bit
 * compare-and-swap (cmpxchg8b on i386, which -march=i686 has).
 */
#include "xen.h"
#include <arch/cpu.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/pvclock.h>
#include <proteus/timer.h>

BUILD_BUG_ON(sizeof(struct vcpu_time_info) != sizeof(struct pvclock_time_info));
BUILD_BUG_ON(__builtin_offsetof(struct vcpu_time_info, tsc_to_system_mul) !=
             __builtin_offsetof(struct pvclock_time_info, tsc_to_system_mul));
BUILD_BUG_ON(__builtin_offsetof(struct vcpu_time_info, flags) != __builtin_offsetof(struct pvclock_time_info, flags));

#define PVCLOCK_TRIES 1000000

u64 xen_boot_system_ns;
static u64 last_ns;
static evtchn_port_t timer_port;

static void snapshot(struct pvclock_snapshot *s)
{
    const volatile struct pvclock_time_info *t =
        (const volatile struct pvclock_time_info *)&xen_vcpu()->time;
    int err = pvclock_snapshot(t, s, PVCLOCK_TRIES);
    if (err == -EAGAIN)
        panic("xen: the pvclock's version stays odd (%u): Xen never finishes updating it",
              t->version);
    if (err)
        panic("xen: the pvclock has a scale no clock can have (mul 0x%08x, shift %d)", s->mul,
              s->shift);
}

static u64 system_ns(void)
{
    struct pvclock_snapshot s;
    snapshot(&s);
    return pvclock_ns(&s, read_tsc());
}

static PVOP_ABI u64 xen_clock_ns(void)
{
    unsigned long f = irq_save();   /* the snapshot and the TSC of one vCPU */
    u64 now = system_ns() - xen_boot_system_ns;
    irq_restore(f);
    /* __sync, not __atomic: GCC inlines only the former for 8 bytes on
     * i386 under -mgeneral-regs-only (the latter calls libatomic). There a
     * swap of 0 for 0 is the untorn read; x86_64 reads 8 bytes at once. */
    u64 floor = IS_ENABLED(CONFIG_64BIT) ? READ_ONCE(last_ns)
                                         : __sync_val_compare_and_swap(&last_ns, 0, 0);
    for (;;) {
        if (now <= floor)
            return floor;
        u64 seen = __sync_val_compare_and_swap(&last_ns, floor, now);
        if (seen == floor)
            return now;
        floor = seen;
    }
}

static PVOP_ABI u64 xen_wallclock_at_boot_ns(void)
{
    const volatile shared_info_t *sh = xen_shared_info;
    u64 sec, nsec;
    unsigned tries = PVCLOCK_TRIES;
    u32 v;
    do {
        if (!tries--)
            panic("xen: shared_info's wall-clock version stays odd");
        v = sh->wc_version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        sec = sh->wc_sec | (u64)sh->xen_wc_sec_hi << 32;
        nsec = sh->wc_nsec;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((v & 1) || v != sh->wc_version);
    return sec * 1000000000ULL + nsec + xen_boot_system_ns;
}

/* On this vCPU's own timers (Xen takes the single-shot ones only from
 * the vCPU itself: xen/common/domain.c, do_vcpu_op). */
static void vcpu_op(int cmd, void *arg, const char *what)
{
    unsigned id = xen_vcpu_id();
    long err = xen_hypercall(__HYPERVISOR_vcpu_op, cmd, id, arg);
    if (err)
        panic("xen: %s on vCPU %u failed: %s (%ld)", what, id, xen_errno_name(err), err);
}

/* A started vCPU, on itself (pv/xen/vcpu.c): no ticks either, and its own
 * VIRQ_TIMER (a per-vCPU VIRQ: xen/include/public/xen.h) bound to the
 * timer vector, for its own single-shot timer. */
void xen_time_init_cpu(void)
{
    vcpu_op(VCPUOP_stop_periodic_timer, NULL, "VCPUOP_stop_periodic_timer");
    unsigned cpu = this_cpu()->id;
    evtchn_port_t port;
    int err = xen_evtchn_bind_virq_cpu(VIRQ_TIMER, cpu, VEC_TIMER, &port);
    if (err)
        panic("xen: vCPU %u cannot take its timer (VIRQ_TIMER): %s (%d)", cpu,
              xen_errno_name(err), err);
}

/*T:685 The time group's arm_oneshot under Xen: one hypercall, with the
 * deadline moved from the kernel's clock to Xen's system time (the
 * kernel's 0 is Xen's xen_boot_system_ns). Xen raises VIRQ_TIMER on this
 * vCPU when its system time passes it; the event channel that VIRQ is
 * bound to is delivered as VEC_TIMER (pv/xen/events.c), so kernel/timer.c
 * sees the same interrupt as natively. The expiry is Xen's to keep: the
 * guest measures no timer rate. */
static PVOP_ABI void xen_arm_oneshot(u64 deadline)
{
    if (!deadline) {
        vcpu_op(VCPUOP_stop_singleshot_timer, NULL, "VCPUOP_stop_singleshot_timer");
        return;
    }
    /* flags 0: a deadline already past fires at once */
    struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline + xen_boot_system_ns };
    vcpu_op(VCPUOP_set_singleshot_timer, &t, "VCPUOP_set_singleshot_timer");
}

static PVOP_ABI u64 xen_tsc_hz(void)
{
    struct pvclock_snapshot s;
    snapshot(&s);
    return pvclock_tsc_hz(s.mul, s.shift);
}

/* time.init: after the event channels (apic.init) and the kernel's timer
 * vector (timer_init): stop the tick, bind VIRQ_TIMER to VEC_TIMER. */
static PVOP_ABI int xen_time_init(void)
{
    xen_boot_system_ns = system_ns();
    vcpu_op(VCPUOP_stop_periodic_timer, NULL, "VCPUOP_stop_periodic_timer");
    int err = xen_evtchn_bind_virq(VIRQ_TIMER, VEC_TIMER, &timer_port);
    if (err)
        return err;
    struct pvclock_snapshot s;
    snapshot(&s);
    /* a rate no TSC has is refused by kernel_main, after this line shows the scale */
    u64 hz = pvclock_tsc_hz(s.mul, s.shift);
    printk("xen: pvclock: TSC %llu.%03llu MHz (scale 0x%08x, shift %d), %s; VIRQ_TIMER on port %u, "
           "periodic tick stopped\n", (unsigned long long)(hz / 1000000),
           (unsigned long long)(hz / 1000 % 1000), s.mul, s.shift,
           s.flags & PVCLOCK_TSC_STABLE ? "stable" : "not marked stable", timer_port);
    return 0;
}

const struct pv_time_ops xen_time_ops = {
    .name = "xen-pvclock",
    .init = xen_time_init,
    .clock_ns = xen_clock_ns,
    .wallclock_at_boot_ns = xen_wallclock_at_boot_ns,
    .arm_oneshot = xen_arm_oneshot,
    .tsc_hz = xen_tsc_hz,
};

/* After a restore on what may be another host: Xen's system time starts
 * from that host's boot, so the kernel's clock is made to go on from
 * `clock_before`, its reading when the domain was suspended (the time the
 * domain was away does not count, as CLOCK_MONOTONIC does not count a
 * suspend); the wall clock follows from the new shared_info. The tick is
 * stopped again and the one-shot timer re-armed. */
void xen_time_resume(u64 clock_before)
{
    xen_boot_system_ns = system_ns() - clock_before;
    xen_time_resume_cpu();
}

/* Each vCPU for itself: Xen takes these only from the vCPU itself. */
void xen_time_resume_cpu(void)
{
    vcpu_op(VCPUOP_stop_periodic_timer, NULL, "VCPUOP_stop_periodic_timer");
    timer_reprogram();
}
