/*T:690
 * The time group on hardware: the TSC is the clock, the local APIC timer
 * (in TSC-deadline mode where the CPU has it) the one-shot timer on
 * VMI_VECTOR_TIMER, the CMOS RTC (rtc.c) the wall clock at boot.
 *
 * The TSC rate comes from CPUID when the CPU states it (leaf 0x15, the
 * hypervisor timing leaf 0x40000010, leaf 0x16), else from one ~10 ms
 * window of the PIT's channel 2, which needs no interrupt: its output is
 * readable at port 0x61 (Intel 82C54 datasheet, mode 0; SDM Vol. 3B,
 * 18.7.3 "Determining the Processor Base Frequency"). The local APIC
 * timer's rate is measured against the TSC in the same window.
 *
 * Every conversion is a mult/shift computed once here, so the calls that
 * run later (CLOCK_NS, ARM_ONESHOT) only multiply; none of them changes
 * state, so they are safe to enter again from an interrupt handler.
 *
 * Under VMI the kernel does none of this itself: its time ops are bound
 * straight to the shim's calls 72-76 (pv/vmi/personality.c, VMI_OP_CALLS;
 * docs/vmi-abi.md, section 4, "time"), so clock_ns() is a call into this
 * code. Unlike the kernel's native clock, the rate is taken once and never
 * refined. A shim that sets VMI_FEATURE_GUEST_CLOCK lets the kernel take
 * an offered clock (kvmclock) in place of CLOCK_NS; ARM_ONESHOT stays.
 */
#include "shim.h"

#define NSEC_PER_SEC 1000000000ULL
#define PIT_HZ 1193182u
#define TIMER_DIV_16 0x3

/* All of it written once by TIME_INIT, before the kernel enables
 * interrupts, and only read afterwards. */
static struct {
    bool ready;
    bool deadline_mode;
    u64 hz, lapic_hz;
    u64 tsc0;                      /* TSC at clock 0 */
    struct scale tsc_to_ns, ns_to_tsc, ns_to_lapic;
    u64 wall_ns;                   /* Unix time at clock 0 */
} t;

static u64 hz_from_cpuid(const char **source)
{
    u32 a, b, c, d;
    if (shim_cpu.max_leaf >= 0x15) {
        /* TSC/crystal ratio EBX/EAX, crystal Hz in ECX */
        x86_cpuid(0x15, 0, &a, &b, &c, &d);
        if (a && b && c) {
            *source = "(CPUID 0x15)";
            return div_u64((u64)c * b, a);
        }
    }
    if (shim_cpu.hypervisor) {
        /* VMware's timing leaf, which KVM and QEMU also offer when they
         * know the rate: EAX = TSC kHz */
        x86_cpuid(0x40000000, 0, &a, &b, &c, &d);
        if (a >= 0x40000010 && a < 0x40010000) {
            x86_cpuid(0x40000010, 0, &a, &b, &c, &d);
            if (a) {
                *source = "(CPUID 0x40000010)";
                return (u64)a * 1000;
            }
        }
    }
    if (shim_cpu.max_leaf >= 0x16) {
        x86_cpuid(0x16, 0, &a, &b, &c, &d);   /* EAX = base frequency, MHz */
        if (a & 0xffff) {
            *source = "(CPUID 0x16)";
            return (u64)(a & 0xffff) * 1000000;
        }
    }
    return 0;
}

/* ---- the reference window ---------------------------------------------- */

#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61                  /* bit 0 gate 2, bit 1 speaker, bit 5 OUT2 */
/* No rate is known yet when the PIT is waited for: bound the wait by
 * 100 ms of the fastest plausible TSC (20 GHz). */
#define WAIT_LIMIT 2000000000ULL
#define PIT_TRIES 5

/* Count `ticks` on channel 2 in mode 0 (OUT2 low until the count reaches
 * zero) and return the TSC cycles they took, or 0 without a PIT (port
 * 0x61 reads 0xff on machines without one). Seeing OUT2 rise can be late
 * (an emulator's vCPU descheduled); the counter keeps going down past
 * zero, so latching it tells how many ticks the cycles really cover. */
