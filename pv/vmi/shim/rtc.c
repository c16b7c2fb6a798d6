/*
 * The CMOS real-time clock, read once by TIME_INIT for the wall clock at
 * boot. Motorola MC146818A datasheet: registers 0x00 seconds, 0x02
 * minutes, 0x04 hours, 0x07 day of month, 0x08 month, 0x09 year;
 * register A bit 7 = update in progress (UIP); register B bit 2 = binary
 * (else BCD), bit 1 = 24-hour (else 12-hour, bit 7 of the hours = PM).
 * The century is register 0x32 by PC convention (the ACPI FADT's
 * "century" field names it; the shim does not read the FADT).
 */
#include "shim.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define REG_A_UIP 0x80
#define REG_B_BINARY 0x04
#define REG_B_24H 0x02
#define HOUR_PM 0x80

static u8 cmos_read(u8 reg)
{
    x86_outb(CMOS_INDEX, reg);   /* bit 7 clear: NMIs stay enabled */
    return x86_inb(CMOS_DATA);
}

struct rtc_fields {
    u8 sec, min, hour, day, mon, year, century;
};

/* Once UIP reads 0, the next update is at least 244 us away (datasheet,
 * "Update Cycle"): time enough to read every field. */
static void read_fields(struct rtc_fields *f)
{
    for (int spin = 0; spin < 1000000 && (cmos_read(0x0a) & REG_A_UIP); spin++)
        x86_pause();
    f->sec = cmos_read(0x00);
    f->min = cmos_read(0x02);
    f->hour = cmos_read(0x04);
    f->day = cmos_read(0x07);
    f->mon = cmos_read(0x08);
    f->year = cmos_read(0x09);
    f->century = cmos_read(0x32);
}

static bool same_fields(const struct rtc_fields *a, const struct rtc_fields *b)
{
    return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day &&
           a->mon == b->mon && a->year == b->year && a->century == b->century;
}

static unsigned from_bcd(u8 v) { return (v & 0x0f) + (v >> 4) * 10; }

/* Days from 1970-01-01 to the given date (Gregorian, year >= 1970), in
 * 32-bit arithmetic: i386 has no 64-bit division and no libgcc here. */
static u32 days_since_1970(u32 year, u32 mon, u32 day)
{
    static const u16 before_month[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    u32 y = year - 1;
    u32 leaps = (y / 4 - y / 100 + y / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400);
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return (year - 1970) * 365 + leaps + before_month[mon - 1] + (leap && mon > 2) + day - 1;
}

u64 rtc_read_unix(void)
{
    unsigned long irq = irq_save();   /* index/data pairs */
    struct rtc_fields a, b;
    read_fields(&a);
    for (int tries = 0; tries < 5; tries++) {
        /* two reads that agree: no rollover between the fields */
        read_fields(&b);
        if (same_fields(&a, &b))
            break;
        a = b;
    }
    u8 reg_b = cmos_read(0x0b);
    irq_restore(irq);

    bool pm = !(reg_b & REG_B_24H) && (b.hour & HOUR_PM);
    b.hour &= (u8)~HOUR_PM;
    unsigned sec = b.sec, min = b.min, hour = b.hour, day = b.day, mon = b.mon, year = b.year,
             century = b.century;
    if (!(reg_b & REG_B_BINARY)) {
        sec = from_bcd(b.sec);
        min = from_bcd(b.min);
        hour = from_bcd(b.hour);
        day = from_bcd(b.day);
        mon = from_bcd(b.mon);
        year = from_bcd(b.year);
        century = from_bcd(b.century);
    }
    if (!(reg_b & REG_B_24H))
        hour = hour % 12 + (pm ? 12 : 0);   /* 12 AM is 0, 12 PM is 12 */
    year += (century >= 19 && century <= 30) ? century * 100 : 2000;
    if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12 ||
        year < 1970 || year > 2199)
        return 0;
    return (u64)days_since_1970(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}
