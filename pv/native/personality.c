/*
 * The native personality: real hardware, or any hypervisor that emulates
 * it. It is the fallback, so its probe always succeeds.
 */
#include "native.h"
#include <proteus/personality.h>

static bool native_probe(void)
{
    return true;
}

/* The native tables as one struct: every personality starts from a copy,
 * and the patcher compares against it to know an op is still native. */
struct pv_ops native_ops_template;

static void native_install(void)
{
    native_ops_template.cpu = native_cpu_ops;
    native_ops_template.irq = native_irq_ops;
    native_ops_template.mmu = native_mmu_ops;
    native_ops_template.apic = native_apic_ops;
    native_ops_template.time = native_time_ops;
    native_ops_template.vcpu = native_vcpu_ops;
    native_ops_template.console = native_serial_console_ops;
    native_ops_template.power = native_power_ops;
    pv_ops = native_ops_template;
}

const struct personality native_personality = {
    .name = "native",
    .probe = native_probe,
    .install = native_install,
    .patch = native_patch,
};
