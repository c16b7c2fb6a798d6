/* IOAPICs (drivers/apic/ioapic.c). */
#ifndef DRIVERS_IOAPIC_H
#define DRIVERS_IOAPIC_H
#include <drivers/madt.h>
/* Map and mask every IOAPIC the MADT lists; returns how many work. */
unsigned ioapic_init(const struct madt_info *m);
/* Deliver `gsi` as `vector` to the CPU with APIC id `dest`, unmasked. */
int ioapic_route(u32 gsi, u8 vector, bool level, bool active_low, u32 dest);
int ioapic_mask(u32 gsi, bool masked);
unsigned ioapic_count(void);
/* For `monitor`: the redirection entry of a GSI; -ENOENT if none. */
int ioapic_read_entry(u32 gsi, u64 *entry);
#endif
