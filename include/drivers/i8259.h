/* The legacy 8259A PIC pair (drivers/pic/i8259.c). */
#ifndef DRIVERS_I8259_H
#define DRIVERS_I8259_H
#include <proteus/types.h>
/* Move IRQ 0-15 to vectors base..base+15 and mask every line. */
void i8259_remap_and_mask(u8 vector_base);
/* PIC mode (no IOAPIC): unmask or mask one line; EOI after its handler. */
void i8259_mask(unsigned irq, bool masked);
void i8259_eoi(unsigned irq);
/* IRQ 7 and 15 also arrive spuriously when a request goes away before it
 * is acknowledged; true if this one was (and it needs no EOI, or only the
 * master's for 15). Intel 8259A datasheet, "Interrupt Sequence". */
bool i8259_spurious(unsigned irq);
#endif
