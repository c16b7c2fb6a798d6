/*
 * The Xen PV console. dom0 writes and reads through the console_io
 * hypercall, which goes to Xen's own console (the serial line Xen was told
 * to use). A domU is refused console_io on release builds of Xen and uses
 * the console ring from start_info instead (protocol-facts 2.12): not done
 * yet, so a domU prints nothing.
 */
#include "xen.h"

static PVOP_ABI void xen_console_init(void)
{
}

static PVOP_ABI void xen_console_write(const char *buf, size_t len)
{
    while (len) {
        /* console_io takes an int length; write in bounded pieces */
        unsigned n = len > 1024 ? 1024 : (unsigned)len;
        long r = xen_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, n, buf);
        if (r < 0)
            return;   /* nowhere left to report it */
        buf += n;
        len -= n;
    }
}

static PVOP_ABI int xen_console_read(char *buf, size_t len)
{
    long r = xen_hypercall(__HYPERVISOR_console_io, CONSOLEIO_read, len > 1024 ? 1024 : len, buf);
    return r < 0 ? 0 : (int)r;
}

const struct pv_console_ops xen_console_ops = {
    .name = "xen-console_io",
    .init = xen_console_init,
    .write = xen_console_write,
    .read = xen_console_read,
};
