/*
 * The joints between the generic kernel and the personalities, on the
 * host: kernel/platform.c (choosing and installing a personality, the
 * boot line) and kernel/mixing.c (the mixing rule and the offered
 * interfaces), compiled unchanged, driven by the tables pv/table.c would
 * hold. The personality here is a fifth one, "example", written the way a
 * new pv/<name>/ folder would be: against <proteus/personality.h> and
 * <proteus/offer.h> only, with one line in the table, and nothing in the
 * kernel changed for it (docs/architecture.md, "Adding a personality").
 * The offers are a clock, an APIC extension and a steal clock, as KVM's
 * are.
 */
/* unit-sources: kernel/platform.c kernel/mixing.c lib/format.c lib/errno.c */
#include "unit.h"

#include <proteus/errno.h>
#include <proteus/offer.h>
#include <proteus/personality.h>
#include <proteus/pvops.h>

extern char unit_log[8192];

/* ---- what the rest of the kernel provides, as small as it can be ---------- */

static unsigned patch_updates, patch_installs;
void pvpatch_update(void)
{
    patch_updates++;
}

/* The call sites follow each install (kernel/pvpatch.c): what they saw. */
static const struct personality *installed_seen;
static void *console_write_seen;
void pvpatch_installed(void)
{
    patch_installs++;
    installed_seen = platform_current();
    console_write_seen = (void *)pv_ops.console.write;
}

void hypervisor_detect(void)
{
}

/* ---- the native base ---------------------------------------------------------- */

static u64 native_now = 1000, last_armed;
static PVOP_ABI u64 native_clock(void) { return native_now; }
static PVOP_ABI void native_arm(u64 deadline) { last_armed = deadline; }
static PVOP_ABI int native_time_init(void) { return 0; }
static PVOP_ABI int native_apic_init(void) { return 0; }
static PVOP_ABI void native_eoi(unsigned vector) { }

struct pv_ops native_ops;

static const struct pv_ops *native_install(void)
{
    native_ops = (struct pv_ops){
        .apic = { .name = "xapic", .init = native_apic_init, .eoi = native_eoi },
        .time = { .name = "tsc", .init = native_time_init, .clock_ns = native_clock,
                  .arm_oneshot = native_arm },
        .vcpu = { .name = "none" },
        .console = { .name = "serial" },
    };
    return &native_ops;
}

static bool always(void) { return true; }
static bool native_accepts(enum offer_kind kind) { return kind == OFFER_CLOCK; }

const struct personality native_personality = {
    .name = "native",
    .probe = always,
    .install = native_install,
    .accepts = native_accepts,
};

/* ---- pv/example/: the whole of a new personality ---------------------------- */

static bool example_present, example_refuses;
static PVOP_ABI void example_write(const char *buf, size_t len) { }

static bool example_probe(void)
{
    return example_present;
}

static const struct pv_ops *example_install(void)
{
    static const struct pv_ops over = {
        .console = { .name = "example-console", .write = example_write },
    };
    return example_refuses ? NULL : &over;
}

static bool example_accepts(enum offer_kind kind)
{
    return kind != OFFER_STEAL_TIME;   /* its own rule: a clock and an APIC extension */
}

static const struct personality example_personality = {
    .name = "example",
    .probe = example_probe,
    .install = example_install,
    .accepts = example_accepts,
};

/* A personality with its own interrupt controller that accepts everything:
 * the rule still keeps an APIC extension off it. */
static PVOP_ABI int own_apic_init(void) { return 0; }
static bool own_apic_present;
static bool own_apic_probe(void) { return own_apic_present; }
static const struct pv_ops *own_apic_install(void)
{
    static const struct pv_ops over = { .apic = { .name = "own-apic", .init = own_apic_init } };
    return &over;
}
static bool accepts_all(enum offer_kind kind) { return true; }
static const struct personality own_apic_personality = {
    .name = "own-apic",
    .probe = own_apic_probe,
    .install = own_apic_install,
    .accepts = accepts_all,
};

/* A personality whose install takes memory, as VMI's does (the shim's
 * copy): chosen at the probe, installed once the boot information is in,
 * with native standing in until then. */
static bool late_present, late_refuses, late_probe_seen_native;
static PVOP_ABI void late_write(const char *buf, size_t len) { }
static bool late_probe(void) { return late_present; }
static const struct pv_ops *late_install(void)
{
    static const struct pv_ops over = { .console = { .name = "late-console", .write = late_write } };
    late_probe_seen_native = platform_current() == &native_personality;
    return late_refuses ? NULL : &over;
}
static bool accepts_none(enum offer_kind kind) { return false; }
static const struct personality late_personality = {
    .name = "late",
    .probe = late_probe,
    .install = late_install,
    .install_needs_memory = true,
    .accepts = accepts_none,
};

/* ---- the offers ---------------------------------------------------------------- */

static bool clock_offered, ext_offered, steal_offered;
static int clock_start_result, ext_starts;
static u64 offered_now = 5000;

