/*
 * Native time: the TSC is the clock and the local APIC timer, one-shot
 * (TSC-deadline mode where the CPU has it), is the timer. The TSC rate
 * comes from CPUID (leaf 0x15, 0x16, or a hypervisor's timing leaf
 * 0x40000010) when the CPU reports it, else it is measured over one 5 ms
 * PIT window (or, without a PIT, 16 periods of the RTC's 1024 Hz flag),
 * the same window that measures the APIC timer. The wall clock is the CMOS
 * RTC read once at boot. SDM Vol. 3B, 18.7.3 (determining the TSC
 * frequency); Vol. 2A, CPUID leaves 15H and 16H.
 */
#include "native.h"
#include <arch/cpu.h>
#include <drivers/cmos_rtc.h>
#include <drivers/pit.h>
#include <drivers/lapic.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/timekeeping.h>

static u64 tsc0, hz, boot_wall_ns;
static struct clock_scale scale, ns_to_tsc;
static const char *hz_source = "none";

static u64 tsc_from_cpuid(void)
{
    struct cpuid_regs r;
    if (cpu_features.max_leaf >= 0x15) {
        cpuid(0x15, &r);
        if (r.eax && r.ebx && r.ecx) {
            hz_source = "CPUID 0x15";
            return (u64)r.ecx * r.ebx / r.eax;
        }
    }
    if (cpu_features.hypervisor) {
        /* The hypervisor timing leaf (VMware's convention, which KVM and
         * QEMU follow when they know the rate): EAX = TSC kHz. */
        cpuid(0x40000000, &r);
        if (r.eax >= 0x40000010 && r.eax < 0x40000100) {
            cpuid(0x40000010, &r);
            if (r.eax) {
                hz_source = "hypervisor CPUID 0x40000010";
                return (u64)r.eax * 1000;
            }
        }
    }
    if (cpu_features.max_leaf >= 0x16) {
        cpuid(0x16, &r);
        if (r.eax & 0xffff) {
            hz_source = "CPUID 0x16";
            return (u64)(r.eax & 0xffff) * 1000000;
        }
    }
    return 0;
}

/* One reference window: the PIT (5 ms), or where there is none the RTC's
 * 1024 Hz flag (16 periods after one to find an edge). The TSC and the
 * local APIC timer are both measured over it, so calibration costs one
 * short wait at boot; its accuracy is a few hundred ppm (the PIT tick is
 * 0.84 us). */
static u64 tsc_from_reference(void)
{
    lapic_timer_measure_begin(VEC_TIMER);
    u64 t0 = read_tsc();
    if (pit_wait_ticks(PIT_HZ / 200)) {
        hz_source = "PIT";
        return (read_tsc() - t0) * PIT_HZ / (PIT_HZ / 200);
    }
    cmos_rtc_periodic_start();
    bool ok = cmos_rtc_wait_edge();
    lapic_timer_measure_begin(VEC_TIMER);
    t0 = read_tsc();
    for (int i = 0; i < 16 && ok; i++)
        ok = cmos_rtc_wait_edge();
    u64 elapsed = read_tsc() - t0;
    cmos_rtc_periodic_stop();
    if (!ok)
        return 0;
    hz_source = "RTC";
    return elapsed * CMOS_RTC_PERIODIC_HZ / 16;
}

static u64 native_clock_ns(void)
{
    return mul_u64_u32_shr(read_tsc() - tsc0, scale.mult, scale.shift);
}

static u64 native_wallclock_at_boot_ns(void)
{
    return boot_wall_ns;
}

static void native_arm_oneshot(u64 deadline)
{
    if (lapic_timer_is_tsc_deadline()) {
        /* 0 disarms; a deadline already passed fires at once (SDM 11.5.4.1) */
        lapic_timer_arm_tsc(deadline ? tsc0 + mul_u64_u32_shr(deadline, ns_to_tsc.mult,
                                                                ns_to_tsc.shift)
                                     : 0);
        return;
    }
    if (deadline == 0) {
        lapic_timer_arm_ns(0);
        return;
    }
    u64 now = native_clock_ns();
    lapic_timer_arm_ns(deadline > now ? deadline - now : 1);
}

static u64 native_tsc_hz(void)
{
    return hz;
}

static int native_time_init(void)
{
    tsc0 = read_tsc();
    hz = tsc_from_cpuid();
    if (hz && !cpu_features.tsc_deadline) {
        /* the rate is known, but the APIC timer's still needs a window */
        lapic_timer_measure_begin(VEC_TIMER);
        while (read_tsc() - tsc0 < hz / 500)
            __asm__ __volatile__("pause");
    } else if (!hz) {
        hz = tsc_from_reference();
    }
    if (!hz) {
        printk("time: no CPUID rate and no reference clock (PIT or RTC) to measure the TSC\n");
        return -ENODEV;
    }
    /* No CPU Proteus runs on has a TSC below 200 MHz or above 20 GHz; a
     * reference that disagrees was disturbed (a hypervisor that delivers
     * the RTC's periodic flag late, say) and must not become the clock. */
    if (hz < 200000000ULL || hz > 20000000000ULL) {
        printk("time: TSC rate %llu Hz measured against the %s is implausible; no trustworthy "
               "clock\n", (unsigned long long)hz, hz_source);
        return -ERANGE;
    }
    scale = clock_scale_for(hz);
    ns_to_tsc = clock_scale_between(NSEC_PER_SEC, hz);
    pr_info("time: TSC %llu.%03llu MHz (from %s)\n", (unsigned long long)(hz / 1000000),
            (unsigned long long)(hz / 1000 % 1000), hz_source);

    s64 rtc = cmos_rtc_read_unix();
    if (rtc < 0)
        printk("time: the CMOS clock reads nonsense; wall clock starts at 1970\n");
    else
        boot_wall_ns = (u64)rtc * NSEC_PER_SEC - native_clock_ns();

    if (lapic_timer_use_tsc_deadline(VEC_TIMER) == 0) {
        pr_info("time: local APIC timer in TSC-deadline mode\n");
        return 0;
    }
    int err = lapic_timer_measure_end(hz);
    if (err)
        return err;
    pr_info("time: local APIC timer %llu kHz, one-shot\n",
            (unsigned long long)(lapic_timer_hz() / 1000));
    return 0;
}

const struct pv_time_ops native_time_ops = {
    .name = "tsc",
    .init = native_time_init,
    .clock_ns = native_clock_ns,
    .wallclock_at_boot_ns = native_wallclock_at_boot_ns,
    .arm_oneshot = native_arm_oneshot,
    .tsc_hz = native_tsc_hz,
};
