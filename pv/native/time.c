/*T:625
 * Native time: the TSC is the clock and the local APIC timer, one-shot
 * (TSC-deadline mode where the CPU has it), is the timer; a CPU without a
 * local APIC uses the PIT's channel 0 instead. The TSC rate
 * comes from CPUID (leaf 0x15, 0x16, or a hypervisor's timing leaf
 * 0x40000010) when the CPU reports it, else it is measured over windows
 * that must agree, the same span that measures the APIC timer: short ones
 * against ACPI's PM timer, or without one 5 ms ones against the PIT (or,
 * without a PIT, short ones against the RTC's 1024 Hz flag). The PM timer,
 * or without one the RTC's once-a-second update interrupt, then refines
 * the rate in the background. docs/timers.md says which error bound holds
 * when. The wall clock is the CMOS RTC read once at boot. SDM Vol. 3B,
 * 18.7.3 (determining the TSC frequency); Vol. 2A, CPUID leaves 15H and
 * 16H.
 */
#include "native.h"
#include <arch/cpu.h>
#include <drivers/acpi.h>
#include <drivers/cmos_rtc.h>
#include <drivers/pit.h>
#include <drivers/lapic.h>
#include <proteus/errno.h>
#include <proteus/cmdline.h>
#include <proteus/offer.h>
#include <proteus/options.h>
#include <proteus/printk.h>
#include <proteus/timekeeping.h>
#include <proteus/timer.h>

/*T:650 Reading the clock natively: clock_ns() = base_ns + (tsc - base_tsc)
 * scaled (native_clock_ns below: one rdtsc, one multiply, no exit even on
 * a hypervisor). Refining the rate moves the base to "now" first
 * (set_rate_from_now), so the clock stays continuous and monotonic. seq
 * is odd while the base changes (a reader on another CPU retries), as the
 * pvclock's version is odd while the hypervisor writes it. */
static struct {
    volatile u32 seq;
    u64 base_tsc, base_ns;
    struct clock_scale scale, ns_to_tsc;
} clk;
static u64 hz, boot_wall_ns;
/* An exact rate from CPUID 0x15 or a hypervisor needs no refinement. */
static bool tsc_from_cpuid_known;
u64 tsc_refinements;   /* how often the rate was refined (selftest) */
static const char *hz_source = "none";

/* The hypervisor timing leaf 0x40000010 (VMware's convention, which KVM
 * and QEMU follow when they know the rates: EAX the TSC's kHz, EBX the
 * bus, i.e. APIC timer, clock's kHz) into *r, where a hypervisor's first
 * block reaches it. */
static bool hv_timing_leaf(struct cpuid_regs *r)
{
    if (!cpu_features.hypervisor)
        return false;
    cpuid(0x40000000, r);
    if (r->eax < 0x40000010 || r->eax >= 0x40000100)
        return false;
    cpuid(0x40000010, r);
    return true;
}

/*T:635 The TSC rate from CPUID, best first. Leaf 0x15 gives it exactly
 * (the core crystal's Hz in ECX times the ratio EBX/EAX: SDM Vol. 2A,
 * CPUID, leaf 15H). A hypervisor's timing leaf 0x40000010 gives its own
 * word in kHz (EAX), also taken as exact. Leaf 0x16 gives only the nominal
 * base frequency in MHz (leaf 16H), which the actual TSC may differ from:
 * it is used, but not as exact, so the PM timer refines it later
 * (tsc_from_cpuid_known stays false). QEMU's TCG states none of them. */
