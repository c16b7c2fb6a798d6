/*
 * The CMOS real-time clock: read once at boot for the wall clock, and a
 * reference clock (its periodic flag and its update cycle) to measure the
 * TSC against where there is no PIT. The registers and the decoding of the
 * time are <hw/cmos.h> (MC146818A datasheet), shared with the VMI shim;
 * here the register reads go through the platform ops.
 */
#include <drivers/cmos_rtc.h>
#include <hw/cmos.h>
#include <proteus/pvops.h>
#include <proteus/timekeeping.h>

static u8 cmos_read(u8 reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static void cmos_write(u8 reg, u8 v)
{
    outb(CMOS_INDEX, reg);
    outb(CMOS_DATA, v);
}

/* Wait out an update in progress (it lasts under 2 ms), for at most `ms`;
 * false if it is still on. */
static bool update_over(unsigned ms)
{
    u64 t0 = read_tsc();
    while (cmos_read(CMOS_REG_A) & CMOS_A_UIP)
        if (read_tsc() - t0 > TSC_CYCLES_FOR_MS(ms))
            return false;
    return true;
}

static void read_raw(struct cmos_time *t)
{
    update_over(5);   /* the two-reads-agree check below covers a late one */
    cmos_read_time(t, cmos_read);
}

/* Register D's bits 6:0 always read 0 (MC146818A datasheet, "Register
 * D"). Where there is no RTC (QEMU's microvm under KVM unless started with
 * rtc=on), port 0x71 floats and reads 0xff: every "flag" looks set, which
 * once made 16 periodic edges appear in a fifteenth of their time and the
 * TSC look 170 MHz slow. */
bool cmos_rtc_present(void)
{
    return !(cmos_read(CMOS_REG_D) & CMOS_D_ZERO_BITS);
}

s64 cmos_rtc_read_unix(void)
{
    struct cmos_time t;
    if (!cmos_rtc_present())
        return -1;
    cmos_read_time_stable(&t, read_raw);
    return cmos_time_to_unix(&t, cmos_read(CMOS_REG_B));
}

/* Register A bits 3:0 select the periodic rate: 6 = 1024 Hz. Register B
 * bit 6 (PIE) runs the periodic timer; its interrupt line stays masked at
 * the interrupt controller, only the PF flag (register C bit 6, cleared by
 * reading C) is polled. MC146818A datasheet, "Periodic Interrupt". */
static u8 saved_a, saved_b;

bool cmos_rtc_periodic_start(void)
{
    if (!cmos_rtc_present())
        return false;
    saved_a = cmos_read(CMOS_REG_A);
    saved_b = cmos_read(CMOS_REG_B);
    cmos_write(CMOS_REG_A, (u8)((saved_a & 0xf0) | CMOS_A_RATE_1024HZ));
    cmos_write(CMOS_REG_B, (u8)(saved_b | CMOS_B_PIE));
    cmos_read(CMOS_REG_C);
    return true;
}

bool cmos_rtc_wait_edge(u64 *longest_gap)
{
    u64 t0 = read_tsc(), last = t0;
    while (last - t0 < TSC_CYCLES_FOR_MS(20)) {   /* a period is under 1 ms */
        bool pf = cmos_read(CMOS_REG_C) & CMOS_C_PF;
        u64 now = read_tsc();
        if (now - last > *longest_gap)
            *longest_gap = now - last;
        last = now;
        if (pf)
            return true;
    }
    return false;   /* no RTC, or it does not run */
}

/* The update cycle starts once a second, and status A bit 7 (UIP) rises
 * 244 us before it (MC146818A datasheet, "Update Cycle"): a 1 Hz edge that
 * an emulated RTC computes from its clock at the moment of the read, so
 * unlike the periodic flag it does not move when the device model runs
 * late. The edge happened after the last read that saw UIP clear began and
 * before the read that saw it set ended: those two TSC values bracket it.
 * UIP is high for only 244 us before the update, so reads slower than that
 * can miss a whole second: the seconds register, read once the update is
 * over (the datasheet's safe moment), says which second this edge began. */
bool cmos_rtc_wait_update(u64 *edge_lo, u64 *edge_hi, unsigned *second)
{
    u64 t0 = read_tsc(), before = 0;
    bool seen_clear = false;
    while (read_tsc() - t0 < TSC_CYCLES_FOR_MS(1500)) {
        u64 b = read_tsc();
        bool uip = cmos_read(CMOS_REG_A) & CMOS_A_UIP;
        if (uip && seen_clear) {
            *edge_lo = before;
            *edge_hi = read_tsc();
            if (!update_over(20))
                return false;
            u8 sec = cmos_read(CMOS_SEC);
            *second = (cmos_read(CMOS_REG_B) & CMOS_B_BINARY) ? sec : cmos_bcd(sec);
            return *second < 60;
        }
        seen_clear = !uip;
        before = b;
    }
    return false;
}

/* Register B bit 4 (UIE) raises IRQ 8 as each update cycle ends, once a
 * second; register C bit 4 (UF) says it did, and reading C clears it and
 * lets the line fall (MC146818A datasheet, "Update-Ended Interrupt"). */
void cmos_rtc_update_irq(bool on)
{
    u8 b = cmos_read(CMOS_REG_B);
    cmos_write(CMOS_REG_B, on ? (u8)(b | CMOS_B_UIE) : (u8)(b & ~CMOS_B_UIE));
    cmos_read(CMOS_REG_C);
}

bool cmos_rtc_update_ended(void)
{
    return cmos_read(CMOS_REG_C) & CMOS_C_UF;
}

void cmos_rtc_periodic_stop(void)
{
    cmos_write(CMOS_REG_B, saved_b);
    cmos_write(CMOS_REG_A, saved_a);
}
