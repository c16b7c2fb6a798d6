/*
 * The local APIC, whichever register interface it uses: set-up, EOI and the
 * timer. The timer runs one-shot, either counting down at a rate measured
 * against the TSC (SDM Vol. 3A, 11.5.4) or, where CPUID.1:ECX[24] offers it,
 * in TSC-deadline mode, where it fires when the TSC reaches the value in
 * IA32_TSC_DEADLINE and needs no measured rate at all (11.5.4.1).
 */
#include <arch/cpu.h>
#include <drivers/lapic.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>

/* Divide configuration register values (SDM Vol. 3A, 11.5.4, figure
 * 11-10): the timer runs at 1/16 of its clock, which lets one count-down
 * span a minute at a 1 GHz clock; a short measurement counts the clock
 * itself, 16 times as many ticks in the same span. */
#define TIMER_DIV_16 0x3
#define TIMER_DIV_1  0xb

static const struct lapic_mode *mode;
static u64 timer_hz;
static unsigned timer_vector;
static bool deadline_mode;
static u64 measure_tsc0;
static u32 measure_cur0;
static unsigned measure_div;   /* the divisor the measurement counted at */

static void setup_this_cpu(void);

int lapic_init(bool allow_x2apic)
{
    /* Without the CPUID bit there is no IA32_APIC_BASE worth reading (QEMU
     * returns 0 for it: a base at physical page 0). */
    if (!cpu_features.apic)
        return -ENODEV;
    u64 base;
    int err = rdmsr_safe(0x1b, &base);
    if (err) {
        printk("lapic: reading IA32_APIC_BASE (MSR 0x1b) failed: %s\n", errno_name(err));
        return -ENODEV;
    }
    /* Firmware may hand over in x2APIC mode; then that is the only choice. */
    bool x2 = (cpu_features.x2apic && allow_x2apic) || (base & APIC_BASE_EXTD);
    mode = x2 ? &lapic_x2apic_mode : &lapic_xapic_mode;
    err = mode->enable(base);
    if (err) {
        mode = NULL;
        return err;
    }
    setup_this_cpu();
    return 0;
}

int lapic_init_this_cpu(void)
{
    if (!mode)
        return -ENODEV;
    u64 base;
    int err = rdmsr_safe(0x1b, &base);
    if (err) {
        printk("lapic: reading IA32_APIC_BASE (MSR 0x1b) failed: %s\n", errno_name(err));
        return err;
    }
    err = mode->enable(base);
    if (!err)
        setup_this_cpu();
    return err;
}

int lapic_send(u32 dest, u32 cmd)
{
    return mode ? mode->send(dest, cmd) : -ENODEV;
}

/* Every LVT entry masked but LINT1 (NMI), software-enabled. */
static void setup_this_cpu(void)
{
    mode->write(LAPIC_TPR, 0);
    mode->write(LAPIC_LVT_TIMER, LVT_MASKED);
    mode->write(LAPIC_LVT_LINT0, LVT_MASKED);   /* the 8259s are masked: no ExtINT */
    mode->write(LAPIC_LVT_LINT1, LVT_DM_NMI);   /* LINT1 is NMI on PCs (MP spec 5.1) */
    mode->write(LAPIC_LVT_ERROR, LVT_MASKED);
    mode->write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
}

const char *lapic_mode_name(void)
{
    return mode ? mode->name : "none";
}

bool lapic_ready(void)
{
    return mode != NULL;
}

u32 lapic_read(unsigned reg)
{
    return mode ? mode->read(reg) : 0;
}

/*T:545 The EOI itself: a write of 0 to the EOI register, offset 0xB0 of
 * the xAPIC's MMIO page or MSR 0x80B in x2APIC mode (SDM Vol. 3A, 11.8.5
 * and table 11-6), through the mode's write op (drivers/apic/xapic.c,
 * x2apic.c). Under a hypervisor that emulates the APIC, this write can
 * cost an exit on every interrupt: the reason for KVM's PV EOI
 * (pv/kvm/apic.c). */
void lapic_eoi(void)
{
    if (mode)
        mode->write(LAPIC_EOI, 0);
}

u32 lapic_id(void)
{
    return mode ? mode->id() : 0;
}

void lapic_set_lint0_extint(bool on)
{
    mode->write(LAPIC_LVT_LINT0, on ? LVT_DM_EXTINT : LVT_MASKED);
}