static bool clock_probe(void) { return clock_offered; }
static int clock_start(void) { return clock_start_result; }
static PVOP_ABI u64 offered_clock(void) { return offered_now; }
static PVOP_ABI u64 offered_rate(void) { return 2000000000ULL; }
static PVOP_ABI u64 offered_wall(void) { return 42; }
static const struct offer clock_offer = {
    .name = "pvclock",
    .kind = OFFER_CLOCK,
    .probe = clock_probe,
    .start = clock_start,
    .ops.time = { .clock_ns = offered_clock, .wallclock_at_boot_ns = offered_wall,
                  .tsc_hz = offered_rate },
};

static bool ext_probe(void) { return ext_offered; }
static int ext_start(void) { ext_starts++; return 0; }
static PVOP_ABI void ext_eoi(unsigned vector) { }
static const struct offer ext_offer = {
    .name = "pv-eoi",
    .kind = OFFER_APIC_EXTENSION,
    .probe = ext_probe,
    .start = ext_start,
    .ops.apic.eoi = ext_eoi,
};

static bool steal_probe(void) { return steal_offered; }
static int steal_start(void) { return 0; }
static u64 steal_read(void) { return 77; }
static const struct offer steal_offer = {
    .name = "steal",
    .kind = OFFER_STEAL_TIME,
    .probe = steal_probe,
    .start = steal_start,
    .steal_ns = steal_read,
};

/* ---- the tables, as pv/table.c holds them ------------------------------------ */

const struct personality *const personality_table[] = {
    &late_personality,
    &own_apic_personality,
    &example_personality,   /* the one line a new personality adds */
    &native_personality,
    NULL,
};

const struct offer *const offer_table[] = { &clock_offer, &ext_offer, &steal_offer, NULL };

/* ---- the boot steps, as kernel_main takes them ------------------------------- */

/* what ran before the boot information was in (kernel/main.c, boot_entry) */
static const struct personality *stand_in;
static void *stand_in_write;
static bool held_installed;

static void boot(void)
{
    unit_log[0] = '\0';
    patch_updates = patch_installs = 0;
    ext_starts = 0;
    platform_select();
    platform_print_notes();
    stand_in = platform_current();
    stand_in_write = (void *)pv_ops.console.write;
    held_installed = platform_install_held();
    offers_start_clock();
    pv_ops.time.init();
    offers_take();
    platform_print_boot_line();
}

static void machine(bool example, bool clock, bool ext, bool steal)
{
    example_present = example;
    example_refuses = false;
    late_present = late_refuses = late_probe_seen_native = false;
    own_apic_present = false;
    clock_offered = clock;
    ext_offered = ext;
    steal_offered = steal;
    clock_start_result = 0;
}

/* The new personality is chosen by its probe and its overlay installed over
 * native's: what it sets is its own, the rest native. */
TEST(personality_new_one_chosen_and_installed)
{
    machine(true, false, false, false);
    boot();
    CHECK(platform_current() == &example_personality);
    CHECK(pv_ops.console.write == example_write);
    CHECK_STREQ(pv_ops.console.name, "example-console");
    CHECK(pv_ops.time.clock_ns == native_clock);
    CHECK_STREQ(pv_ops.apic.name, "xapic");
    CHECK(strstr(unit_log, "proteus: platform=example arch=x86_64 ") != NULL);
    CHECK(strstr(unit_log, " apic=xapic time=tsc console=example-console vcpu=none\n") != NULL);
    /* the sites were brought to the whole install, once, before anything ran */
    CHECK_EQ(patch_installs, 1u);
    CHECK(installed_seen == &example_personality);
    CHECK(console_write_seen == (void *)example_write);
}

TEST(personality_probe_fails_native_boots)
{
    machine(false, false, false, false);
    boot();
    CHECK(platform_current() == &native_personality);
    CHECK_STREQ(pv_ops.console.name, "serial");
    CHECK(pv_ops.console.write == NULL);
}

/* An install that cannot run after all leaves nothing of itself behind. */
TEST(personality_install_refused_next_one_tried)
{
    machine(true, false, false, false);
    example_refuses = true;
    boot();
    CHECK(platform_current() == &native_personality);
    CHECK(pv_ops.console.write == NULL);
    /* the refused install touched no call site; native's install did */
    CHECK_EQ(patch_installs, 1u);
    CHECK(installed_seen == &native_personality);
}

/* A personality whose install needs the memory map is chosen at the probe
 * and installed after it, native's ops (the console) standing in; offers
 * are weighed against it, not the stand-in: native would take the clock. */
TEST(personality_install_held_until_the_memory_map)
{
    machine(true, true, false, false);
    late_present = true;
    boot();
    CHECK(stand_in == &native_personality);
    CHECK(stand_in_write == NULL);
    CHECK(held_installed);
    CHECK(late_probe_seen_native);
    CHECK(platform_current() == &late_personality);
    CHECK(pv_ops.console.write == late_write);
    CHECK(offer_running(OFFER_CLOCK) == NULL);
    CHECK(strstr(unit_log, "proteus: platform=late ") != NULL);
    /* native's install, then the late one's */
    CHECK_EQ(patch_installs, 2u);
    CHECK(installed_seen == &late_personality);
}

