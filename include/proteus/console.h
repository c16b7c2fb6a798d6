/*
 * Console input, the generic half (kernel/console.c). Drivers move what
 * their device received into the kernel's input queue; read() takes it out
 * and, while there is none, sleeps until the driver's input interrupt says
 * there may be more, so a blocked read() costs no timer interrupts. A
 * console without an input interrupt (or before its driver has routed one)
 * is polled instead. The console ops themselves (pvops.h: init, write,
 * read) stay as they are: a driver tells this layer about its interrupt
 * and its device with the calls below. docs/console.md has the policy.
 */
#ifndef PROTEUS_CONSOLE_H
#define PROTEUS_CONSOLE_H

#include <proteus/types.h>

/* For a console driver, from its init op: `fn` runs once the interrupt
 * controller is up (console_late_init), to route the input interrupt.
 * NULL: nothing to route (the boot clears a stand-in console's before
 * the console that replaces it starts: kernel/main.c, boot_entry). */
void console_set_late_init(void (*fn)(void));
/* The boot sequence calls this right after apic_init(). */
void console_late_init(void);

/* The driver says whether its input interrupt is routed and enabled: from
 * then on readers sleep until console_input_ready(), with no timer. */
void console_input_irq_available(bool available);
bool console_input_has_irq(void);
/* The device throws away input it is not asked for (dom0's console_io):
 * read it even when the input queue is full, and count what is lost. By
 * default a device is taken to hold input back until asked. */
void console_input_device_drops(bool drops);
/* From the driver's interrupt handler (any context, interrupts off): input
 * may be there. Reads the device (the console's read op) into the queue as
 * far as there is room, and wakes every reader. */
void console_input_ready(void);
/* Bytes the driver had to take from the device itself (at init, before a
 * FIFO reset would clear them): into the queue, in front of anything later. */
void console_input_received(const char *bytes, size_t n);

/* Read what is there, at least one byte: blocks until then (for read()).
 * 0 is end of input (a Ctrl-D at the start of a line, input_queue.h). */
long console_input_read(char *buf, size_t len);
/* Whether console_input_read would return without waiting. */
bool console_input_available(void);

#endif
