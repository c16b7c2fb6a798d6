/*
 * The xen-pv personality: chosen by its entry point (xenpv_entry), never
 * by a probe, because under PV plain CPUID may show the host's values
 * (protocol-facts 6, fact 10). It starts from the native tables and
 * replaces what a PV guest cannot do itself. So far: the irq, console and
 * power groups.
 */
#include "xen.h"
#include <proteus/personality.h>

static bool xen_probe(void)
{
    return false;
}

static void xen_install(void)
{
    pv_ops.irq = xen_irq_ops;
    pv_ops.console = xen_console_ops;
    pv_ops.power = xen_power_ops;
}

const struct personality xen_pv_personality = {
    .name = "xen-pv",
    .probe = xen_probe,
    .install = xen_install,
};
