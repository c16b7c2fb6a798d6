/*T:580
 * Xen PV irq ops: a PV guest has no interrupt flag of its own to clear
 * (cli would fault in ring 1 or 3), but the per-vCPU evtchn_upcall_mask
 * byte in vcpu_info, which Xen reads before it enters the event callback.
 * Enabling must look at evtchn_upcall_pending afterwards: an event that
 * arrived while masked is delivered then, not lost. Halting is
 * SCHEDOP_block, which unmasks, checks for pending events and blocks in
 * one step, so no wakeup falls between. Xen's public sched.h and
 * xen.h, "struct vcpu_info".
 */
#include "xen.h"
#include <arch/x86.h>
#include <proteus/panic.h>

static PVOP_ABI unsigned long xen_save_flags(void)
{
    return xen_vcpu()->evtchn_upcall_mask ? 0 : X86_EFLAGS_IF;
}

static PVOP_ABI void xen_disable(void)
{
    xen_vcpu()->evtchn_upcall_mask = 1;
    barrier();
}

static PVOP_ABI void xen_enable(void)
{
    struct vcpu_info *v = xen_vcpu();
    v->evtchn_upcall_mask = 0;
    barrier();   /* unmask before looking: an event after the look finds it unmasked */
    if (READ_ONCE(v->evtchn_upcall_pending))
        xen_force_upcall();
}

static PVOP_ABI void xen_restore_flags(unsigned long f)
{
    if (f & X86_EFLAGS_IF)
        xen_enable();
    else
        xen_disable();
}

static PVOP_ABI void xen_safe_halt(void)
{
    /* Returns once an event is pending, with events unmasked (the upcall
     * has run by then, on the way out of the hypercall). */
    long err = xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0);
    if (err)
        panic("xen: SCHEDOP_block failed: %s (%ld)", xen_errno_name(err), err);
    xen_enable();
}

const struct pv_irq_ops xen_irq_ops = {
    .name = "xen-evtchn-mask",
    .save_flags = xen_save_flags,
    .restore_flags = xen_restore_flags,
    .disable = xen_disable,
    .enable = xen_enable,
    .safe_halt = xen_safe_halt,
};