static u64 pit_window(u16 ticks)
{
    u8 b = x86_inb(PORT_B);
    x86_outb(PORT_B, (u8)((b & ~0x02) | 0x01));   /* gate on, speaker off */
    x86_outb(PIT_CMD, 0xb0);                      /* channel 2, lo/hi byte, mode 0 */
    x86_outb(PIT_CH2, (u8)ticks);
    x86_outb(PIT_CH2, (u8)(ticks >> 8));
    u64 start = x86_rdtsc();
    if (x86_inb(PORT_B) & 0x20) {
        x86_outb(PORT_B, b);
        return 0;   /* high before the count can have run out: no PIT */
    }
    bool high;
    while (!(high = x86_inb(PORT_B) & 0x20) && x86_rdtsc() - start < WAIT_LIMIT)
        ;
    u64 elapsed = x86_rdtsc() - start;
    x86_outb(PIT_CMD, 0x80);                      /* latch channel 2 */
    u16 left = x86_inb(PIT_CH2);
    left |= (u16)(x86_inb(PIT_CH2) << 8);
    x86_outb(PORT_B, b);
    if (!high)
        return 0;   /* never rose */
    u32 past = (0x10000u - left) & 0xffff;
    return div_u64(elapsed * ticks, ticks + past);
}

/* The local APIC timer counts down from all ones, masked, at 1/16 of its
 * clock while the window runs (SDM Vol. 3A, 10.5.4). */
static u64 lapic_t0;

static void lapic_count_begin(void)
{
    lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VMI_VECTOR_TIMER);
    lapic_t0 = x86_rdtsc();
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
}

static u64 lapic_count_end(u64 hz)
{
    u32 left = lapic_read(LAPIC_TIMER_CUR);
    u64 cycles = x86_rdtsc() - lapic_t0;
    lapic_write(LAPIC_TIMER_INIT, 0);
    u64 counted = 0xffffffffu - left;
    if (counted < 100 || !cycles)
        return 0;
    while (counted > ~0ULL / hz) {   /* keep counted * hz within 64 bits */
        counted >>= 1;
        cycles >>= 1;
    }
    return div_u64(counted * hz, cycles);
}

static int measure(const char **source)
{
    bool need_lapic = !shim_cpu.tsc_deadline;
    t.hz = hz_from_cpuid(source);
    if (t.hz) {
        if (need_lapic) {
            /* the TSC is the reference: 10 ms of it */
            lapic_count_begin();
            u64 start = x86_rdtsc(), window = div_u64(t.hz, 100);
            while (x86_rdtsc() - start < window)
                x86_pause();
            t.lapic_hz = lapic_count_end(t.hz);
        }
        return 0;
    }
    /* A short first window runs the loop once, so that the measured one
     * does not include an emulator translating it (QEMU's TCG). A window
     * that failed is tried again: OUT2 already high at the first look can
     * also mean this vCPU did not run for longer than the window (a
     * nested guest on a loaded host saw that), not that there is no PIT;
     * a missing PIT fails every time. */
    if (x86_inb(PORT_B) == 0xff)
        return -SHIM_ENODEV;   /* nothing decodes port 0x61: no PIT */
    u64 cycles = 0;
    for (unsigned tries = 0; tries < PIT_TRIES && !cycles; tries++)
        cycles = pit_window(PIT_HZ / 1000);
    if (!cycles)
        return -SHIM_ENODEV;
    cycles = 0;
    for (unsigned tries = 0; tries < PIT_TRIES && !cycles; tries++) {
        if (need_lapic)
            lapic_count_begin();
        cycles = pit_window(PIT_HZ / 100);
    }
    if (!cycles)
        return -SHIM_ENODEV;
    t.hz = div_u64(cycles * PIT_HZ, PIT_HZ / 100);
    *source = "(measured against the PIT)";
    if (need_lapic)
        t.lapic_hz = lapic_count_end(t.hz);
    return 0;
}

/* ---- the calls ---------------------------------------------------------- */

u64 SHIM_CALL shim_clock_ns(void)
{
    return mul_u64_u32_shr(x86_rdtsc() - t.tsc0, t.tsc_to_ns.mult, t.tsc_to_ns.shift);
}

static void log_rate(const char *what, u64 hz, const char *how)
{
    struct line l;
    line_init(&l);
    line_str(&l, what);
    line_str(&l, " ");
    line_dec(&l, div_u64(hz, 1000));
    line_str(&l, " kHz ");
    line_str(&l, how);
    line_log(&l);
}

