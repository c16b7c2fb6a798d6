/* The local APIC in xAPIC (MMIO) mode (drivers/apic/xapic.c). */
#ifndef DRIVERS_XAPIC_H
#define DRIVERS_XAPIC_H
#include <proteus/types.h>
int xapic_init(void);                  /* 0 or -ENODEV */
void xapic_eoi(void);
u32 xapic_id(void);
u32 xapic_read(u32 reg);
void xapic_write(u32 reg, u32 val);
/* Measure the timer's rate against the TSC over whatever interval the
 * caller waits between begin and end (the same wait that measures the TSC,
 * so calibration costs one wait); end leaves it armed-ready on `vector`. */
void xapic_timer_measure_begin(unsigned vector);
int xapic_timer_measure_end(u64 tsc_hz);
void xapic_timer_arm_ns(u64 delta_ns);   /* 0 stops it */
u64 xapic_timer_hz(void);
#endif
