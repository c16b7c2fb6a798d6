/*
 * Offered interfaces: what a hypervisor offers that is independent of the
 * personality running (docs/mixing.md). kvmclock replaces the clock and
 * keeps the personality's timer; PV EOI extends the emulated local APIC;
 * steal time adds a clock of its own. Each is one descriptor in the offer
 * table (pv/table.c), written by the folder that implements it. At boot
 * the kernel probes each, the mixing rule (kernel/mixing.c) accepts or
 * refuses it for the chosen personality, an accepted one is started at its
 * kind's step of the boot sequence, and once it runs its ops are merged
 * into pv_ops and their call sites patched again, so a call goes straight
 * to the op in use with no test on the way.
 */
#ifndef PROTEUS_OFFER_H
#define PROTEUS_OFFER_H

#include <proteus/pvops.h>
#include <proteus/types.h>

/* In the order kernel/mixing.c starts them (offers_take). */
enum offer_kind {
    /* The clock: ops time.clock_ns, time.wallclock_at_boot_ns and
     * time.tsc_hz. Started before the personality's time group, whose
     * timer stays and is armed through translated deadlines. */
    OFFER_CLOCK,
    /* An extension of the native local APIC (its ops: apic.*), never of
     * another controller. Started once the controller runs. */
    OFFER_APIC_EXTENSION,
    /* Time this vCPU was ready but not running (`steal_ns`; no ops). */
    OFFER_STEAL_TIME,
    /* Sending IPIs (apic.send_ipi) without writing the emulated APIC's
     * command register; over the native controller only. */
    OFFER_IPI,
    /* Flushing other CPUs' TLBs (mmu.flush_tlb_others) with the host's
     * help; over the native shootdown only. */
    OFFER_TLB_FLUSH,
    OFFER_KINDS
};

/*T:915 An offer is what a personality is, in small: a name, a probe that
 * only reads, a start, and an overlay of the ops it replaces (often one:
 * apic.eoi for PV EOI). It adds one thing; it never brings a device class
 * of its own. Its kind is what the mixing rule judges, not its name: the
 * rule knows "a clock" and "an extension of the local APIC", never
 * "kvmclock", so a Hyper-V reference clock would be one more descriptor
 * of kind OFFER_CLOCK and nothing in kernel/ would change. */
struct offer {
    const char *name;          /* "kvmclock", as the boot line shows it */
    enum offer_kind kind;
    /* Is it offered here? Reads only (CPUID); runs once, after the
     * personality is installed. */
    bool (*probe)(void);
    /* Take it into use: 0, or a negative errno after saying why (it then
     * stays unused and the personality's own ops stay). On the boot CPU. */
    int (*start)(void);
    /* Its part on another CPU, as that CPU enters the kernel (a structure
     * each vCPU registers for itself): 0, or a negative errno after saying
     * why (that CPU then goes on without it, correctly). NULL: nothing. */
    int (*start_cpu)(unsigned cpu);
    /* What it replaces once it runs: an overlay, as a personality's. */
    struct pv_ops ops;
    /* OFFER_STEAL_TIME: nanoseconds of steal since it started. */
    u64 (*steal_ns)(void);
};

/* The offers, NULL-terminated (pv/table.c). */
extern const struct offer *const offer_table[];

/* The offer of this kind that runs, or NULL. */
const struct offer *offer_running(enum offer_kind kind);

/* The TSC rate a running paravirtual clock gives, or 0: a personality's
 * time group takes it rather than measure one. */
u64 offered_tsc_hz(void);

/* Time this vCPU was ready to run but the host ran something else, from
 * the steal-time offer: 0 and the nanoseconds so far (and the offer's name
 * if `name`), or -ENOSYS where nothing offers it. */
int steal_clock_ns(u64 *ns, const char **name);

/* The boot steps (kernel/main.c; kernel/mixing.c). */
struct personality;
void offers_weigh(const struct personality *p);   /* after install: accept or refuse */
void offers_start_clock(void);                    /* before time_init */
void offers_take(void);                           /* after time_init: the rest, merged, patched */
void offers_start_cpu(unsigned cpu);              /* on another CPU as it enters the kernel */

#endif
