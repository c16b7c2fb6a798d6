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

static void native_install(void)
{
    pv_ops.cpu = native_cpu_ops;
    pv_ops.irq = native_irq_ops;
    pv_ops.mmu = native_mmu_ops;
    pv_ops.apic = native_apic_ops;
    pv_ops.time = native_time_ops;
    pv_ops.vcpu = native_vcpu_ops;
    pv_ops.console = native_serial_console_ops;
    pv_ops.power = native_power_ops;
}

const struct personality native_personality = {
    .name = "native",
    .probe = native_probe,
    .install = native_install,
};
