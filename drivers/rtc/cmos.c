/*
 * The CMOS real-time clock, read once at boot for the wall clock. Registers
 * (Motorola MC146818A datasheet; the same map on every PC): 0x00 seconds,
 * 0x02 minutes, 0x04 hours, 0x07 day, 0x08 month, 0x09 year, 0x32 century
 * (by convention, ACPI FADT "century" field), status A bit 7 = update in
 * progress, status B bit 2 = binary (else BCD), bit 1 = 24-hour.
 */
#include <drivers/cmos_rtc.h>
#include <proteus/pvops.h>
#include <proteus/timekeeping.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static u8 cmos_read(u8 reg)
{
    outb(CMOS_INDEX, reg);   /* bit 7 clear: NMI stays enabled */
    return inb(CMOS_DATA);
}

static unsigned bcd(u8 v)
{
    return (v & 0x0f) + (v >> 4) * 10;
}

/* Howard Hinnant's days-from-civil algorithm (public domain description). */
s64 days_from_civil(s64 y, unsigned m, unsigned d)
{
    y -= m <= 2;
    s64 era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (s64)doe - 719468;
}

struct rtc_time {
    u8 sec, min, hour, day, mon, year, century;
};

static void read_raw(struct rtc_time *t)
{
    /* Wait out an update in progress (it lasts under 2 ms), bounded. */
    u64 t0 = read_tsc();
    while ((cmos_read(0x0a) & 0x80) && read_tsc() - t0 < TSC_CYCLES_FOR_MS(5))
        ;
    t->sec = cmos_read(0x00);
    t->min = cmos_read(0x02);
    t->hour = cmos_read(0x04);
    t->day = cmos_read(0x07);
    t->mon = cmos_read(0x08);
    t->year = cmos_read(0x09);
    t->century = cmos_read(0x32);
}

/* Register D's bits 6:0 always read 0 (MC146818A datasheet, "Register
 * D"). Where there is no RTC (QEMU's microvm under KVM unless started with
 * rtc=on), port 0x71 floats and reads 0xff: every "flag" looks set, which
 * once made 16 periodic edges appear in a fifteenth of their time and the
 * TSC look 170 MHz slow. */
bool cmos_rtc_present(void)
{
    return !(cmos_read(0x0d) & 0x7f);
}

s64 cmos_rtc_read_unix(void)
{
    struct rtc_time a, b;
    if (!cmos_rtc_present())
        return -1;
    /* Read until two reads agree, so a rollover between fields is not seen. */
    read_raw(&a);
    for (int tries = 0; tries < 5; tries++) {
        read_raw(&b);
        if (a.sec == b.sec && a.min == b.min && a.hour == b.hour && a.day == b.day &&
            a.mon == b.mon && a.year == b.year)
            break;
        a = b;
    }
    u8 status_b = cmos_read(0x0b);
    bool pm = !(status_b & 0x02) && (b.hour & 0x80);
    b.hour &= 0x7f;
    unsigned sec = b.sec, min = b.min, hour = b.hour, day = b.day, mon = b.mon, year = b.year,
             cent = b.century;
    if (!(status_b & 0x04)) {
        sec = bcd(b.sec);
        min = bcd(b.min);
        hour = bcd(b.hour);
        day = bcd(b.day);
        mon = bcd(b.mon);
        year = bcd(b.year);
        cent = bcd(b.century);
    }
    if (!(status_b & 0x02))
        hour = hour % 12 + (pm ? 12 : 0);
    unsigned full_year = (cent >= 19 && cent <= 30) ? cent * 100 + year : 2000 + year;
    if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12)
        return -1;
    return days_from_civil(full_year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
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
    saved_a = cmos_read(0x0a);
    saved_b = cmos_read(0x0b);
    outb(CMOS_INDEX, 0x0a);
    outb(CMOS_DATA, (u8)((saved_a & 0xf0) | 6));
    outb(CMOS_INDEX, 0x0b);
    outb(CMOS_DATA, (u8)(saved_b | 0x40));
    cmos_read(0x0c);
    return true;
}

bool cmos_rtc_wait_edge(u64 *longest_gap)
{
    u64 t0 = read_tsc(), last = t0;
    while (last - t0 < TSC_CYCLES_FOR_MS(20)) {   /* a period is under 1 ms */
        bool pf = cmos_read(0x0c) & 0x40;
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
        bool uip = cmos_read(0x0a) & 0x80;
        if (uip && seen_clear) {
            *edge_lo = before;
            *edge_hi = read_tsc();
            u64 t1 = read_tsc();
            while (cmos_read(0x0a) & 0x80)   /* the update takes under 2 ms */
                if (read_tsc() - t1 > TSC_CYCLES_FOR_MS(20))
                    return false;
            u8 sec = cmos_read(0x00);
            *second = (cmos_read(0x0b) & 0x04) ? sec : bcd(sec);
            return *second < 60;
        }
        seen_clear = !uip;
        before = b;
    }
    return false;
}

void cmos_rtc_periodic_stop(void)
{
    outb(CMOS_INDEX, 0x0b);
    outb(CMOS_DATA, saved_b);
    outb(CMOS_INDEX, 0x0a);
    outb(CMOS_DATA, saved_a);
}