/* A held install that cannot run goes on down the table, as at the probe. */
TEST(personality_held_install_refused_next_one_tried)
{
    machine(true, false, false, false);
    late_present = late_refuses = true;
    boot();
    CHECK(held_installed);
    CHECK(platform_current() == &example_personality);
    CHECK(pv_ops.console.write == example_write);
    machine(false, false, false, false);
    late_present = late_refuses = true;
    boot();
    CHECK(platform_current() == &native_personality);
    CHECK(pv_ops.console.write == NULL);
}

/* Without a held personality nothing happens after the probe. */
TEST(personality_nothing_held)
{
    machine(true, false, false, false);
    boot();
    CHECK(!held_installed);
    CHECK(stand_in == &example_personality);
}

/* The personality's rule: the clock and the APIC extension mixed in and
 * patched, steal time refused with the reason. */
TEST(offers_accepted_by_the_rule_run_and_are_patched)
{
    machine(true, true, true, true);
    boot();
    CHECK(offer_running(OFFER_CLOCK) == &clock_offer);
    CHECK(offer_running(OFFER_APIC_EXTENSION) == &ext_offer);
    CHECK(offer_running(OFFER_STEAL_TIME) == NULL);
    CHECK(pv_ops.time.clock_ns == offered_clock);
    CHECK(pv_ops.time.wallclock_at_boot_ns == offered_wall);
    CHECK(pv_ops.apic.eoi == ext_eoi);
    CHECK(pv_ops.time.init == native_time_init);   /* the timer stays the personality's */
    CHECK_STREQ(pv_ops.time.name, "tsc");           /* no op renamed */
    CHECK_EQ(patch_updates, 1u);
    CHECK_EQ(offered_tsc_hz(), 2000000000ULL);
    CHECK(strstr(unit_log, "time: example permits a paravirtual clock: pvclock mixed in, "
                           "tsc's timer kept\n") != NULL);
    CHECK(strstr(unit_log, "time: steal is offered, but example keeps no steal clock (it does "
                           "not permit a paravirtual one)\n") != NULL);
    CHECK(strstr(unit_log, " apic=xapic+pv-eoi time=pvclock+tsc console=") != NULL);
    u64 ns;
    CHECK_EQ(steal_clock_ns(&ns, NULL), -ENOSYS);
}

/* A deadline on the offered clock is armed on the personality's own at
 * the same distance ahead. */
TEST(offers_mixed_clock_translates_deadlines)
{
    machine(true, true, false, false);
    boot();
    native_now = 1000;
    offered_now = 5000;
    pv_ops.time.arm_oneshot(5100);
    CHECK_EQ(last_armed, 1100ULL);
    pv_ops.time.arm_oneshot(4000);   /* already past: fires at once */
    CHECK_EQ(last_armed, 1001ULL);
    pv_ops.time.arm_oneshot(0);      /* disarm */
    CHECK_EQ(last_armed, 0ULL);
}

/* An accepted clock that does not start leaves the personality's clock
 * whole and says why. */
TEST(offers_clock_that_fails_keeps_the_own_clock)
{
    machine(true, true, false, false);
    clock_start_result = -EIO;
    boot();
    CHECK(offer_running(OFFER_CLOCK) == NULL);
    CHECK(pv_ops.time.clock_ns == native_clock);
    CHECK(pv_ops.time.arm_oneshot == native_arm);
    CHECK_EQ(offered_tsc_hz(), 0ULL);
    CHECK(strstr(unit_log, "time: pvclock could not be mixed in (EIO, -5); example keeps its "
                           "own clock\n") != NULL);
    CHECK(strstr(unit_log, " time=tsc console=") != NULL);
}

/* An APIC extension never goes over another controller, even where the
 * personality would accept it; steal time runs where accepted. */
TEST(offers_apic_extension_only_over_the_native_controller)
{
    machine(false, false, true, true);
    own_apic_present = true;
    boot();
    CHECK(platform_current() == &own_apic_personality);
    CHECK(offer_running(OFFER_APIC_EXTENSION) == NULL);
    CHECK_EQ(ext_starts, 0);
    CHECK(pv_ops.apic.eoi == native_eoi);
    CHECK(strstr(unit_log, "apic: pv-eoi is offered, but own-apic keeps its interrupt "
                           "controller whole (it extends only the native local APIC)\n") != NULL);
    u64 ns = 0;
    const char *name = NULL;
    CHECK_EQ(steal_clock_ns(&ns, &name), 0);
    CHECK_EQ(ns, 77ULL);
    CHECK_STREQ(name, "steal");
}

/* Native takes only a clock (docs/mixing.md). */
TEST(offers_native_takes_a_clock_only)
{
    machine(false, true, true, true);
    boot();
    CHECK(platform_current() == &native_personality);
    CHECK(offer_running(OFFER_CLOCK) == &clock_offer);
    CHECK(offer_running(OFFER_APIC_EXTENSION) == NULL);
    CHECK(offer_running(OFFER_STEAL_TIME) == NULL);
}