int SHIM_CALL shim_time_init(void)
{
    if (!lapic_regs())
        return -SHIM_ENODEV;   /* APIC_INIT first (abi.h) */
    const char *source = "";
    int err = measure(&source);
    if (err) {
        shim_log("no CPUID rate and no PIT to measure the TSC against");
        return err;
    }
    /* No CPU this runs on has a TSC outside 200 MHz-20 GHz: a reference
     * that says so was disturbed and must not become the clock. */
    if (t.hz < 200000000ULL || t.hz > 20000000000ULL) {
        log_rate("TSC rate", t.hz, "is implausible: no clock");
        return -SHIM_ERANGE;
    }
    t.tsc_to_ns = scale_between(t.hz, NSEC_PER_SEC);
    t.ns_to_tsc = scale_between(NSEC_PER_SEC, t.hz);
    log_rate("TSC", t.hz, source);

    if (shim_cpu.tsc_deadline) {
        t.deadline_mode = true;
        timer_init_this_cpu();
        shim_log("local APIC timer in TSC-deadline mode");
    } else {
        if (!t.lapic_hz) {
            shim_log("the local APIC timer does not count");
            return -SHIM_ENODEV;
        }
        t.ns_to_lapic = scale_between(NSEC_PER_SEC, t.lapic_hz);
        timer_init_this_cpu();
        log_rate("local APIC timer", t.lapic_hz, "(one-shot)");
    }

    /* Clock 0 is the moment the RTC was read: the wall clock at boot is
     * the RTC's reading itself (to its one-second resolution). */
    u64 secs = rtc_read_unix();
    t.tsc0 = x86_rdtsc();
    t.wall_ns = secs * NSEC_PER_SEC;
    if (!secs)
        shim_log("the CMOS clock reads nonsense: the wall clock starts at 1970");
    t.ready = true;
    return 0;
}

bool time_ready(void)
{
    return t.ready;
}

/* This CPU's timer in the mode TIME_INIT chose: the boot CPU's from there,
 * a started CPU's before it enters the kernel (vcpu.c). The rates are the
 * boot CPU's: every CPU's TSC and APIC timer run from the same clocks. */
void timer_init_this_cpu(void)
{
    if (t.deadline_mode) {
        lapic_write(LAPIC_TIMER_INIT, 0);
        lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | VMI_VECTOR_TIMER);
        /* the LVT write before the first deadline write (SDM 10.5.4.1) */
        __asm__ __volatile__("mfence" ::: "memory");
        x86_wrmsr(MSR_TSC_DEADLINE, 0);
    } else {
        lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
        lapic_write(LAPIC_LVT_TIMER, VMI_VECTOR_TIMER);   /* one-shot, unmasked */
    }
}

u64 SHIM_CALL shim_wallclock_at_boot_ns(void) { return t.wall_ns; }

u64 SHIM_CALL shim_tsc_hz(void) { return t.hz; }

/* Beyond this many ns (about 18 years) a deadline is "never": the
 * conversions below would overflow 64 bits. */
#define FAR_NS (1ULL << 59)

/* The TSC value at clock `ns` (never 0, which would disarm). */
static u64 ns_to_tsc(u64 ns)
{
    if (ns >= FAR_NS)
        return ~0ULL;
    u64 cycles = mul_u64_u32_shr(ns, t.ns_to_tsc.mult, t.ns_to_tsc.shift);
    if (cycles > ~0ULL - t.tsc0)
        return ~0ULL;
    return t.tsc0 + cycles ? t.tsc0 + cycles : 1;
}

/*T:693 ARM_ONESHOT, the shim's side of the kernel's timer_arm_oneshot: the
 * same two modes as the kernel's native code (TSC-deadline, else a
 * count-down armed 0.2 % early), on the vector the ABI fixes for the timer
 * (VMI_VECTOR_TIMER, 0xf0, which is the kernel's VEC_TIMER). It acts on
 * the calling CPU's local APIC: each CPU's timer is its own. */
void SHIM_CALL shim_arm_oneshot(u64 deadline)
{
    if (!t.ready)
        return;
    if (t.deadline_mode) {
        /* 0 disarms; a deadline already passed fires at once (10.5.4.1) */
        x86_wrmsr(MSR_TSC_DEADLINE, deadline ? ns_to_tsc(deadline) : 0);
        return;
    }
    if (!deadline) {
        lapic_write(LAPIC_TIMER_INIT, 0);
        return;
    }
    u64 now = shim_clock_ns();
    u64 delta = deadline > now ? deadline - now : 0;
    u64 ticks = 0xffffffffu;
    if (delta < 60 * NSEC_PER_SEC) {
        /* The count-down rate was measured over 10 ms, good to a few
         * hundred ppm: fire 0.2 % early on long waits, and the kernel,
         * which checks the clock, arms again for the little left. Late
         * could not be undone. */
        if (delta > 1000000)
            delta -= delta >> 9;
        ticks = mul_u64_u32_shr(delta, t.ns_to_lapic.mult, t.ns_to_lapic.shift);
        if (ticks > 0xffffffffu)
            ticks = 0xffffffffu;
    }
    lapic_write(LAPIC_TIMER_INIT, ticks ? (u32)ticks : 1);   /* 0 would disarm */
}