/* The count now, and the TSC at that moment: the count's read bracketed
 * by two TSC reads and timed at their middle, the narrowest bracket of
 * four tries. A vCPU held off between a TSC read and the count's read
 * (QEMU's TCG on a loaded host) would otherwise move one end of the span
 * by as long as it was held off, which in a span of a few ms is a rate off
 * by tenths of a percent (a count-down rate 0.7 % low was seen once, the
 * ends then taken by single reads). */
static u32 read_count_timed(u64 *tsc, u64 *bracket)
{
    u64 narrowest = ~0ULL;
    u32 count = 0;
    for (int i = 0; i < 4; i++) {
        u64 t0 = read_tsc();
        u32 c = mode->read(LAPIC_TIMER_CUR);
        u64 t1 = read_tsc();
        if (t1 - t0 < narrowest) {
            narrowest = t1 - t0;
            count = c;
            *tsc = t0 + (t1 - t0) / 2;
        }
    }
    if (bracket)
        *bracket = narrowest;
    return count;
}

u64 lapic_timer_measure_begin(unsigned vector, bool short_span)
{
    if (!mode)
        return 0;
    timer_vector = vector;
    /* At 1 GHz (QEMU's) the undivided count lasts 4.3 s, longer than any
     * short span; a reference window may last seconds (the RTC's update
     * cycle), so it counts divided. */
    measure_div = short_span ? 1 : 16;
    mode->write(LAPIC_TIMER_DIV, short_span ? TIMER_DIV_1 : TIMER_DIV_16);
    mode->write(LAPIC_LVT_TIMER, LVT_MASKED | vector);
    mode->write(LAPIC_TIMER_INIT, 0xffffffff);
    u64 bracket;
    measure_cur0 = read_count_timed(&measure_tsc0, &bracket);
    return bracket;
}

static u64 measured_ticks, measured_tsc;

u32 lapic_timer_measured_ticks(void)
{
    return mode ? measure_cur0 - mode->read(LAPIC_TIMER_CUR) : 0;
}

int lapic_timer_measure_end(u64 tsc_hz)
{
    if (!mode || !tsc_hz)
        return -ENODEV;
    u64 end;
    u32 left = read_count_timed(&end, NULL);
    u64 elapsed = end - measure_tsc0;
    mode->write(LAPIC_TIMER_INIT, 0);
    u64 ticks = measure_cur0 - left;
    mode->write(LAPIC_TIMER_DIV, TIMER_DIV_16);   /* the rate the timer runs at */
    if (ticks < 100 || !elapsed) {
        printk("lapic: timer did not count during calibration (%llu ticks)\n",
               (unsigned long long)ticks);
        return -ENODEV;
    }
    measured_ticks = ticks;
    measured_tsc = elapsed * (measure_div == 1 ? 16 : 1);   /* ticks per TSC cycle at 1/16 */
    lapic_timer_set_tsc_hz(tsc_hz);
    mode->write(LAPIC_LVT_TIMER, timer_vector);   /* one-shot, unmasked */
    return 0;
}

/* What was measured is how many timer ticks a TSC cycle is worth; the
 * rate in Hz follows the TSC's, which the clock may refine later. */
void lapic_timer_set_tsc_hz(u64 tsc_hz)
{
    if (!measured_tsc)
        return;
    /* ticks * tsc_hz / elapsed, exact where the product fits in 64 bits
     * (ticks from a span of a few ms do), else split */
    timer_hz = measured_ticks <= ~0ULL / tsc_hz
                   ? measured_ticks * tsc_hz / measured_tsc
                   : measured_ticks * (tsc_hz / 1000) / measured_tsc * 1000;
}

/* The timer's input clock as the platform states it (CPUID 0x15's core
 * crystal, the hypervisor leaf's bus rate, the command line): nothing is
 * measured, and the rate does not follow the TSC's refinement, as the two
 * clocks are independent. A count-down a reference window left running
 * is stopped. */
int lapic_timer_set_clock(unsigned vector, u64 clock_hz)
{
    if (!mode || clock_hz < 16)
        return -ENODEV;
    timer_vector = vector;
    mode->write(LAPIC_TIMER_INIT, 0);
    mode->write(LAPIC_TIMER_DIV, TIMER_DIV_16);
    measured_tsc = 0;
    timer_hz = clock_hz / 16;
    mode->write(LAPIC_LVT_TIMER, timer_vector);   /* one-shot, unmasked */
    return 0;
}

