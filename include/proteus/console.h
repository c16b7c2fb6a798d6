/*
 * Console input, the generic half (kernel/console.c). A reader waits for
 * input on a wait queue that the console driver's interrupt handler wakes,
 * so a blocked read() costs no timer interrupts. A console without an input
 * interrupt (or before its driver has routed one) is polled instead.
 * The console ops themselves (pvops.h: init, write, read) stay as they are:
 * a driver tells this layer about its interrupt with the calls below.
 */
#ifndef PROTEUS_CONSOLE_H
#define PROTEUS_CONSOLE_H

#include <proteus/types.h>

/* For a console driver, from its init op: `fn` runs once the interrupt
 * controller is up (console_late_init), to route the input interrupt. */
void console_set_late_init(void (*fn)(void));
/* The boot sequence calls this right after irqchip_init(). */
void console_late_init(void);

/* The driver says whether its input interrupt is routed and enabled: from
 * then on readers sleep until console_input_ready(), with no timer. */
void console_input_irq_available(bool available);
bool console_input_has_irq(void);
/* From the driver's interrupt handler (any context, interrupts off): input
 * may be there. Wakes every reader; each reads again. */
void console_input_ready(void);

/* Read what is there, at least one byte: blocks until then (for read()). */
long console_input_read(char *buf, size_t len);

#endif
