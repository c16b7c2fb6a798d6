/* The local APIC in xAPIC (MMIO) mode (drivers/apic/xapic.c). */
#ifndef DRIVERS_XAPIC_H
#define DRIVERS_XAPIC_H
#include <proteus/types.h>
int xapic_init(void);                  /* 0 or -ENODEV */
void xapic_eoi(void);
u32 xapic_id(void);
u32 xapic_read(u32 reg);
void xapic_write(u32 reg, u32 val);
/* One-shot timer on `vector`: calibrate against the TSC, then arm. */
int xapic_timer_calibrate(u64 tsc_hz, unsigned vector);
void xapic_timer_arm_ns(u64 delta_ns);   /* 0 stops it */
u64 xapic_timer_hz(void);
#endif