/*T:665 The local APIC timer's two one-shot modes, as the native time ops
 * use them. TSC-deadline (CPUID.1:ECX[24]; SDM Vol. 3A, 11.5.4.1): the LVT
 * timer entry's mode field (bits 18:17) set to 10b, then the deadline, a
 * TSC value, written to IA32_TSC_DEADLINE (MSR 0x6e0) by
 * lapic_timer_arm_tsc; writing 0 disarms, a value already passed fires at
 * once. Count-down (11.5.4): the LVT in one-shot mode, divide by 16, and
 * the initial count written by lapic_timer_arm_ns, in ticks at the rate
 * measured or stated. In xAPIC mode the LVT write must be ordered before
 * the first MSR write, hence the mfence. */
int lapic_timer_use_tsc_deadline(unsigned vector)
{
    if (!mode || !cpu_features.tsc_deadline)
        return -ENODEV;
    timer_vector = vector;
    mode->write(LAPIC_TIMER_INIT, 0);   /* stop a count-down still running */
    mode->write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | vector);
    /* SDM 11.5.4.1: order the LVT write before the first deadline write. */
    __asm__ __volatile__("mfence" ::: "memory");
    int err = wrmsr_safe(MSR_TSC_DEADLINE, 0);
    if (err) {
        printk("lapic: IA32_TSC_DEADLINE (MSR 0x%x) cannot be written: %s\n", MSR_TSC_DEADLINE,
               errno_name(err));
        mode->write(LAPIC_LVT_TIMER, LVT_MASKED | vector);
        return err;
    }
    deadline_mode = true;
    return 0;
}

/*T:740 A started CPU's own one-shot timer (native_ap_entry): the mode
 * the boot CPU chose, with nothing measured again. The count-down rate
 * measured on the boot CPU holds on every CPU: all local APIC timers count
 * the same bus (or core crystal) clock, SDM Vol. 3A, 11.5.4; and in
 * TSC-deadline mode the TSC is the reference on each CPU. */
int lapic_timer_init_this_cpu(void)
{
    if (!mode || !timer_vector)
        return -ENODEV;
    if (!deadline_mode) {
        mode->write(LAPIC_TIMER_DIV, TIMER_DIV_16);
        mode->write(LAPIC_LVT_TIMER, timer_vector);   /* one-shot, unmasked */
        return 0;
    }
    mode->write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | timer_vector);
    __asm__ __volatile__("mfence" ::: "memory");   /* SDM 11.5.4.1, as above */
    int err = wrmsr_safe(MSR_TSC_DEADLINE, 0);
    if (err)
        printk("lapic: IA32_TSC_DEADLINE (MSR 0x%x) cannot be written on this CPU: %s\n",
               MSR_TSC_DEADLINE, errno_name(err));
    return err;
}

bool lapic_timer_is_tsc_deadline(void)
{
    return deadline_mode;
}

u64 lapic_timer_hz(void)
{
    return timer_hz;
}

void lapic_timer_arm_ns(u64 delta_ns)
{
    if (!mode || !timer_hz)
        return;
    if (delta_ns == 0) {
        mode->write(LAPIC_TIMER_INIT, 0);
        return;
    }
    /* ticks = delta * hz / 1e9. Beyond a minute the count saturates (the
     * 32-bit counter cannot go further anyway) and the caller re-arms when
     * it fires early; below that the product fits in 64 bits. */
    u64 ticks = 0xffffffffULL;
    if (delta_ns < 60 * 1000000000ULL) {
        ticks = delta_ns * (timer_hz / 1000) / 1000000 + 1;
        if (ticks > 0xffffffffULL)
            ticks = 0xffffffffULL;
    }
    mode->write(LAPIC_TIMER_INIT, (u32)ticks);
}

void lapic_timer_arm_tsc(u64 tsc_deadline)
{
    /* It was written once at set-up; failing now leaves every sleeper
     * waiting forever, so this is fatal, not a message. */
    int err = wrmsr_safe(MSR_TSC_DEADLINE, tsc_deadline);
    if (err)
        panic("lapic: writing IA32_TSC_DEADLINE (MSR 0x%x) = 0x%llx failed: %s (%d)",
              MSR_TSC_DEADLINE, (unsigned long long)tsc_deadline, errno_name(err), err);
}
