/*
 * Native console: the 16550 UART on COM1.
 */
#include "native.h"
#include <drivers/ns16550.h>

static PVOP_ABI void serial_write(const char *buf, size_t len)
{
    ns16550_write(CONFIG_SERIAL_PORT, buf, len);
}

static PVOP_ABI int serial_read(char *buf, size_t len)
{
    return ns16550_read(CONFIG_SERIAL_PORT, buf, len);
}

static PVOP_ABI void native_console_init(void)
{
    ns16550_init(CONFIG_SERIAL_PORT, CONFIG_SERIAL_BAUD);
}

const struct pv_console_ops native_serial_console_ops = {
    .name = "serial",
    .init = native_console_init,
    .write = serial_write,
    .read = serial_read,
};
