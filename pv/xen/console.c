/*
 * The Xen PV consoles. dom0 writes and reads with the console_io
 * hypercall, which goes to Xen's own console (the serial line Xen was
 * told to use). A domU is refused console_io on release builds of Xen and
 * has a console ring instead: a page shared with the backend in dom0
 * (xenconsoled) and an event channel to notify it, both given in
 * start_info (protocol-facts 2.12). The ring itself is
 * pv/xen/console_ring.c.
 */
#include "console_ring.h"
#include "xen.h"
#include <proteus/errno.h>
#include <proteus/vm.h>

/* ---- dom0: console_io -------------------------------------------------- */

static PVOP_ABI void xen_console_io_init(void)
{
}

static PVOP_ABI void xen_console_io_write(const char *buf, size_t len)
{
    while (len) {
        /* console_io takes an int length; write in bounded pieces */
        unsigned n = len > 1024 ? 1024 : (unsigned)len;
        long r = xen_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, n, buf);
        if (r < 0)
            return;   /* the console itself failed: nowhere left to report it */
        buf += n;
        len -= n;
    }
}

static PVOP_ABI int xen_console_io_read(char *buf, size_t len)
{
    long r = xen_hypercall(__HYPERVISOR_console_io, CONSOLEIO_read, len > 1024 ? 1024 : len, buf);
    return r < 0 ? 0 : (int)r;
}

const struct pv_console_ops xen_console_ops = {
    .name = "xen-console_io",
    .init = xen_console_io_init,
    .write = xen_console_io_write,
    .read = xen_console_io_read,
};

/* ---- domU: the console ring ----------------------------------------------- */

static volatile struct xencons_interface *ring;
static evtchn_port_t ring_port;
static bool ring_broken;

static void notify(void)
{
    struct evtchn_send s = { .port = ring_port };
    (void)xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &s, 0);
}

/* The ring page lies in Xen's bootstrap region, mapped at VA == PFN. */
static PVOP_ABI void xen_ring_init(void)
{
    unsigned long pfn = xen_mfn_to_pfn(xen_start_info->console.domU.mfn);
    ring_port = xen_start_info->console.domU.evtchn;
    if (pfn == ~0UL || !ring_port) {
        ring_broken = true;   /* no console: output is dropped */
        return;
    }
    ring = (volatile struct xencons_interface *)phys_to_virt((paddr_t)pfn << PAGE_SHIFT);
}

/* Wait for room by yielding to the backend; a backend that takes nothing
 * for this many rounds is gone, and the rest of the output is dropped
 * rather than hang the guest. */
#define WRITE_PATIENCE 100000

static PVOP_ABI void xen_ring_write(const char *buf, size_t len)
{
    unsigned idle = 0;
    while (len && !ring_broken) {
        long n = xencons_write(ring, buf, len);
        if (n < 0) {
            ring_broken = true;
            return;
        }
        notify();
        if (n == 0) {
            if (++idle == WRITE_PATIENCE) {
                ring_broken = true;
                return;
            }
            (void)xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
        } else {
            idle = 0;
        }
        buf += n;
        len -= (size_t)n;
    }
}

static PVOP_ABI int xen_ring_read(char *buf, size_t len)
{
    if (ring_broken)
        return 0;
    long n = xencons_read(ring, buf, len);
    if (n > 0)
        notify();   /* there is room again */
    return n > 0 ? (int)n : 0;
}

const struct pv_console_ops xen_console_ring_ops = {
    .name = "xen-console-ring",
    .init = xen_ring_init,
    .write = xen_ring_write,
    .read = xen_ring_read,
};
