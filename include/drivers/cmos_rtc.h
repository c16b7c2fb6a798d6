/* The MC146818-compatible CMOS real-time clock (drivers/rtc/cmos.c). */
#ifndef DRIVERS_CMOS_RTC_H
#define DRIVERS_CMOS_RTC_H
#include <proteus/types.h>
/* Whether an RTC answers at ports 0x70/0x71 (a missing one reads 0xff). */
bool cmos_rtc_present(void);
/* Seconds since the Unix epoch, or -1 if there is no RTC or it reads as
 * nonsense. */
s64 cmos_rtc_read_unix(void);
/* The RTC's 1024 Hz periodic flag, polled: a reference clock where there
 * is no PIT. periodic_start returns false if there is no RTC (then call
 * neither of the others); wait_edge returns false if the flag never rises,
 * and raises *longest_gap to the longest TSC span between two of its reads
 * (reads slower than a period would count two edges as one). */
#define CMOS_RTC_PERIODIC_HZ 1024
bool cmos_rtc_periodic_start(void);
bool cmos_rtc_wait_edge(u64 *longest_gap);
void cmos_rtc_periodic_stop(void);
/* Waits for the next rise of the update-in-progress flag, a 1 Hz edge,
 * brackets it between two TSC values and gives the second (0-59) the
 * update began; false if it does not rise within 1.5 s of the fastest
 * plausible TSC, or the update does not end. */
bool cmos_rtc_wait_update(u64 *edge_lo, u64 *edge_hi, unsigned *second);
/* The update-ended interrupt (IRQ 8, once a second) on or off; in its
 * handler, update_ended says whether it was the cause, and acknowledges it
 * (the line stays up until then). */
void cmos_rtc_update_irq(bool on);
bool cmos_rtc_update_ended(void);
#endif
