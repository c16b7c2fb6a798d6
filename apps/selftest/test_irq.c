/*
 * Tests of the interrupt controllers: the local APIC mode chosen, and a
 * real device interrupt (the PIT's IRQ 0) routed through the IOAPIC, with
 * the MADT's override (IRQ 0 -> GSI 2 on PCs), or through the 8259s in PIC
 * mode, to a handler.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <arch/cpu.h>
#include <drivers/lapic.h>
#include <drivers/pit.h>
#include <proteus/options.h>
#include <proteus/errno.h>
#include <proteus/pvops.h>
#include <proteus/sync.h>
#include <proteus/thread.h>
bool native_pic_mode(void);
#include <pv/kvm.h>
#include "selftest.h"

static bool no_apic(void)
{
    if (on_xen_pv())
        test_skip("a Xen PV guest has no local APIC or ISA devices: events come through "
                  "event channels (the xen.* cases)");
    return on_xen_pv();
}

/* The kernel's own APIC driver is not the interrupt controller when a
 * personality (a VMI shim) brought up one of its own. */
static bool apic_not_native(void)
{
    if (!on_xen_pv() && !native_apic())
        test_skip("the interrupt controller is %s's, not the kernel's APIC driver",
                  pv_ops.apic.name);
    return !native_apic();
}

/* The cases that borrow the PIT's IRQ 0 cannot run without a local APIC
 * (the 8259s deliver everything and IRQ 0 is the kernel's timer), nor
 * without a PIT (QEMU's microvm: IRQ 0 would never come, and
 * irq.wait_for_device would wait for it for ever). Xen PV is skipped by
 * no_apic() before the PIT's ports are touched. */
static bool cannot_borrow_irq0(void)
{
    if (no_apic())
        return true;
    if (!lapic_ready() && native_time()) {
        test_skip("no local APIC: the PIT's IRQ 0 is the kernel's timer");
        return true;
    }
    if (!pit_present()) {
        test_skip("no PIT here (channel 2 does not count: QEMU's microvm has none), so no IRQ 0");
        return true;
    }
    return false;
}

static void test_apic_mode(void)
{
    if (no_apic() || apic_not_native())
        return;
    if (!cpu_features.apic) {
        CHECK(!lapic_ready(), "a local APIC came up on a CPU without one");
        CHECK(!strcmp(pv_ops.apic.name, "i8259") && native_pic_mode(),
              "no local APIC, but apic=%s", pv_ops.apic.name);
        CHECK(irq_counts[VEC_IRQ_BASE] > 0, "the PIT timer's IRQ 0 was never taken");
        test_pass();
        return;
    }
    const char *opt = kernel_option("apic");
    bool want_x2 = cpu_features.x2apic && !(opt && !strcmp(opt, "xapic"));
    const char *want = want_x2 ? "x2apic" : "xapic";
    /* The kvm personality names its PV EOI after the mode: x2apic+pv-eoi. */
    const char *name = pv_ops.apic.name;
    size_t mode_len = strcspn(name, "+");
    CHECK(mode_len == strlen(want) && !strncmp(name, want, mode_len),
          "apic=%s, expected %s (CPU %s x2APIC)", name, want,
          cpu_features.x2apic ? "has" : "lacks");
    CHECK(!name[mode_len] || (platform_is(&kvm_personality) && !strcmp(name + mode_len, "+pv-eoi")),
          "apic=%s: only the kvm personality adds +pv-eoi to the mode", name);
    CHECK(!strcmp(lapic_mode_name(), want), "driver mode %s", lapic_mode_name());
    uint32_t ver = lapic_read(LAPIC_VERSION) & 0xff;
    CHECK(ver >= 0x10, "local APIC version 0x%x is not an integrated APIC", ver);
    test_pass();
}

static volatile unsigned irq0_seen;

static void irq0_handler(unsigned vector, void *ctx)
{
    irq0_seen++;
    apic_eoi(vector);
}

