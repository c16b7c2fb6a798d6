/*
 * The xen-pv personality's shared declarations.
 */
#ifndef PV_XEN_XEN_H
#define PV_XEN_XEN_H

#include "hypercall.h"
#include <proteus/pvops.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/physdev.h>

extern start_info_t *xen_start_info;
extern shared_info_t *xen_shared_info;
extern const struct pv_irq_ops xen_irq_ops;
extern const struct pv_mmu_ops xen_mmu_ops;
extern u64 xen_mmu_hypercalls;
int xen_mmu_init(void);
/* An event is pending on this vCPU: handle what can be (pv/xen/events.c). */
void xen_events_pending(void);
extern const struct personality xen_pv_personality;
extern const struct pv_console_ops xen_console_ops;
extern const struct pv_power_ops xen_power_ops;

static inline bool xen_is_dom0(void)
{
    return xen_start_info && (xen_start_info->flags & SIF_INITDOMAIN);
}

#endif
