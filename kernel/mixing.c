/*
 * The mixing rule: which interfaces a hypervisor offers may be added to a
 * personality that did not bring them, and which may not.
 *
 * A device class with state the hardware and the hypervisor must agree on
 * has exactly one implementation at a time: the CPU's descriptor tables,
 * the MMU, the interrupt controller (with the timer that raises its
 * interrupts), the vCPUs, the console, power. Half a shim's APIC and half
 * the native one is a controller nobody has tested, so those groups are
 * never mixed: they come whole from the personality.
 *
 * An interface with no state shared with other devices may be added to
 * whichever personality can use it. Today that is the clock: kvmclock
 * reads the TSC and a structure in guest memory, and changes nothing any
 * other group relies on. It replaces clock_ns, the wall clock and the TSC
 * rate; the personality's own timer stays and is armed through its own
 * clock, deadlines translated by the difference between the two clocks at
 * the moment of arming. A personality says whether it allows this
 * (struct personality.clock_mixable):
 *   native  yes: it has no better clock than a calibrated TSC (but on KVM
 *           with kvmclock the kvm personality is chosen, which is this
 *           combination by design)
 *   kvm     has kvmclock already
 *   vmi     only if the shim sets VMI_FEATURE_GUEST_CLOCK (ABI 1.1): the
 *           shim decides, since it may be virtualising time itself
 *   xen-pv  never: Xen's own pvclock is its clock, and no KVM lies below
 * Steal time would qualify by the same argument; it is offered only by the
 * kvm personality so far. docs/mixing.md has the table and its reasons.
 */
#include <arch/hypervisor.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include "../pv/kvm/kvm.h"

static struct pv_time_ops own;   /* the personality's time group, before mixing */
static const char *mixed_clock;
/* Whether kvmclock started. Call sites are patched to the mixed ops before
 * time_init, so a failed start cannot be undone in pv_ops: each mixed op
 * hands on to the personality's own instead. */
static bool kvmclock_on;

static PVOP_ABI u64 mixed_clock_ns(void)
{
    return kvmclock_on ? kvmclock_ns() : own.clock_ns();
}

static PVOP_ABI u64 mixed_wallclock_at_boot_ns(void)
{
    return kvmclock_on ? kvmclock_wallclock_at_boot_ns() : own.wallclock_at_boot_ns();
}

static PVOP_ABI u64 mixed_tsc_hz(void)
{
    return kvmclock_on ? kvmclock_tsc_hz() : own.tsc_hz();
}

/* The personality's timer keeps its own clock: a deadline on the mixed
 * clock becomes the same distance ahead on the personality's. */
static PVOP_ABI void mixed_arm_oneshot(u64 deadline)
{
    if (deadline == 0 || !kvmclock_on) {
        own.arm_oneshot(deadline);
        return;
    }
    u64 now = kvmclock_ns();
    u64 delta = deadline > now ? deadline - now : 1;
    own.arm_oneshot(own.clock_ns() + delta);
}

static PVOP_ABI int mixed_time_init(void)
{
    int err = own.init();
    if (err)
        return err;
    err = kvmclock_start();
    if (err) {
        /* the personality's clock still works: keep it whole */
        printk("time: kvmclock could not be mixed in (%s, %d); %s keeps its own clock\n",
               errno_name(err), err, own.name);
        pv_ops.time.name = own.name;
        mixed_clock = NULL;
        return 0;
    }
    kvmclock_on = true;
    return 0;
}

static char mixed_name[40];

void platform_mix(const struct personality *p)
{
    if (!p->clock_mixable)
        return;
    const struct hv_block *b = kvm_clock_block();
    if (!b)
        return;
    if (!p->clock_mixable()) {
        platform_note("time: kvmclock is offered, but %s keeps its own clock (it does not "
                      "permit a paravirtual one)", p->name);
        return;
    }
    kvm_block = b;
    own = pv_ops.time;
    pv_ops.time.init = mixed_time_init;
    pv_ops.time.clock_ns = mixed_clock_ns;
    pv_ops.time.wallclock_at_boot_ns = mixed_wallclock_at_boot_ns;
    pv_ops.time.tsc_hz = mixed_tsc_hz;
    pv_ops.time.arm_oneshot = mixed_arm_oneshot;
    ksnprintf(mixed_name, sizeof(mixed_name), "kvmclock+%s", own.name);
    pv_ops.time.name = mixed_name;
    mixed_clock = "kvmclock";
    platform_note("time: %s permits a paravirtual clock: kvmclock mixed in, %s's timer kept",
                  p->name, own.name);
}

const char *platform_mixed_clock(void)
{
    return mixed_clock;
}

static const char *steal_name;
static u64 (*steal_read)(void);

void steal_clock_register(const char *name, u64 (*read_ns)(void))
{
    steal_name = name;
    steal_read = read_ns;
}

int steal_clock_ns(u64 *ns, const char **name)
{
    if (!steal_read)
        return -ENOSYS;
    *ns = steal_read();
    if (name)
        *name = steal_name;
    return 0;
}
