/*
 * include/hw/cmos.h: the CMOS clock's fields into seconds since 1970, as the
 * kernel and the VMI shim both decode them: BCD and binary, 12- and 24-hour
 * (12 AM is 0, 12 PM is 12), the century register or 20xx, leap years, and
 * nonsense refused rather than turned into a wrong wall clock.
 */
/* unit-sources: */
#include "unit.h"

#include <hw/cmos.h>

static struct cmos_time bcd_time(unsigned cent, unsigned year, unsigned mon, unsigned day,
                                 unsigned hour, unsigned min, unsigned sec)
{
#define B(v) (uint8_t)(((v) / 10) << 4 | (v) % 10)
    struct cmos_time t = { B(sec), B(min), B(hour), B(day), B(mon), B(year), B(cent) };
#undef B
    return t;
}

TEST(cmos_epoch_and_known_dates)
{
    struct cmos_time t = bcd_time(19, 70, 1, 1, 0, 0, 0);
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_24H), 0);
    t = bcd_time(20, 0, 3, 1, 0, 0, 0);   /* 2000 is a leap year: Feb 29 counts */
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_24H), 951868800);
    t = bcd_time(20, 26, 12, 4, 23, 21, 35);
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_24H), 1796426495);
    t = bcd_time(21, 0, 3, 1, 0, 0, 0);   /* 2100 is not */
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_24H), 4107542400);
}

TEST(cmos_binary_and_12_hour)
{
    struct cmos_time t = { 35, 21, 11 | CMOS_HOUR_PM, 4, 12, 26, 20 };   /* 11 PM */
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_BINARY), 1796426495);
    t.hour = 12;   /* 12 AM is midnight */
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_BINARY), 1796426495 - 23 * 3600);
    t.hour = 12 | CMOS_HOUR_PM;   /* 12 PM is noon */
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_BINARY), 1796426495 - 11 * 3600);
}

TEST(cmos_century_register_outside_19_30_means_20xx)
{
    struct cmos_time t = bcd_time(0, 26, 12, 4, 23, 21, 35);
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_24H), 1796426495);
}

TEST(cmos_nonsense_refused)
{
    struct cmos_time t = bcd_time(20, 26, 13, 4, 0, 0, 0);   /* month 13 */
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_24H), -1);
    t = bcd_time(20, 26, 12, 0, 0, 0, 0);   /* day 0 */
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_24H), -1);
    t = bcd_time(19, 69, 12, 31, 23, 59, 59);   /* before 1970 */
    CHECK_EQ(cmos_time_to_unix(&t, CMOS_B_24H), -1);
    struct cmos_time ff = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };   /* no RTC */
    CHECK_EQ(cmos_time_to_unix(&ff, 0xff), -1);
    CHECK_EQ(cmos_time_to_unix(&ff, 0), -1);
}

/* An update between two fields: the first read saw 23:59:59 for the
 * seconds and 00:00 for the rest (a time that never was); the stable read
 * takes the next two reads, which agree. */
static const struct cmos_time reads[] = {
    { 0x59, 0x00, 0x00, 0x05, 0x12, 0x26, 0x20 },
    { 0x00, 0x00, 0x00, 0x05, 0x12, 0x26, 0x20 },
    { 0x00, 0x00, 0x00, 0x05, 0x12, 0x26, 0x20 },
};
static unsigned nread;

static void read_rolling(struct cmos_time *t)
{
    *t = reads[nread < 3 ? nread : 2];
    nread++;
}

TEST(cmos_read_until_two_reads_agree)
{
    struct cmos_time t;
    nread = 0;
    cmos_read_time_stable(&t, read_rolling);
    CHECK_EQ(nread, 3u);
    CHECK(cmos_time_equal(&t, &reads[2]));
}

/* A clock that never reads the same twice is read 6 times, not for ever. */
static void read_changing(struct cmos_time *t)
{
    *t = reads[0];
    t->sec = (uint8_t)nread++;
}

TEST(cmos_read_stable_is_bounded)
{
    struct cmos_time t;
    nread = 0;
    cmos_read_time_stable(&t, read_changing);
    CHECK_EQ(nread, 6u);
}
