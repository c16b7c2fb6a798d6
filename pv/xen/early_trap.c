/*
 * The report of a fault taken before the xen-pv personality's real trap
 * table is in (pv/xen/<arch>/early_trap.S registers the early one at
 * entry). The same line as a native early fault (arch/x86/early_trap.c),
 * through console_io, which reaches Xen's console for dom0 (and for a
 * domU where Xen lets it), then the domain crashes itself: xl and the
 * boot tests see a crash, not a guest that stopped saying anything.
 */
#include "xen.h"
#include <arch/early_trap.h>

__noreturn void xen_early_trap(unsigned long vector, unsigned long error, unsigned long ip);
__noreturn void xen_early_trap(unsigned long vector, unsigned long error, unsigned long ip)
{
    char line[256];
    /* Xen writes CR2 into vcpu_info for a #PF; before shared_info is
     * mapped the page reads 0 (pv/xen/start.c). */
    unsigned long cr2 = xen_shared_info ? xen_vcpu()->arch.cr2 : 0;
    int n = early_trap_format(line, sizeof(line), vector, error, ip, cr2);
    (void)xen_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write,
                        n < (int)sizeof(line) ? n : (int)sizeof(line) - 1, line);
    struct sched_shutdown s = { .reason = SHUTDOWN_crash };
    for (;;)
        (void)xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &s, 0);
}
