/*T:910
 * The mixing rule and the offered interfaces (include/proteus/offer.h,
 * docs/mixing.md): which interfaces a hypervisor offers may be added to the
 * personality that runs, when each starts, and how its ops take over.
 *
 * A device class with state the hardware and the hypervisor must agree on
 * has exactly one implementation at a time: the CPU's descriptor tables,
 * the MMU, the interrupt controller (with the timer that raises its
 * interrupts), the vCPUs, the console, power. Those come whole from the
 * personality (design principle 4). Half of one interrupt controller and
 * half of another is a "Frankenstein" device that neither side wrote or
 * tested, whose state each half believes is its own. An interface with no state another group relies on may be
 * added where the personality accepts it (struct personality.accepts):
 *   a clock      replaces clock_ns, the wall clock and the TSC rate; the
 *                personality's timer stays and is armed through its own
 *                clock, deadlines moved by the distance between the two
 *                clocks at the moment of arming
 *   steal time   a clock of its own; replaces nothing
 *   an APIC      an extension of the emulated local APIC (PV EOI), and so
 *   extension    only ever laid over the native controller
 *   IPIs         sending them (KVM's PV IPI): the native controller only
 *   TLB flush    other CPUs' TLBs flushed with the host's help (KVM's PV
 *                TLB flush): over the native shootdown only
 * An offer runs only once started, and only then are its ops merged into
 * pv_ops and their call sites patched again (pvpatch_update): before that
 * every call goes to the personality's own op, after it straight to the
 * offer's, with no flag tested on the way.
 */
#include <proteus/errno.h>
#include <proteus/offer.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/pvpatch.h>

enum offer_state { OFFER_ABSENT, OFFER_REFUSED, OFFER_ACCEPTED, OFFER_FAILED, OFFER_RUNNING };

#define MAX_OFFERS 8
static enum offer_state state[MAX_OFFERS];
static const struct offer *running[OFFER_KINDS];

/* What each kind is to the boot log: the group it belongs to, and what a
 * personality that refuses it keeps. */
static const struct {
    const char *group, *kept;
} kind_words[OFFER_KINDS] = {
    [OFFER_CLOCK] = { "time", "its own clock" },
    [OFFER_APIC_EXTENSION] = { "apic", "its interrupt controller whole" },
    [OFFER_STEAL_TIME] = { "time", "no steal clock" },
    [OFFER_IPI] = { "apic", "its own IPIs" },
    [OFFER_TLB_FLUSH] = { "mmu", "its own TLB shootdown" },
};

/*T:950 Why `p` may not take `o`, or NULL if it may. Two halves: the
 * personality's word (accepts), then what holds whatever it says. An
 * extension of the emulated local APIC (PV EOI) or a way around its
 * command register (PV IPI, which uses native's map of CPUs to APIC ids)
 * fits only the native controller, so the test is on what is installed:
 * is apic.init still native's? A personality with its own controller that
 * accepted everything would still be refused
 * (tests/unit/test_personality.c,
 * offers_apic_extension_only_over_the_native_controller).
 * The PV TLB flush likewise helps only the native shootdown. */
static const char *refusal(const struct personality *p, const struct offer *o)
{
    if (!p->accepts || !p->accepts(o->kind))
        return "it does not permit a paravirtual one";
    /* an extension of the emulated local APIC fits no other controller */
    if ((o->kind == OFFER_APIC_EXTENSION || o->kind == OFFER_IPI) &&
        pv_ops.apic.init != native_ops.apic.init)
        return "it extends only the native local APIC";
    if (o->kind == OFFER_TLB_FLUSH && pv_ops.mmu.flush_tlb_others != native_ops.mmu.flush_tlb_others)
        return "it helps only the native shootdown";
    return NULL;
}

/*T:955 Right after the personality is installed (platform_select, or
 * platform_select_entry for Xen PV), before any offer runs: each offer
 * present is accepted or refused, one per kind, and a refusal is a boot
 * note with the reason. Under the VMI shim on KVM, PV EOI is present and
 * the note reads "apic: pv-eoi is offered, but vmi keeps its interrupt
 * controller whole (it does not permit a paravirtual one)". Nothing is
 * started here: an accepted offer starts at its kind's step of the boot
 * (offers_start_clock, offers_take). */
void offers_weigh(const struct personality *p)
{
    for (unsigned k = 0; k < OFFER_KINDS; k++)
        running[k] = NULL;
    for (unsigned i = 0; offer_table[i]; i++) {
        const struct offer *o = offer_table[i];
        if (i >= MAX_OFFERS) {
            platform_note("mixing: more than %u offers in the table; '%s' and later ignored",
                          MAX_OFFERS, o->name);
            return;
        }
        if (!o->probe()) {
            state[i] = OFFER_ABSENT;
            continue;
        }
        const char *why = refusal(p, o);
        for (unsigned j = 0; j < i && !why; j++)
            if (offer_table[j]->kind == o->kind && state[j] == OFFER_ACCEPTED)
                why = "another was taken first";
        if (why) {
            state[i] = OFFER_REFUSED;
            platform_note("%s: %s is offered, but %s keeps %s (%s)", kind_words[o->kind].group,
                          o->name, p->name, kind_words[o->kind].kept, why);
            continue;
        }
        state[i] = OFFER_ACCEPTED;
        if (o->kind == OFFER_CLOCK)
            platform_note("time: %s permits a paravirtual clock: %s mixed in, %s's timer kept",
                          p->name, o->name, pv_ops.time.name);
    }
}

