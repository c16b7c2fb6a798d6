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
/* Whether a PIT answers (channel 2 counts): QEMU's microvm has none, and
 * then IRQ 0 never comes. */
bool pit_present(void);
void pit_oneshot_irq0(u16 ticks);
void pit_stop_irq0(void);
#endif
