/* The 16550 UART driver (drivers/serial/ns16550.c). */
#ifndef DRIVERS_NS16550_H
#define DRIVERS_NS16550_H
#include <proteus/types.h>
void ns16550_init(u16 base, u32 baud);
void ns16550_write(u16 base, const char *buf, size_t len);
int ns16550_read(u16 base, char *buf, size_t len);
bool ns16550_present(u16 base);
#endif
