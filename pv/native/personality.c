/*
 * The native personality: real hardware, or any hypervisor that emulates
 * it. It is the fallback, so its probe always succeeds, and its ops are
 * the base every other personality's overlay is laid over.
 */
#include "native.h"
#include <proteus/personality.h>

struct pv_ops native_ops;

static bool native_probe(void)
{
    return true;
}

/* Every group. C cannot initialise a static object from const objects
 * defined in other files, so the whole table is assembled here, in one
 * typed assignment, each time a personality is installed over it. */
static const struct pv_ops *native_install(void)
{
    native_ops = (struct pv_ops){
        .cpu = native_cpu_ops,
        .irq = native_irq_ops,
        .mmu = native_mmu_ops,
        .apic = native_apic_ops,
        .time = native_time_ops,
        .vcpu = native_vcpu_ops,
        .console = native_serial_console_ops,
        .power = native_power_ops,
    };
    return &native_ops;
}

/* A calibrated TSC is the best native clock: a paravirtual one is better
 * (kernel/mixing.c). The controller and steal time are KVM's to extend
 * and report, and on KVM the kvm personality is chosen instead. */
static bool native_accepts(enum offer_kind kind)
{
    return kind == OFFER_CLOCK;
}

const struct personality native_personality = {
    .name = "native",
    .probe = native_probe,
    .install = native_install,
    .firmware_tables = true,
    .pci = true,
    .patch = native_patch,
    .accepts = native_accepts,
};
