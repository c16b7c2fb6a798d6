/* The 8254 PIT as a reference clock, and as the one-shot timer when there
 * is no local APIC (drivers/timer/pit.c). */
#ifndef DRIVERS_PIT_H
#define DRIVERS_PIT_H
#include <proteus/types.h>
#define PIT_HZ 1193182
/* Busy-wait `ticks` PIT ticks on channel 2, gated through port 0x61, and
 * give the TSC cycles from the count's start to its end; false if the
 * count never ends. Only where pit_present(): without a PIT, port 0x61
 * reads as a count that ended at once. */
bool pit_wait_ticks(u16 ticks, u64 *tsc_elapsed);
/* Whether a PIT answers through channel 2 and port 0x61 (QEMU's microvm
 * has a PIT but no port 0x61). */
bool pit_present(void);
/* Channel 0 counting down freely from 65536 (mode 2), where channel 2
 * cannot be gated: false if nothing counts. Read by latching; ended by
 * pit_stop_irq0. */
bool pit_counter_start(void);
u16 pit_counter_read(void);
void pit_oneshot_irq0(u16 ticks);
void pit_stop_irq0(void);
#endif
