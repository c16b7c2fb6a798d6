/*
 * The Xen PV consoles. dom0 writes and reads with the console_io
 * hypercall, which goes to Xen's own console (the serial line Xen was
 * told to use). A domU is refused console_io on release builds of Xen and
 * has a console ring instead: a page shared with the backend in dom0
 * (xenconsoled) and an event channel to notify it, both given in
 * start_info (Xen's public io/console.h). The ring itself is
 * pv/xen/console_ring.c.
 *
 * Input arrives by an event, not a poll: dom0's VIRQ_CONSOLE, or the
 * ring's own event channel, which the backend signals. The handler has
 * kernel/console.c read the input into the kernel's input queue at once.
 *
 * For dom0 that matters. Before Xen prints "*** Serial input to DOM0" at
 * the end of its own boot, input goes to its debug keys; after, Xen keeps
 * it in a ring of only 128 bytes (serial_rx_ring in Xen's
 * drivers/char/console.c), drops what does not fit, and raises
 * VIRQ_CONSOLE for each byte. So console_io is marked as a console that
 * drops input: dom0 empties Xen's ring as the bytes come, whether or not
 * the app reads. That narrows the window but cannot close it, as Xen takes
 * bytes from the UART while dom0 is not running too: bulk input to dom0
 * needs flow control by the app (docs/console.md has the measurements).
 * Xen also clears bit 7 of every byte (serial_rx_interrupt in its
 * drivers/char/serial.c): dom0 sees 7-bit input.
 *
 * The domU ring holds what the guest has not taken, and the backend waits
 * for room, so nothing is lost there.
 */
#include "console_ring.h"
#include "xen.h"
#include <arch/cpu.h>
#include <proteus/console.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/range.h>
#include <proteus/vm.h>

static void input_event(unsigned vector, void *ctx)
{
    console_input_ready();
}

/* After the event channels are up (console_late_init): `port` is 0 for
 * dom0's VIRQ_CONSOLE, else the ring's channel Xen already bound. */
static void bind_input(evtchn_port_t port)
{
    bool virq = !port;
    int err = irq_register(VEC_CONSOLE_EVENT, input_event, NULL, "xen console input");
    if (!err)
        err = port ? xen_evtchn_bind_port(port, VEC_CONSOLE_EVENT)
                   : xen_evtchn_bind_virq(VIRQ_CONSOLE, VEC_CONSOLE_EVENT, &port);
    if (err) {
        printk("xen: console input stays polled: binding its event failed: %d\n", err);
        return;
    }
    console_input_irq_available(true);
    pr_info("xen: console input by event: %s on port %u\n",
            virq ? "VIRQ_CONSOLE" : "the console ring's channel", port);
}

static void console_io_late_init(void)
{
    bind_input(0);
}

/* ---- dom0: console_io -------------------------------------------------- */

static PVOP_ABI void xen_console_io_init(void)
{
    console_input_device_drops(true);   /* Xen's 128-byte ring overflows */
    console_set_late_init(console_io_late_init);
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
    if (r < 0) {
        static bool said;
        if (!said) {   /* every read would fail alike: say it once */
            said = true;
            printk("xen: console_io read failed: %s (%ld): no console input\n",
                   xen_errno_name(r), r);
        }
        return 0;
    }
    return (int)r;
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

static void ring_late_init(void)
{
    bind_input(ring_port);
}

void xen_console_ring_attach(void *page, evtchn_port_t port, struct xen_console_ring_saved *was)
{
    *was = (struct xen_console_ring_saved){ ring, ring_port, ring_broken };
    ring = page;
    ring_port = port;
    ring_broken = false;
}

void xen_console_ring_restore(const struct xen_console_ring_saved *was)
{
    ring = was->page;
    ring_port = was->port;
    ring_broken = was->broken;
}

/* The ring page lies in Xen's bootstrap region, mapped at VA == PFN; a
 * page anywhere else (or no checked P2M to find it with) is no console,
 * and output is dropped rather than written to a stray address. */
static PVOP_ABI void xen_ring_init(void)
{
    unsigned long pfn = xen_mfn_ready() ? xen_mfn_to_pfn(xen_start_info->console.domU.mfn) : ~0UL;
    ring_port = xen_start_info->console.domU.evtchn;
    if (pfn == ~0UL || !ring_port ||
        !range_inside((u64)pfn << PAGE_SHIFT, PAGE_SIZE, xen_bootstrap_start, xen_bootstrap_end)) {
        ring_broken = true;
        return;
    }
    ring = (volatile struct xencons_interface *)phys_to_virt((paddr_t)pfn << PAGE_SHIFT);
    console_set_late_init(ring_late_init);
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

/* After a restore: the ring is the same page, its channel a new port. */
void xen_console_resume(void)
{
    if (!ring)
        return;
    ring_port = xen_start_info->console.domU.evtchn;
    int err = xen_evtchn_bind_port(ring_port, VEC_CONSOLE_EVENT);
    if (err)
        printk("xen: console input after the restore: binding port %u failed: %d\n", ring_port,
               err);
    notify();   /* what was written while the domain was away */
}
