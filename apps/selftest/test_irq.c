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
#include <proteus/pvops.h>
bool native_pic_mode(void);
#include "selftest.h"

static bool no_apic(void)
{
    if (on_xen_pv())
        test_skip("a Xen PV guest has no local APIC or ISA devices: events come through "
                  "event channels (the xen.* cases)");
    return on_xen_pv();
}

static void test_apic_mode(void)
{
    if (no_apic())
        return;
    const char *opt = kernel_option("apic");
    bool want_x2 = cpu_features.x2apic && !(opt && !strcmp(opt, "xapic"));
    const char *want = want_x2 ? "x2apic" : "xapic";
    CHECK(!strcmp(pv_ops.apic.name, want), "apic=%s, expected %s (CPU %s x2APIC)",
          pv_ops.apic.name, want, cpu_features.x2apic ? "has" : "lacks");
    CHECK(!strcmp(lapic_mode_name(), want), "driver mode %s", lapic_mode_name());
    uint32_t ver = lapic_read(LAPIC_VERSION) & 0xff;
    CHECK(ver >= 0x10, "local APIC version 0x%x is not an integrated APIC", ver);
    test_pass();
}

static volatile unsigned irq0_seen;

static void irq0_handler(unsigned vector, void *ctx)
{
    irq0_seen++;
    irqchip_eoi(vector);
}

static void test_device_irq(void)
{
    if (no_apic())
        return;
    unsigned vector = VEC_IRQ_BASE + 0;
    CHECK(irq_register(vector, irq0_handler, NULL, "selftest-pit") == 0, "vector taken");
    int err = irqchip_route(0, vector);
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
    irqchip_mask(0, true);
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
    if (no_apic())
        return;
    if (native_pic_mode()) {
        test_skip("in PIC mode the 8259's vectors are fixed");
        return;
    }
    unsigned stray = 0x60;
    uint64_t before = irq_counts[stray];
    CHECK(irqchip_route(0, stray) == 0, "routing IRQ 0 to 0x%x failed", stray);
    pit_oneshot_irq0(PIT_HZ / 1000);
    struct timespec ts = { 0, 1000000 };
    for (int i = 0; i < 50 && irq_counts[stray] == before; i++)
        nanosleep(&ts, NULL);
    irqchip_mask(0, true);
    CHECK(irq_counts[stray] == before + 1, "vector 0x%x counted %llu times", stray,
          (unsigned long long)(irq_counts[stray] - before));
    /* the controller took the EOI: a handled interrupt still gets through */
    test_device_irq();
}

const struct test_case irq_tests[] = {
    { "irq.apic_mode", test_apic_mode },
    { "irq.device_interrupt", test_device_irq },
    { "irq.unexpected_device_vector", test_unexpected_device_vector },
    { NULL, NULL },
};
