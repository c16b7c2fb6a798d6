/* The 16550 UART driver (drivers/serial/ns16550.c). */
#ifndef DRIVERS_NS16550_H
#define DRIVERS_NS16550_H
#include <proteus/types.h>
/* The PC16550D's FIFOs hold 16 bytes each. */
#define NS16550_FIFO_SIZE 16
/* Set up 8N1 at `baud`, in the FIFO mode the UART is in (ns16550.c says
 * why). Bytes it had already received are not dropped: up to `max` go to
 * `rx`, and the count is returned (at most NS16550_FIFO_SIZE are there). */
size_t ns16550_init(u16 base, u32 baud, char *rx, size_t max);
void ns16550_write(u16 base, const char *buf, size_t len);
int ns16550_read(u16 base, char *buf, size_t len);
bool ns16550_present(u16 base);
/* Interrupt-driven input: MCR OUT2, which gates INTR onto the IRQ line on
 * PCs; IER's received-data interrupt (the only source ever enabled). */
void ns16550_irq_line(u16 base, bool on);
void ns16550_rx_irq(u16 base, bool on);
/* For tests: receive `c` as if it came from the line, through loopback
 * mode (MCR bit 4); false if the transmitter did not drain. */
bool ns16550_loopback_byte(u16 base, char c);
#endif
