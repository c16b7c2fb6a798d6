/*
 * The local APIC in xAPIC mode: memory-mapped registers at the base in
 * IA32_APIC_BASE. Used for EOI, the CPU's id and the one-shot timer.
 * Register offsets: Intel SDM Vol. 3A, 11.4.1, table 11-1 (also
 * protocol-facts 5.1); LVT timer: 11.5.4; divide configuration: figure 11-10.
 */
#include <drivers/xapic.h>
#include <arch/x86.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/vm.h>

enum {
    APIC_ID = 0x020,
    APIC_VERSION = 0x030,
    APIC_TPR = 0x080,
    APIC_EOI = 0x0b0,
    APIC_SVR = 0x0f0,
    APIC_LVT_TIMER = 0x320,
    APIC_LVT_LINT0 = 0x350,
    APIC_LVT_LINT1 = 0x360,
    APIC_LVT_ERROR = 0x370,
    APIC_TIMER_INIT = 0x380,
    APIC_TIMER_CUR = 0x390,
    APIC_TIMER_DIV = 0x3e0,
};
#define APIC_BASE_ENABLE (1ULL << 11)
#define SVR_ENABLE 0x100
#define LVT_MASKED (1u << 16)
#define TIMER_DIV_16 0x3

static volatile u32 *regs;
static u64 timer_hz;
static unsigned timer_vector;

u32 xapic_read(u32 reg)
{
    return regs[reg / 4];
}

void xapic_write(u32 reg, u32 val)
{
    regs[reg / 4] = val;
}

int xapic_init(void)
{
    u64 base;
    int err = rdmsr_safe(MSR_APIC_BASE, &base);
    if (err) {
        printk("xapic: reading IA32_APIC_BASE (0x%x) failed: %s\n", MSR_APIC_BASE, errno_name(err));
        return -ENODEV;
    }
    if (!(base & APIC_BASE_ENABLE)) {
        err = wrmsr_safe(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
        if (err) {
            printk("xapic: enabling the APIC (MSR 0x%x) failed: %s\n", MSR_APIC_BASE,
                   errno_name(err));
            return -ENODEV;
        }
    }
    regs = vm_map_mmio(base & 0xfffff000ULL, PAGE_SIZE);
    if (!regs)
        return -ENODEV;
    xapic_write(APIC_TPR, 0);
    xapic_write(APIC_LVT_LINT0, LVT_MASKED);   /* the PICs are masked: no ExtINT */
    xapic_write(APIC_LVT_ERROR, LVT_MASKED);
    xapic_write(APIC_LVT_TIMER, LVT_MASKED);
    xapic_write(APIC_SVR, SVR_ENABLE | 0xff);  /* spurious vector 0xff */
    return 0;
}

void xapic_eoi(void)
{
    xapic_write(APIC_EOI, 0);
}

u32 xapic_id(void)
{
    return regs ? xapic_read(APIC_ID) >> 24 : 0;
}

static u64 measure_tsc0;

void xapic_timer_measure_begin(unsigned vector)
{
    if (!regs)
        return;
    timer_vector = vector;
    xapic_write(APIC_TIMER_DIV, TIMER_DIV_16);
    xapic_write(APIC_LVT_TIMER, LVT_MASKED | vector);
    measure_tsc0 = read_tsc();
    xapic_write(APIC_TIMER_INIT, 0xffffffff);
}

int xapic_timer_measure_end(u64 tsc_hz)
{
    if (!regs || !tsc_hz)
        return -ENODEV;
    u32 left = xapic_read(APIC_TIMER_CUR);
    u64 elapsed = read_tsc() - measure_tsc0;
    xapic_write(APIC_TIMER_INIT, 0);
    u64 ticks = 0xffffffffULL - left;
    if (ticks < 100 || !elapsed) {
        printk("xapic: timer did not count during calibration (%llu ticks)\n",
               (unsigned long long)ticks);
        return -ENODEV;
    }
    /* ticks * tsc_hz / elapsed, split to stay within 64 bits */
    timer_hz = ticks * (tsc_hz / 1000) / elapsed * 1000;
    xapic_write(APIC_LVT_TIMER, timer_vector);   /* one-shot, unmasked */
    return 0;
}

u64 xapic_timer_hz(void)
{
    return timer_hz;
}

void xapic_timer_arm_ns(u64 delta_ns)
{
    if (!regs || !timer_hz)
        return;
    if (delta_ns == 0) {
        xapic_write(APIC_TIMER_INIT, 0);
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
    xapic_write(APIC_TIMER_INIT, (u32)ticks);
}
