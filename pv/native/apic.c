/*
 * Native interrupt-controller ops on the local APIC in xAPIC mode. Device
 * line routing needs the IOAPIC, which is not driven yet: route_irq says
 * so (-ENODEV) rather than pretending.
 */
#include "native.h"
#include <arch/cpu.h>
#include <drivers/i8259.h>
#include <drivers/xapic.h>
#include <proteus/errno.h>

static int native_apic_init(void)
{
    /* The legacy PICs first: off the exception vectors, all masked. */
    i8259_remap_and_mask(VEC_IRQ_BASE);
    return xapic_init();
}

static void native_eoi(unsigned vector) { xapic_eoi(); }
static int native_route_irq(unsigned irq, unsigned vector) { return -ENODEV; }
static void native_mask_irq(unsigned irq, bool masked) { }
static int native_send_ipi(unsigned cpu, unsigned vector) { return -ENOSYS; }
static u32 native_cpu_id(void) { return xapic_id(); }

const struct pv_apic_ops native_xapic_ops = {
    .name = "xapic",
    .init = native_apic_init,
    .eoi = native_eoi,
    .route_irq = native_route_irq,
    .mask_irq = native_mask_irq,
    .send_ipi = native_send_ipi,
    .cpu_id = native_cpu_id,
};
