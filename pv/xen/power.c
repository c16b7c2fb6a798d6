/*
 * Ending a Xen PV domain: SCHEDOP_shutdown, with `crash` for a kernel
 * panic, `reboot` when the toolstack asked for one (pv/xen/control.c)
 * and `poweroff` otherwise, after saying so on the console; a domU first
 * closes its split devices (pv/xen/xenbus.c: the backend flushes and lets
 * go of the grants) and writes the exit status to data/exit-status. For a
 * clean exit dom0 also writes the status to QEMU's isa-debug-exit port,
 * after raising its I/O privilege with PHYSDEVOP_set_iopl (Xen lets dom0
 * use every I/O port it does not keep for itself: xen/arch/x86/dom0_build.c,
 * dom0_setup_permissions()), so that a test harness sees the status;
 * on a real machine the port is unused. A crash does not: Xen's own
 * handling of a crashed domain (for dom0, a reboot after five seconds) is
 * what should be seen then.
 */
#include "xen.h"
#include <pv/xenbus.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/shutdown.h>

static PVOP_ABI __noreturn void xen_exit(int status)
{
    bool crash = status == PANIC_EXIT_STATUS;
    bool reboot = !crash && shutdown_requested() == SHUTDOWN_KIND_REBOOT;
    if (!crash) {
        xenbus_shutdown();                 /* the split devices closed (Closing, Closed) */
        xen_control_exit_status(status);   /* a domU's data/exit-status */
    }
    printk("proteus: xen: SCHEDOP_shutdown (%s), exit status %d\n",
           crash ? "crash" : reboot ? "reboot" : "poweroff", status);
    if (xen_is_dom0() && !crash) {
        struct physdev_set_iopl iopl = { .iopl = 1 };
        long err = xen_hypercall(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl, 0);
        if (err)
            printk("xen: PHYSDEVOP_set_iopl failed: %s (%ld)\n", xen_errno_name(err), err);
        else
            __asm__ __volatile__("outb %b0, %w1" ::"a"(exit_port_byte(status)), "Nd"((u16)CONFIG_DEBUG_EXIT_PORT));
    }
    struct sched_shutdown sd = { .reason = crash    ? SHUTDOWN_crash
                                           : reboot ? SHUTDOWN_reboot
                                                    : SHUTDOWN_poweroff };
    for (;;) {
        long err = xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &sd, 0);
        printk("xen: SCHEDOP_shutdown failed: %s (%ld); trying again\n", xen_errno_name(err), err);
        (void)xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
    }
}

const struct pv_power_ops xen_power_ops = {
    .name = "xen",
    .exit = xen_exit,
};
