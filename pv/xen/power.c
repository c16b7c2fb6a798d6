/*
 * Ending a Xen PV domain: SCHEDOP_shutdown, with `crash` for a kernel
 * panic and `poweroff` otherwise (the status itself was printed first).
 * dom0 under the test harness also writes the status to QEMU's
 * isa-debug-exit port, after raising its I/O privilege with
 * PHYSDEVOP_set_iopl (Xen lets dom0 use that port; test-hosts.md), so that
 * the harness sees it; on a real machine the port is unused.
 */
#include "xen.h"
#include <proteus/panic.h>
#include <proteus/printk.h>

static PVOP_ABI __noreturn void xen_exit(int status)
{
    if (xen_is_dom0()) {
        struct physdev_set_iopl iopl = { .iopl = 1 };
        long err = xen_hypercall(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl, 0);
        if (err)
            printk("xen: PHYSDEVOP_set_iopl failed: %ld\n", err);
        else
            __asm__ __volatile__("outb %b0, %w1" ::"a"((u8)status), "Nd"((u16)CONFIG_DEBUG_EXIT_PORT));
    }
    struct sched_shutdown sd = { .reason = status == PANIC_EXIT_STATUS ? SHUTDOWN_crash
                                                                      : SHUTDOWN_poweroff };
    for (;;) {
        long err = xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &sd, 0);
        printk("xen: SCHEDOP_shutdown failed: %ld\n", err);
        xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
    }
}

const struct pv_power_ops xen_power_ops = {
    .name = "xen",
    .exit = xen_exit,
};
