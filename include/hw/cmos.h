/*
 * The CMOS real-time clock's registers and the decoding of its time into
 * seconds since 1970, written once for the kernel (drivers/rtc/cmos.c) and
 * the VMI shim (pv/vmi/shim/rtc.c). Freestanding: the register reads are
 * the caller's (the kernel's go through the platform ops, the shim's are
 * its own), and the arithmetic is 32-bit, because the shim has no 64-bit
 * division on i386.
 *
 * Motorola MC146818A datasheet: registers 0x00 seconds, 0x02 minutes,
 * 0x04 hours, 0x07 day of month, 0x08 month, 0x09 year; register A bit 7 =
 * update in progress (UIP), bits 3:0 the periodic rate; register B bit 6 =
 * periodic interrupt enable, bit 4 = update-ended interrupt enable, bit 2
 * = binary (else BCD), bit 1 = 24-hour (else 12-hour, bit 7 of the hours
 * = PM); register C bit 6 = periodic flag, bit 4 = update-ended flag (both
 * cleared by reading C); register D bits 6:0 always read 0. The
 * century is register 0x32 by PC convention (the ACPI FADT's "century"
 * field names it).
 */
#ifndef HW_CMOS_H
#define HW_CMOS_H

#include <stdbool.h>
#include <stdint.h>

#define CMOS_INDEX 0x70   /* bit 7 of the index would mask NMIs: kept clear */
#define CMOS_DATA 0x71

#define CMOS_SEC 0x00
#define CMOS_MIN 0x02
#define CMOS_HOUR 0x04
#define CMOS_DAY 0x07
#define CMOS_MON 0x08
#define CMOS_YEAR 0x09
#define CMOS_REG_A 0x0a
#define CMOS_REG_B 0x0b
#define CMOS_REG_C 0x0c
#define CMOS_REG_D 0x0d
#define CMOS_CENTURY 0x32

#define CMOS_A_UIP 0x80
#define CMOS_A_RATE_1024HZ 0x06
#define CMOS_B_PIE 0x40
#define CMOS_B_UIE 0x10
#define CMOS_B_BINARY 0x04
#define CMOS_B_24H 0x02
#define CMOS_C_PF 0x40
#define CMOS_C_UF 0x10
#define CMOS_D_ZERO_BITS 0x7f
#define CMOS_HOUR_PM 0x80

struct cmos_time {
    uint8_t sec, min, hour, day, mon, year, century;
};

/* The time fields as they are, through the caller's register read. */
static inline void cmos_read_time(struct cmos_time *t, uint8_t (*rd)(uint8_t reg))
{
    t->sec = rd(CMOS_SEC);
    t->min = rd(CMOS_MIN);
    t->hour = rd(CMOS_HOUR);
    t->day = rd(CMOS_DAY);
    t->mon = rd(CMOS_MON);
    t->year = rd(CMOS_YEAR);
    t->century = rd(CMOS_CENTURY);
}

static inline bool cmos_time_equal(const struct cmos_time *a, const struct cmos_time *b)
{
    return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day &&
           a->mon == b->mon && a->year == b->year && a->century == b->century;
}

/* The time read through `read_fields` (a whole read, after the update in
 * progress) until two reads agree, at most 6 reads: an update between two
 * fields would otherwise give a time that never was (23:59:59 read as
 * 00:59:59). */
static inline void cmos_read_time_stable(struct cmos_time *t,
                                         void (*read_fields)(struct cmos_time *t))
{
    struct cmos_time a;
    read_fields(&a);
    for (int tries = 0; tries < 5; tries++) {
        read_fields(t);
        if (cmos_time_equal(&a, t))
            return;
        a = *t;
    }
}

static inline unsigned cmos_bcd(uint8_t v)
{
    return (v & 0x0fu) + (v >> 4) * 10u;
}

/* Days from 1970-01-01 to a Gregorian date in 1970-2199, in 32-bit
 * arithmetic. */
static inline uint32_t cmos_days_since_1970(uint32_t year, uint32_t mon, uint32_t day)
{
    static const uint16_t before_month[12] = { 0,   31,  59,  90,  120, 151,
                                               181, 212, 243, 273, 304, 334 };
    uint32_t y = year - 1;
    uint32_t leaps = (y / 4 - y / 100 + y / 400) - (1969 / 4 - 1969 / 100 + 1969 / 400);
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return (year - 1970) * 365 + leaps + before_month[mon - 1] + (leap && mon > 2) + day - 1;
}

/* Seconds since 1970 for the fields and register B, or -1 when they are
 * not a time in 1970-2199 (a century register outside 19-30 means 20xx). */
static inline int64_t cmos_time_to_unix(const struct cmos_time *t, uint8_t reg_b)
{
    bool bin = reg_b & CMOS_B_BINARY, h24 = reg_b & CMOS_B_24H;
    bool pm = !h24 && (t->hour & CMOS_HOUR_PM);
    uint8_t hour_raw = (uint8_t)(t->hour & ~CMOS_HOUR_PM);
    unsigned sec = bin ? t->sec : cmos_bcd(t->sec), min = bin ? t->min : cmos_bcd(t->min),
             hour = bin ? hour_raw : cmos_bcd(hour_raw), day = bin ? t->day : cmos_bcd(t->day),
             mon = bin ? t->mon : cmos_bcd(t->mon), year = bin ? t->year : cmos_bcd(t->year),
             century = bin ? t->century : cmos_bcd(t->century);
    if (!h24)
        hour = hour % 12 + (pm ? 12 : 0);   /* 12 AM is 0, 12 PM is 12 */
    year += (century >= 19 && century <= 30) ? century * 100 : 2000;
    if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12 ||
        year < 1970 || year > 2199)
        return -1;
    return (int64_t)cmos_days_since_1970(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}

#endif