/* Start the offer of `kind` offers_weigh accepted (one per kind), if any. */
static const struct offer *start_kind(enum offer_kind kind)
{
    for (unsigned i = 0; offer_table[i] && i < MAX_OFFERS; i++) {
        const struct offer *o = offer_table[i];
        if (o->kind != kind || state[i] != OFFER_ACCEPTED)
            continue;
        int err = o->start();
        if (err) {
            state[i] = OFFER_FAILED;
            printk("%s: %s could not be mixed in (%s, %d); %s keeps %s\n",
                   kind_words[kind].group, o->name, errno_name(err), err,
                   platform_current()->name, kind_words[kind].kept);
            continue;
        }
        state[i] = OFFER_RUNNING;
        running[kind] = o;
        return o;
    }
    return NULL;
}

void offers_start_clock(void)
{
    start_kind(OFFER_CLOCK);
}

u64 offered_tsc_hz(void)
{
    return running[OFFER_CLOCK] ? running[OFFER_CLOCK]->ops.time.tsc_hz() : 0;
}

/* What offers_take (below) keeps when an offered clock comes in: the
 * personality's own timer and clock, and the offered clock. */
static void (PVOP_ABI *own_arm_oneshot)(u64 deadline);
static u64 (PVOP_ABI *own_clock_ns)(void);
static u64 (PVOP_ABI *offered_clock_ns)(void);

/*T:699 The personality's timer under an offered clock: a deadline on the
 * offered clock is the same distance ahead on the personality's own. Two
 * clocks now run side by side (kvmclock for clock_ns, the personality's
 * own behind its timer), so the kernel's absolute deadline is turned into
 * a distance on the clock it was read from and back into an absolute
 * deadline on the one the timer knows. Under KVM both scale the same TSC
 * at the same rate (native took it from kvmclock); under VMI the shim's
 * own clock keeps ARM_ONESHOT's deadlines (docs/vmi-abi.md, 5a).
 * offers_take (T:960, chapter 9) puts this function in
 * pv_ops.time.arm_oneshot when it merges the offered clock's ops. */
static PVOP_ABI void mixed_arm_oneshot(u64 deadline)
{
    if (deadline == 0) {
        own_arm_oneshot(0);
        return;
    }
    u64 now = offered_clock_ns();
    u64 delta = deadline > now ? deadline - now : 1;
    own_arm_oneshot(own_clock_ns() + delta);
}

/*T:960 After time_init: the accepted offers start in kind order, and each
 * that runs has its overlay merged into pv_ops the same way a
 * personality's was (pv_ops_merge), so under the kvm personality, with PV
 * EOI running, apic.eoi becomes kvm_eoi and everything else in the apic group stays the native
 * controller's. Then pvpatch_update rewrites the call sites of every op
 * that changed: an apic_eoi() call is a direct call to kvm_eoi from now
 * on, with no "is PV EOI on?" test anywhere. An offer that fails to start
 * leaves its ops untouched, so the personality stays whole. */
void offers_take(void)
{
    const struct offer *clock = running[OFFER_CLOCK];
    if (clock) {
        own_arm_oneshot = pv_ops.time.arm_oneshot;
        own_clock_ns = pv_ops.time.clock_ns;
        offered_clock_ns = clock->ops.time.clock_ns;
        struct pv_ops over = clock->ops;
        over.time.arm_oneshot = mixed_arm_oneshot;
        pv_ops_merge(&over);
    }
    /* the rest in the order of enum offer_kind: the TLB flush after steal
     * time, whose per-vCPU structure it marks (steal time's overlay is
     * empty: merging it changes nothing) */
    for (enum offer_kind k = OFFER_CLOCK + 1; k < OFFER_KINDS; k++) {
        const struct offer *o = start_kind(k);
        if (o)
            pv_ops_merge(&o->ops);
    }
    /* every site of an op that changed now calls the new one directly */
    pvpatch_update();
}

void offers_start_cpu(unsigned cpu)
{
    for (unsigned k = 0; k < OFFER_KINDS; k++) {
        const struct offer *o = running[k];
        if (!o || !o->start_cpu)
            continue;
        int err = o->start_cpu(cpu);
        if (err)
            printk("%s: %s on CPU %u: %s (%d); that CPU goes on without it\n",
                   kind_words[k].group, o->name, cpu, errno_name(err), err);
    }
}

const struct offer *offer_running(enum offer_kind kind)
{
    return (unsigned)kind < OFFER_KINDS ? running[kind] : NULL;
}

int steal_clock_ns(u64 *ns, const char **name)
{
    const struct offer *o = running[OFFER_STEAL_TIME];
    if (!o)
        return -ENOSYS;
    *ns = o->steal_ns();
    if (name)
        *name = o->name;
    return 0;
}