static u64 tsc_from_cpuid(void)
{
    struct cpuid_regs r;
    if (cpu_features.max_leaf >= 0x15) {
        cpuid(0x15, &r);
        if (r.eax && r.ebx && r.ecx) {
            hz_source = "CPUID 0x15";
            tsc_from_cpuid_known = true;
            return (u64)r.ecx * r.ebx / r.eax;
        }
    }
    if (hv_timing_leaf(&r) && r.eax) {
        hz_source = "hypervisor CPUID 0x40000010";
        tsc_from_cpuid_known = true;
        return (u64)r.eax * 1000;
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

/*
 * Measuring the TSC against a reference: the PIT (windows of 5 ms), or
 * where there is none the RTC's 1024 Hz periodic flag (windows of 4
 * periods, 3.9 ms, then if six give no two that agree, windows of 16
 * periods, 15.6 ms). One window is not to be trusted on a virtual machine:
 * each reference read is an exit to the device model, and a vCPU or a
 * device model held off for a while moves a window's end (the RTC-measured
 * rate on a nested KVM was off by -6 to +26 % in single windows). So
 * windows are taken back to back until two in a row agree within
 * TSC_WINDOWS_AGREE_PPM, and their mean is the rate; after
 * TSC_WINDOWS_MAX windows without agreement the reference is refused
 * (time init then fails, saying why, rather than keep time wrongly). The
 * local APIC timer is measured over the same span, so calibration costs
 * a few short waits at boot. The PIT's accuracy is a few hundred ppm at
 * best (its tick is 0.84 us), which the PM-timer refinement below
 * improves on.
 */
#define TSC_WINDOWS_MAX       16
#define TSC_WINDOWS_AGREE_PPM 5000   /* 0.5 %: 5 ms a second, before refinement */
/* The RTC's short windows: under QEMU's TCG the first two after the flag
 * is started run 0.4-1 % low and are not used; later ones scatter within
 * about 0.4 %, so two in a row soon agree within 0.5 %, a third of the wait
 * of the long windows (three of which were two thirds of a microvm boot's
 * time). An unsteady flag (a nested KVM's device model) goes on to the
 * long windows as before. The RTC's update interrupt refines the rate
 * after 2 s (rtc_update_interrupt). */
#define RTC_SHORT_PERIODS     4
#define RTC_SHORT_WARMUP      2
#define RTC_SHORT_WINDOWS     6
#define RTC_LONG_PERIODS      16

static u64 rtc_edge_tsc;   /* the TSC when the last RTC edge was seen */
static unsigned rtc_periods = RTC_LONG_PERIODS;

/* ACPI's PM timer (ACPI 6.5, 4.8.3.3): 3.579545 MHz, 24 or 32 bits, read
 * from one port with no set-up, so a window can start and end on any
 * read. Found by acpi_init (the FADT) before time starts. */
static u16 pm_port;
static bool pm_32;

static u32 pm_mask(void)
{
    return pm_32 ? 0xffffffffu : 0xffffffu;
}

static u32 pm_read(void)
{
    return inl(pm_port) & pm_mask();
}

/*
 * Windows against a counter (the PM timer, or the PIT's channel 0 where
 * channel 2 cannot be gated) are as short as the reads allow: a window
 * starts on a tick's edge and ends at the first read past its length, so
 * it is known to within about one read at each end, and it lasts 400
 * reads (0.5 %, the bound two windows must agree within), at least 20 us
 * and at most 5 ms. Under QEMU's TCG with -icount a PM read costs a few
 * instructions (20 us windows, a read 0.03 % of one); on plain TCG about
 * 2.5 us and on KVM about one (1 and 0.4 ms windows); on a nested KVM tens
 * (5 ms). The rough rate this gives is refined in the background (against
 * the PM timer from 10 ms on, else against the RTC's update interrupt),
 * which is what keeps the clock; 1000 reads (0.2 %) cost plain TCG 3 ms
 * more of each boot (a fifth of its time to main). The APIC timer,
 * measured over the same window as a ratio to the TSC, fires when the
 * clock reads its deadline whatever the rough rate's error: both scale the
 * same TSC by it. The PIT's channel 0 is taken only where 400 reads fit in
 * 25 ms (three port accesses a read, each an exit on a virtual machine),
 * well inside the 55 ms its 16 bits wrap at; its windows may then be that
 * long (under make check's load on plain TCG they were 5.5 ms, and a 5 ms
 * bound sent the boot to the RTC's slower windows); else the RTC's windows
 * follow, which have their own fallback, as the PM timer's and the gated
 * PIT's have none.
 */
#define WINDOW_READS 400

struct counter {
    const char *name;        /* the rate's source, as printed */
    u64 hz;
    u32 mask;                /* the bits it counts in */
    u32 (*read)(void);       /* counting up */
    u32 longest_ms;          /* a window's most */
    bool must_fit;           /* refused where 400 reads outlast longest_ms */
};

static u32 pm_counter_read(void)
{
    return pm_read();
}

/* Channel 0 counts down: its complement counts up. */
static u32 pit0_counter_read(void)
{
    return (u16)-pit_counter_read();
}

static struct counter pm_counter = { "ACPI PM timer", ACPI_PM_TIMER_HZ, 0, pm_counter_read, 5,
                                     false };
static const struct counter pit0_counter = { "PIT channel 0", PIT_HZ, 0xffff, pit0_counter_read,
                                             25, true };
static const struct counter *ctr;   /* the one being measured against */
static u32 ctr_window_ticks;

/* The counter's next change: the TSC right after the read that saw it,
 * and the value in *at. False if it does not change within 10 ms. */
static bool counter_edge(u32 *at, u64 *tsc)
{
    u32 v = ctr->read(), w;
    u64 start = read_tsc();
    while ((w = ctr->read()) == v)
        if (read_tsc() - start > TSC_CYCLES_FOR_MS(10))
            return false;
    *tsc = read_tsc();
    *at = w;
    return true;
}

/* found: pm_port and pm_32 say where it is (the FADT, through acpi_init) */
static bool pm_timer_found(void)
{
    return !acpi_disabled() && !acpi_pm_timer(&pm_port, &pm_32);
}

static bool counter_window_of(u32 length, u64 *hz_out)
{
    u32 c0, ticks;
    u64 t0, t1;
    if (!counter_edge(&c0, &t0))
        return false;
    do {
        ticks = (ctr->read() - c0) & ctr->mask;
        t1 = read_tsc();
        if (t1 - t0 > TSC_CYCLES_FOR_MS(100))
            return false;
    } while (ticks < length);
    *hz_out = (t1 - t0) * ctr->hz / ticks;
    return true;
}

static bool counter_window(u64 *hz_out)
{
    return counter_window_of(ctr_window_ticks, hz_out);
}

/* Measure against c: the window's length from what 16 reads cost, in its
 * ticks. False if it does not count, or (must_fit) reads too slowly. */
static bool counter_window_start(const struct counter *c)
{
    u32 t0, t1 = 0;
    u64 tsc;
    ctr = c;
    if (!counter_edge(&t0, &tsc))
        return false;
    for (int i = 0; i < 16; i++)
        t1 = c->read();
    u64 per_window = (u64)((t1 - t0) & c->mask) * WINDOW_READS / 16;
    u64 most = c->hz * c->longest_ms / 1000, least = c->hz / 50000;   /* 20 us */
    if (c->must_fit && per_window > most) {
        pr_info("time: %s reads too slowly for short windows (%llu ticks for %u reads)\n",
                c->name, (unsigned long long)per_window, WINDOW_READS);
        return false;
    }
    ctr_window_ticks = (u32)MIN(MAX(per_window, least), most);
    return true;
}

static bool pm_start(void)
{
    if (!pm_timer_found())
        return false;
    pm_counter.mask = pm_mask();
    return counter_window_start(&pm_counter);
}

/* The PIT's channel 0, where it counts and its reads are quick enough;
 * stopped again where not. */
static bool pit0_start(void)
{
    if (!pit_counter_start())
        return false;
    if (counter_window_start(&pit0_counter))
        return true;
    pit_stop_irq0();
    return false;
}

static bool pit_window(u64 *hz_out)
{
    u64 elapsed;
    if (!pit_wait_ticks(PIT_HZ / 200, &elapsed))
        return false;
    *hz_out = elapsed * PIT_HZ / (PIT_HZ / 200);
    return true;
}

/* Windows follow each other: each starts at the edge the last one ended
 * on, and the TSC is read right as an edge is seen, at both ends alike. */
static bool rtc_window(u64 *hz_out)
{
    u64 start = rtc_edge_tsc, gap = 0;
    for (unsigned i = 0; i < rtc_periods; i++)
        if (!cmos_rtc_wait_edge(&gap))
            return false;
    rtc_edge_tsc = read_tsc();
    u64 period = (rtc_edge_tsc - start) / rtc_periods;
    /* Reads that take a good part of a period may see two edges as one
     * (the flag stays set until read), and reads that always do would give
     * windows that agree on a rate too high: such a window counts as 0,
     * which agrees with nothing. */
    *hz_out = gap * 4 > period ? 0 : period * CMOS_RTC_PERIODIC_HZ;
    return true;
}

/* Where the periodic flag's windows never agree (an emulated RTC whose
 * device model runs late sets the flag late: seen on a nested KVM under
 * load, single windows 15 % low to 70 % high), one second of the RTC's
 * update cycle, whose edges do not depend on the device model's timing
 * (drivers/rtc/cmos.c). Its error is at most the width of the two edges'
 * brackets, which must be within the same TSC_WINDOWS_AGREE_PPM; three
 * seconds are tried. Costs one to four seconds, only on such a machine. */
static bool next_update(u64 *lo, u64 *hi, unsigned *sec)
{
    if (cmos_rtc_wait_update(lo, hi, sec))
        return true;
    printk("time: the RTC's update cycle does not run\n");
    return false;
}

static int rtc_update_rate(u64 *hz_out)
{
    u64 lo, hi, lo2, hi2;
    unsigned sec, sec2;
    if (!next_update(&lo, &hi, &sec))
        return -EIO;
    for (int i = 0; i < 3; i++) {
        if (!next_update(&lo2, &hi2, &sec2))
            return -EIO;
        /* usually 1; more where reads were too slow to see a rise */
        unsigned seconds = (sec2 + 60 - sec) % 60;
        u64 span = seconds >= 1 && seconds <= 5
                       ? bracketed_span(lo, hi, lo2, hi2, TSC_WINDOWS_AGREE_PPM) : 0;
        if (span) {
            *hz_out = span / seconds;
            return 0;
        }
        printk("time: the RTC's update cycle: edges bracketed by %llu and %llu TSC cycles, "
               "%llu apart, %u second(s): too unsure\n", (unsigned long long)(hi - lo),
               (unsigned long long)(hi2 - lo2), (unsigned long long)(lo2 - lo), seconds);
        lo = lo2;
        hi = hi2;
        sec = sec2;
    }
    return -EIO;
}

/* Out of line and left alone by the optimiser (noipa), so that a boot row
 * can patch it to answer false and prove what happens when no two windows
 * ever agree (tests/boot/tests.cfg, "tsc-windows-*"). */
__attribute__((noipa)) static bool tsc_windows_agree(u64 a, u64 b, u32 ppm)
{
    return rates_agree_ppm(a, b, ppm);
}

/* Windows back to back, at most `max`, until the last two agree within
 * `ppm`: their mean, or 0 with *n windows taken. */
static u64 agreeing_windows(bool (*window)(u64 *), u64 *rates, int max, u32 ppm, int *n)
{
    for (*n = 0; *n < max && window(&rates[*n]);) {
        (*n)++;
        if (*n >= 2 && rates[*n - 1] && rates[*n - 2] &&
            tsc_windows_agree(rates[*n - 1], rates[*n - 2], ppm))
            return (rates[*n - 1] + rates[*n - 2]) / 2;
    }
    return 0;
}

/*T:640 Without a stated rate, the TSC is measured against the best
 * reference this machine has, in order: ACPI's PM timer (short windows of
 * 400 reads), the PIT's channel 2 gated through port 0x61 (5 ms), the
 * PIT's free-running channel 0 where there is no port 0x61 (microvm), the
 * RTC's 1024 Hz periodic flag. A warm-up window runs first, unused, and
 * the local APIC timer counts down over the same span, so one wait
 * measures both. Windows follow one another until two in a row agree
 * within 0.5 % (agreeing_windows); the boot does not trust one alone. */
static int tsc_from_reference(u64 *hz_out)
{
    bool (*window)(u64 *);
    u64 ignored = 0;
    /* A first window that is not used runs the wait once, so that the
     * measured ones do not include an emulator translating the code for
     * the first time (seen under QEMU's TCG: 2.5 % too fast without it). */
    if (pm_start()) {
        counter_window_of(ctr_window_ticks / 4, &ignored);
        hz_source = ctr->name;
        window = counter_window;
    } else if (pit_present()) {
        pit_wait_ticks(PIT_HZ / 2000, &ignored);
        hz_source = "PIT";
        window = pit_window;
    } else if (pit0_start()) {   /* a PIT without port 0x61: QEMU's microvm */
        counter_window_of(ctr_window_ticks / 4, &ignored);
        hz_source = ctr->name;
        window = counter_window;
    } else if (cmos_rtc_periodic_start() && cmos_rtc_wait_edge(&ignored)) {
        rtc_edge_tsc = read_tsc();
        hz_source = "RTC";
        window = rtc_window;
    } else {
        if (cmos_rtc_present())
            cmos_rtc_periodic_stop();
        return -ENODEV;
    }
    lapic_timer_measure_begin(VEC_TIMER, false);
    u64 rates[TSC_WINDOWS_MAX], hz_found = 0;
    int n = 0;
    if (window == rtc_window) {
        rtc_periods = RTC_SHORT_PERIODS;
        for (int i = 0; i < RTC_SHORT_WARMUP; i++)
            window(&ignored);
        hz_found = agreeing_windows(window, rates, RTC_SHORT_WINDOWS, TSC_WINDOWS_AGREE_PPM, &n);
        rtc_periods = RTC_LONG_PERIODS;
        if (!hz_found)
            pr_info("time: no two of %d short windows against the RTC agree: longer ones\n", n);
    }
    if (!hz_found)
        hz_found = agreeing_windows(window, rates, TSC_WINDOWS_MAX, TSC_WINDOWS_AGREE_PPM, &n);
    if (window == rtc_window)
        cmos_rtc_periodic_stop();
    if (window == counter_window && ctr == &pit0_counter)
        pit_stop_irq0();   /* no IRQ 0 every 55 ms from here on */
    if (!hz_found) {
        printk("time: the TSC measured against the %s: no two windows in a row agree within "
               "%u.%u %% (%d window(s):", hz_source, TSC_WINDOWS_AGREE_PPM / 10000,
               TSC_WINDOWS_AGREE_PPM / 1000 % 10, n);
        for (int i = 0; i < n; i++)
            printk(" %llu", (unsigned long long)rates[i]);
        printk(" Hz%s)%s\n", window == rtc_window ? "; 0: reads too slow to count edges" : "",
               n < TSC_WINDOWS_MAX ? ", then the reference stopped" : "");
        if (window != rtc_window)
            return -EIO;
        printk("time: measuring one second of the RTC's update cycle instead\n");
        if (rtc_update_rate(&hz_found))
            return -EIO;
        hz_source = "RTC update cycle";
    } else if (n > 2) {
        printk("time: %d windows against the %s before two agreed (the first ones were "
               "disturbed)\n", n, hz_source);
    }
    *hz_out = hz_found;
    return 0;
}

static PVOP_ABI u64 native_clock_ns(void)
{
    u32 seq;
    u64 ns;
    do {
        seq = clk.seq;
        barrier();
        ns = clk.base_ns + mul_u64_u32_shr(read_tsc() - clk.base_tsc, clk.scale.mult,
                                           clk.scale.shift);
        barrier();
    } while ((seq & 1) || seq != clk.seq);
    return ns;
}

static u64 ns_to_tsc(u64 ns)
{
    if (ns <= clk.base_ns)
        return clk.base_tsc;
    u64 cycles = mul_u64_u32_shr(ns - clk.base_ns, clk.ns_to_tsc.mult, clk.ns_to_tsc.shift);
    return cycles > ~0ULL - clk.base_tsc ? ~0ULL : clk.base_tsc + cycles;   /* never wrap */
}

/* A new TSC rate, from now on. Interrupts off: nothing on this CPU reads
 * the clock halfway through. */
/* From now on, advance at `tick_hz` TSC cycles per second, starting from
 * the clock's present value moved forward by `step_ns` (never back: the
 * clock is monotonic). `hz` stays the TSC's measured rate; `tick_hz` may
 * differ from it briefly while an offset is being slewed away. */
static void set_rate_from_now(u64 tick_hz, u64 step_ns)
{
    unsigned long f = irq_save();
    u64 now_tsc = read_tsc(), now_ns = native_clock_ns();
    clk.seq++;
    barrier();
    clk.base_tsc = now_tsc;
    clk.base_ns = now_ns + step_ns;
    clk.scale = clock_scale_for(tick_hz);
    clk.ns_to_tsc = clock_scale_between(NSEC_PER_SEC, tick_hz);
    barrier();
    clk.seq++;
    irq_restore(f);
}

static void set_rate(u64 new_hz)
{
    hz = new_hz;
    set_rate_from_now(new_hz, 0);
}

static PVOP_ABI u64 native_wallclock_at_boot_ns(void)
{
    return boot_wall_ns;
}

/* Without a local APIC the PIT's channel 0 is the one-shot timer: mode 0
 * raises IRQ 0 once, at most 65535 ticks (55 ms) ahead; a longer wait
 * fires early and kernel/timer.c re-arms for what is left. IRQ 0 arrives
 * on the 8259's vector and is handed on to VEC_TIMER, the timer core's;
 * the native apic ops send that vector's EOI to the 8259. */
static bool pit_timer;

static void pit_timer_irq(unsigned vector, void *ctx)
{
    irq_dispatch(VEC_TIMER);
}

static void pit_arm(u64 delta_ns)
{
    if (delta_ns == 0) {
        pit_stop_irq0();
        return;
    }
    u64 ticks = delta_ns < 60000000 ? delta_ns * PIT_HZ / NSEC_PER_SEC + 1 : 0xffff;
    pit_oneshot_irq0((u16)(ticks > 0xffff ? 0xffff : ticks));
}

static int pit_timer_start(void)
{
    pit_stop_irq0();
    int err = irq_register(VEC_IRQ_BASE + 0, pit_timer_irq, NULL, "pit-timer");
    if (!err)
        err = apic_route_irq(0, VEC_IRQ_BASE + 0);
    if (err) {
        printk("time: no local APIC, and the PIT's IRQ 0 cannot be set up: %s (%d)\n",
               errno_name(err), err);
        return err;
    }
    pit_timer = true;
    pr_info("time: no local APIC: the PIT (IRQ 0) is the one-shot timer\n");
    return 0;
}

static struct clock_scale delta_to_tsc;   /* for native_timer_arm_in */

/* Fire once `delta_ns` from now (at least 1); 0 disarms. */
static void native_timer_arm_in(u64 delta_ns)
{
    if (pit_timer) {
        pit_arm(delta_ns);
        return;
    }
    if (lapic_timer_is_tsc_deadline()) {
        u64 cycles = delta_ns ? mul_u64_u32_shr(delta_ns, delta_to_tsc.mult, delta_to_tsc.shift) : 0;
        lapic_timer_arm_tsc(delta_ns ? read_tsc() + (cycles ? cycles : 1) : 0);
        return;
    }
    /* The count-down rate was measured over a few ms and is off by up to a
     * few hundred ppm: fire 0.2 % early on long waits and let the caller,
     * who checks the clock, re-arm for the little that is left. Late is
     * worse than early: it cannot be undone. */
    if (delta_ns > 1000000)
        delta_ns -= delta_ns / 512;
    lapic_timer_arm_ns(delta_ns);
}

/*T:660 The time group's arm_oneshot, natively. In TSC-deadline mode the
 * deadline goes through the clock's own scale backwards (ns_to_tsc) and
 * is written as a TSC value: the timer fires when the TSC reaches it, that
 * is when the clock reads the deadline, whatever the rate's error, and no
 * timer rate is measured. Otherwise
 * the distance to the deadline becomes a count-down (native_timer_arm_in),
 * armed 0.2 % early on waits over 1 ms, or the PIT's IRQ 0 without a
 * local APIC. */
static PVOP_ABI void native_arm_oneshot(u64 deadline)
{
    if (!pit_timer && lapic_timer_is_tsc_deadline()) {
        /* on the clock's own scale; 0 disarms; a deadline already passed
         * fires at once (SDM 11.5.4.1) */
        lapic_timer_arm_tsc(deadline ? ns_to_tsc(deadline) : 0);
        return;
    }
    if (deadline == 0) {
        native_timer_arm_in(0);
        return;
    }
    u64 now = native_clock_ns();
    native_timer_arm_in(deadline > now ? deadline - now : 1);
}

/*T:645
 * Refining the TSC rate. The boot's short windows give a rate good to
 * about 0.5 % (the bound two windows must agree within: up to 5 ms over a
 * second), 5 ms against the PIT a few hundred ppm. Where ACPI offers its
 * PM timer (3.579545 MHz), the rate is measured again over longer and
 * longer stretches since boot (10 ms, then 0.5, 1, 2, 4, 8, 12, 16 s; few
 * samples in the first seconds, since each is a timer interrupt an idle
 * app sees), one sample per kernel timer, and the clock takes each better
 * rate (the APIC timer's count-down rate, measured as a ratio to the TSC,
 * follows). The 24-bit PM counter wraps every 4.7 s, so samples are never
 * further apart than 4 s. After 16 s the error is far below 1 ppm and the
 * timer stops (no periodic tick). Without a PM timer the RTC's update
 * interrupt refines the rate instead (rtc_refine_start, below).
 */
static const u32 refine_at_ms[] = { 10, 500, 1000, 2000, 4000, 8000, 12000, 16000 };
static struct timer refine_timer;
static unsigned refine_step;
static u32 pm_last;
static u64 pm_total, refine_tsc0, refine_ns0;

/* A sample's rate, and the time the clock lost or gained before it
 * (running at the rough rate): `truth` is what the clock should have read
 * when it read `clock_then`, by the reference's reckoning. A clock behind
 * steps forward; one ahead runs slower until the next sample, `next_ns`
 * away, by just enough to meet it there (the last sample, `last`, ends
 * the slewing instead). The reference is the better clock; only nonsense
 * (one that does not tick) is refused. */
static void refine_apply(u64 new_hz, u64 truth, u64 clock_then, bool last, u64 next_ns)
{
    if (new_hz <= hz - hz / 5 || new_hz >= hz + hz / 5)
        return;
    hz = new_hz;
    if (!pit_timer && !lapic_timer_is_tsc_deadline())
        lapic_timer_set_tsc_hz(new_hz);
    if (truth >= clock_then) {
        set_rate_from_now(new_hz, truth - clock_then);
    } else if (!last && clock_then - truth < next_ns / 10) {
        /* ahead by d: cover next_ns - d of clock in next_ns of time */
        set_rate_from_now(slew_hz(new_hz, clock_then - truth, next_ns), 0);
    } else {
        set_rate_from_now(new_hz, 0);
    }
    tsc_refinements++;
}

static void refine(struct timer *t)
{
    u32 pm = pm_read();
    u64 tsc = read_tsc(), now = native_clock_ns();
    pm_total += (pm - pm_last) & pm_mask();
    pm_last = pm;
    bool last = refine_step + 1 >= ARRAY_SIZE(refine_at_ms);
    u64 next_ns = last ? 0 : (u64)(refine_at_ms[refine_step + 1] - refine_at_ms[refine_step]) * 1000000;
    if (pm_total)
        refine_apply((tsc - refine_tsc0) * ACPI_PM_TIMER_HZ / pm_total,
                     refine_ns0 + pm_total * NSEC_PER_SEC / ACPI_PM_TIMER_HZ, now, last, next_ns);
    if (!last) {
        refine_step++;
        timer_arm(&refine_timer, now + next_ns);
    } else {
        set_rate_from_now(hz, 0);   /* end any slewing */
    }
}

/*
 * Where there is no PM timer, the RTC refines the rate: its update-ended
 * interrupt (register B bit 4, UIE; IRQ 8; MC146818A datasheet, "Update-
 * Ended Interrupt") marks each second of its clock, for 16 s. A device
 * model may deliver it late (QEMU's runs it from a host timer, and a
 * nested KVM's periodic flag was seen milliseconds late), never early,
 * and a late one does not move the next. So each sample (after 2, 4, 8
 * and 16 s: k edges) measures from the least-late-looking edge of the
 * first half (the smallest TSC less its seconds at the present rate) to
 * the least-late-looking of the second, a minimum over up to nine on
 * either side: under make check's load an origin fixed at the first edges
 * was late, and the rate 0.2 % low. The samples correct the rate only,
 * not the time the clock gained or lost before them: from a late edge
 * that correction was a 6.5 ms step, and the wall clock the RTC gave at
 * boot is good to a second anyway. An edge's second is counted from the
 * TSC, so an interrupt missed or doubled moves nothing.
 */
#define RTC_REFINE_SECONDS 16
static u64 edge_tsc[RTC_REFINE_SECONDS + 1];
static bool edge_seen[RTC_REFINE_SECONDS + 1];
static unsigned edge_last;

/* Of the edges seen in [from, to], the one that looks least late. */
static int least_late(unsigned from, unsigned to)
{
    int best = -1;
    for (unsigned j = from; j <= to; j++)
        if (edge_seen[j] && (best < 0 || edge_tsc[j] - edge_tsc[best] < (j - (unsigned)best) * hz))
            best = (int)j;
    return best;
}

static void rtc_update_interrupt(unsigned vector, void *ctx)
{
    u64 tsc = read_tsc();
    bool update = cmos_rtc_update_ended();   /* reading register C acknowledges */
    apic_eoi(vector);
    if (!update)
        return;
    unsigned k = 0;
    if (edge_seen[0]) {
        k = (unsigned)((tsc - edge_tsc[0] + hz / 2) / hz);   /* seconds since the first */
        if (k <= edge_last || k > RTC_REFINE_SECONDS)
            return;   /* a second counted already, or one after the last */
    }
    edge_tsc[k] = tsc;
    edge_seen[k] = true;
    edge_last = k;
    if (k >= 2 && !(k & (k - 1))) {   /* 2, 4, 8, 16 */
        int a = least_late(0, k / 2 - 1), b = least_late(k / 2, k);
        if (a >= 0 && b > a)   /* the rate alone: no offset (truth 0 == clock 0) */
            refine_apply((edge_tsc[b] - edge_tsc[a]) / (unsigned)(b - a), 0, 0,
                         k == RTC_REFINE_SECONDS, (u64)k * NSEC_PER_SEC);
    }
    if (k == RTC_REFINE_SECONDS)
        cmos_rtc_update_irq(false);   /* the handler stays, for one already on its way */
}

static void rtc_refine_start(void)
{
    unsigned vector = VEC_IRQ_BASE + 8;
    int err = irq_register(vector, rtc_update_interrupt, NULL, "rtc-refine");
    if (!err) {
        err = apic_route_irq(8, vector);
        if (err)
            irq_unregister(vector);
    }
    if (err) {
        printk("time: the RTC's IRQ 8 cannot be routed (%s, %d): the TSC rate is not refined\n",
               errno_name(err), err);
        return;
    }
    cmos_rtc_update_irq(true);
    pr_info("time: refining the TSC rate against the RTC's update interrupt (IRQ 8)\n");
}

static void tsc_refine_start(void)
{
    if (!pm_timer_found()) {
        if (cmos_rtc_present())
            rtc_refine_start();
        return;
    }
    pm_last = pm_read();
    refine_tsc0 = read_tsc();
    refine_ns0 = native_clock_ns();
    timer_setup(&refine_timer, refine);
    refine_timer.background = true;   /* no thread waits for it */
    timer_arm(&refine_timer, clock_ns() + (u64)refine_at_ms[0] * 1000000);
    pr_info("time: refining the TSC rate against the ACPI PM timer (port 0x%x)\n", pm_port);
}

static PVOP_ABI u64 native_tsc_hz(void)
{
    return hz;
}

/*
 * The APIC timer's input clock where the platform states it, so that no
 * window is needed: the command line's apic_clock_khz= (the operator's
 * word, first, as tsc_khz=), CPUID 0x15 ECX (the core crystal, which is
 * the timer's clock wherever that leaf enumerates it: SDM Vol. 3A, 11.5.4
 * "APIC Timer"; Linux takes lapic_timer_period from it too), the
 * hypervisor timing leaf 0x40000010 EBX (the bus, i.e. APIC timer, clock
 * in kHz: the VMware convention that KVM and QEMU follow). 0 where none
 * does; *source names it.
 */
#define APIC_CLOCK_KHZ_MIN 1000ULL       /* 1 MHz */
#define APIC_CLOCK_KHZ_MAX 10000000ULL   /* 10 GHz */
static u64 apic_clock_given(const char **source)
{
    const char *v = kernel_option("apic_clock_khz");
    u64 khz = 0;
    struct cpuid_regs r;
    if (v) {
        if (!cmdline_parse_uint(v, APIC_CLOCK_KHZ_MIN, APIC_CLOCK_KHZ_MAX, &khz)) {
            *source = "apic_clock_khz=";
            return khz * 1000;
        }
        printk("time: apic_clock_khz=%s is not a rate of %llu-%llu kHz (ignored)\n", v,
               APIC_CLOCK_KHZ_MIN, APIC_CLOCK_KHZ_MAX);
    }
    if (cpu_features.max_leaf >= 0x15) {
        cpuid(0x15, &r);
        khz = r.ecx / 1000;
        *source = "CPUID 0x15";
    }
    if (!khz && hv_timing_leaf(&r)) {
        khz = r.ebx;
        *source = "hypervisor CPUID 0x40000010";
    }
    if (khz < APIC_CLOCK_KHZ_MIN || khz > APIC_CLOCK_KHZ_MAX) {
        if (khz)
            printk("time: %s gives an APIC timer clock of %llu kHz, outside %llu-%llu kHz: "
                   "measuring it instead\n", *source, (unsigned long long)khz,
                   APIC_CLOCK_KHZ_MIN, APIC_CLOCK_KHZ_MAX);
        return 0;
    }
    return khz * 1000;
}

/*T:655
 * The timer: the PIT without a local APIC, else TSC-deadline mode where it
 * works, else the APIC's count-down, at the rate of its clock where the
 * platform states it (apic_clock_given), else at a rate measured against
 * the TSC over a window: one the TSC's own measurement opened (`window_open`), or
 * one now, counting the timer's clock undivided, long enough that the
 * rate is off by at most 0.15 %, within the 0.2 % native_timer_arm_in
 * keeps: each end's count read is taken at the middle of its bracket of
 * TSC reads, off by at most half of it, so 1000 brackets make 0.1 %, and
 * each end's count is off by at most a tick, so 4000 ticks make 0.05 %;
 * at least 5 us and at most 2 ms. Under QEMU's TCG with -icount (a 1 GHz
 * timer clock, a count read in a 16-cycle bracket) that is 16 us, where a
 * fixed 50 us once was a sixth of the boot's instructions.
 * native_time_init ends with it.
 */
#define APIC_WINDOW_BRACKETS 1000
#define APIC_WINDOW_TICKS 4000
static int timer_start(u64 tsc_hz, bool window_open)
{
    delta_to_tsc = clock_scale_between(NSEC_PER_SEC, tsc_hz);
    if (!lapic_ready())
        return pit_timer_start();
    if (lapic_timer_use_tsc_deadline(VEC_TIMER) == 0) {
        pr_info("time: local APIC timer in TSC-deadline mode\n");
        return 0;
    }
    const char *source;
    u64 clock = apic_clock_given(&source);
    if (clock && !lapic_timer_set_clock(VEC_TIMER, clock)) {
        pr_info("time: local APIC timer %llu kHz, one-shot (its clock %llu kHz from %s)\n",
                (unsigned long long)(lapic_timer_hz() / 1000),
                (unsigned long long)(clock / 1000), source);
        return 0;
    }
    if (!window_open) {
        u64 unsure = lapic_timer_measure_begin(VEC_TIMER, true);
        u64 most = tsc_hz / 500;
        u64 span = MIN(MAX(APIC_WINDOW_BRACKETS * unsure, tsc_hz / 200000), most);
        u64 t0 = read_tsc(), t;
        while ((t = read_tsc() - t0) < most &&
               (t < span || lapic_timer_measured_ticks() < APIC_WINDOW_TICKS))
            __asm__ __volatile__("pause");
    }
    int err = lapic_timer_measure_end(tsc_hz);
    if (!err)
        pr_info("time: local APIC timer %llu kHz, one-shot\n",
                (unsigned long long)(lapic_timer_hz() / 1000));
    return err;
}

/* tsc_khz=N: the operator's word on the rate, before CPUID's (as Linux's
 * tsc_early_khz= where firmware's is wrong, or where a machine gives none:
 * QEMU's TCG, whose TSC under -icount shift=0 runs at exactly 1 GHz). Not
 * treated as exact: the PM timer refines it where there is one. */
static u64 tsc_from_command_line(void)
{
    const char *v = kernel_option("tsc_khz");
    u64 khz;
    if (!v)
        return 0;
    if (cmdline_parse_uint(v, TSC_HZ_MIN / 1000, TSC_HZ_MAX / 1000, &khz)) {
        printk("time: tsc_khz=%s is not a rate of %llu-%llu kHz (ignored)\n", v,
               (unsigned long long)(TSC_HZ_MIN / 1000), (unsigned long long)(TSC_HZ_MAX / 1000));
        return 0;
    }
    hz_source = "tsc_khz=";
    return khz * 1000;
}

/*T:630 The time group's init, natively (kernel_main's step 7, after the
 * interrupt controller): the TSC's rate, from the first source that has
 * one: a paravirtual clock the mixing rule started (kvmclock), the command
 * line's tsc_khz=, CPUID (tsc_from_cpuid); else it is measured
 * (tsc_from_reference). A rate outside 200 MHz-20 GHz is not trusted. Then
 * the clock starts at 0 from the TSC read on entry, the RTC gives the wall
 * clock (unless the offered clock does), the one-shot timer is chosen
 * (timer_start), and a rate that was not exact is refined in the
 * background (tsc_refine_start). */
static PVOP_ABI int native_time_init(void)
{
    u64 tsc0 = read_tsc();
    /* a measured rate also measured the APIC timer over the same window */
    bool window_open = false;
    /* A paravirtual clock mixed in (kernel/mixing.c) has the host's word
     * on the rate, and is the clock and the wall clock from now on: this
     * clock only arms the timer, and needs no CMOS read or refinement. */
    bool offered = (hz = offered_tsc_hz()) != 0;
    if (offered) {
        hz_source = "the paravirtual clock";
        tsc_from_cpuid_known = true;
    } else if (!(hz = tsc_from_command_line())) {
        hz = tsc_from_cpuid();
    }
    if (hz && !tsc_hz_plausible(hz)) {
        /* CPUID is the hypervisor's word on a VM: measure instead */
        printk("time: %s gives a TSC rate of %llu Hz, outside %llu-%llu Hz: measuring it "
               "instead\n", hz_source, (unsigned long long)hz, TSC_HZ_MIN, TSC_HZ_MAX);
        hz = 0;
        tsc_from_cpuid_known = false;
    }
    if (!hz) {
        int err = tsc_from_reference(&hz);
        if (err == -ENODEV)
            printk("time: no CPUID rate and no reference clock (PIT or RTC) to measure the TSC\n");
        if (err)
            return err;   /* a measurement refused has said why */
        window_open = true;
    }
    if (!tsc_hz_plausible(hz)) {
        printk("time: TSC rate %llu Hz measured against the %s is implausible; no trustworthy "
               "clock\n", (unsigned long long)hz, hz_source);
        return -ERANGE;
    }
    clk.base_tsc = tsc0;
    clk.base_ns = 0;
    set_rate(hz);
    pr_info("time: TSC %llu.%03llu MHz (from %s)\n", (unsigned long long)(hz / 1000000),
            (unsigned long long)(hz / 1000 % 1000), hz_source);

    if (!offered) {
        s64 rtc = cmos_rtc_read_unix();
        if (rtc < 0)
            printk("time: %s; wall clock starts at 1970\n",
                   cmos_rtc_present() ? "the CMOS clock reads nonsense" : "no CMOS clock");
        else
            boot_wall_ns = (u64)rtc * NSEC_PER_SEC - native_clock_ns();
    }

    int err = timer_start(hz, window_open);
    if (err)
        return err;
    if (!tsc_from_cpuid_known)
        tsc_refine_start();
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