static void test_device_irq(void)
{
    if (cannot_borrow_irq0())
        return;
    unsigned vector = VEC_IRQ_BASE + 0;
    CHECK(irq_register(vector, irq0_handler, NULL, "selftest-pit") == 0, "vector taken");
    int err = apic_route_irq(0, vector);
    if (err) {
        irq_unregister(vector);
        test_fail("routing IRQ 0 failed: %d", err);
        return;
    }
    irq0_seen = 0;
    pit_oneshot_irq0(PIT_HZ / 1000);   /* 1 ms */
    struct timespec ts = { 0, 1000000 };
    for (int i = 0; i < 50 && !irq0_seen; i++)
        nanosleep(&ts, NULL);
    apic_mask_irq(0, true);
    irq_unregister(vector);
    CHECK(irq0_seen == 1, "IRQ 0 arrived %u times in 50 ms, expected once", irq0_seen);
    test_pass();
}

/* A real device interrupt on a vector nobody registered: reported once,
 * acknowledged (else the controller would block that priority class), and
 * survived. The PIT's IRQ 0 goes to vector 0x60, then to a handler again,
 * which must still receive it. */
static void test_unexpected_device_vector(void)
{
    if (cannot_borrow_irq0())
        return;
    unsigned stray = 0x60;
    uint64_t before = irq_counts[stray];
    int err = apic_route_irq(0, stray);
    if (err == -EINVAL && (native_pic_mode() || !native_apic())) {
        /* the 8259s' vectors are fixed (the kernel's PIC mode, or a
         * shim's, which says so the same way) */
        test_skip("%s cannot route IRQ 0 to vector 0x%x: PIC mode", pv_ops.apic.name, stray);
        return;
    }
    CHECK(err == 0, "routing IRQ 0 to 0x%x failed: %d", stray, err);
    pit_oneshot_irq0(PIT_HZ / 1000);
    struct timespec ts = { 0, 1000000 };
    for (int i = 0; i < 50 && irq_counts[stray] == before; i++)
        nanosleep(&ts, NULL);
    apic_mask_irq(0, true);
    CHECK(irq_counts[stray] == before + 1, "vector 0x%x counted %llu times", stray,
          (unsigned long long)(irq_counts[stray] - before));
    /* the controller took the EOI: a handled interrupt still gets through */
    test_device_irq();
}

/* A thread blocked until a device interrupt wakes it, with no timer armed
 * and nothing else runnable, is not a deadlock: it says so with
 * sched_waiting_for_irq_begin/end, and the idle thread halts until the
 * interrupt instead of reporting one (which would end the machine). */
static spinlock_t wake_lock = SPINLOCK_INIT;
static struct waitq wake_q = WAITQ_INIT(wake_q);
static volatile unsigned wake_irqs;

static void irq0_waker(unsigned vector, void *ctx)
{
    spin_lock(&wake_lock);
    wake_irqs++;
    waitq_wake_all(&wake_q);
    spin_unlock(&wake_lock);
    apic_eoi(vector);
}

static void test_wait_for_device(void)
{
    if (cannot_borrow_irq0())
        return;
    unsigned vector = VEC_IRQ_BASE + 0;
    CHECK(irq_register(vector, irq0_waker, NULL, "selftest-wait") == 0, "vector taken");
    int err = apic_route_irq(0, vector);
    if (err) {
        irq_unregister(vector);
        test_fail("routing IRQ 0 failed: %d", err);
        return;
    }
    wake_irqs = 0;
    sched_waiting_for_irq_begin();
    unsigned long f = spin_lock_irqsave(&wake_lock);
    pit_oneshot_irq0(PIT_HZ / 100);   /* 10 ms */
    while (!wake_irqs)
        waitq_sleep(&wake_q, &wake_lock);   /* no deadline: no timer */
    spin_unlock_irqrestore(&wake_lock, f);
    sched_waiting_for_irq_end();
    apic_mask_irq(0, true);
    irq_unregister(vector);
    CHECK(wake_irqs == 1, "IRQ 0 woke the waiter %u times", wake_irqs);
    test_pass();
}

const struct test_case irq_tests[] = {
    { "irq.apic_mode", test_apic_mode },
    { "irq.device_interrupt", test_device_irq },
    { "irq.unexpected_device_vector", test_unexpected_device_vector },
    { "irq.wait_for_device", test_wait_for_device },
    { NULL, NULL },
};
