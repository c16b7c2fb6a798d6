/*
 * The personality table and the offer table: the one place that names
 * every personality and every offered interface. A new personality is a
 * pv/<name>/ folder and one line here (docs/architecture.md, "Adding a
 * personality"); a new offered interface (a PV IPI, a PV TLB flush) is its
 * descriptor in the folder that implements it and one line here, with the
 * mixing rule deciding where it may be used (kernel/mixing.c).
 */
#include <proteus/offer.h>
#include <proteus/personality.h>
#include <pv/kvm.h>
#include <pv/vmi.h>

/*T:210 Priority order: the most specific platform first. Xen PV is not here:
 * it is chosen by its own entry point (pv/xen/start.c), not by a probe.
 * Specific first, because the probes overlap: a VMI shim ROM can sit in a
 * machine that KVM runs, and native runs anywhere the others do (it asks
 * nothing of the machine), so it must come last, where it catches every
 * boot no other probe claimed. kernel/platform.c walks the table. */
const struct personality *const personality_table[] = {
    &vmi_personality,      /* a VMI shim ROM in the option-ROM area */
    &kvm_personality,      /* KVM's CPUID block offering its extras */
    &native_personality,   /* the fallback: its probe always succeeds */
    NULL,
};

/*T:920 What can be mixed in today: five interfaces, all KVM's, each
 * found in KVM's CPUID block (pv/kvm/). The table does not say where
 * each may go: every personality is asked (its accepts), then the rule
 * in kernel/mixing.c. Within a kind, the first accepted offer that
 * starts is used. */
const struct offer *const offer_table[] = {
    &kvmclock_offer,         /* OFFER_CLOCK: KVM's pvclock */
    &kvm_pv_eoi_offer,       /* OFFER_APIC_EXTENSION: EOIs without an exit */
    &kvm_steal_time_offer,   /* OFFER_STEAL_TIME */
    &kvm_pv_ipi_offer,       /* OFFER_IPI: an IPI in one hypercall */
    &kvm_pv_tlb_flush_offer, /* OFFER_TLB_FLUSH: a preempted vCPU flushed by the host */
    NULL,
};
