/*
 * The device-vector table: which handler runs for vectors 0x20-0xff, and
 * how often each fired. A vector with no handler is reported once and
 * survived (acknowledged, counted), never fatal.
 */
#include <arch/cpu.h>
#include <proteus/errno.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>

struct irq_slot {
    irq_handler_t fn;
    void *ctx;
    const char *name;
};

static struct irq_slot slots[256];
u64 irq_counts[256];
u64 spurious_count;
static bool reported[256];

int irq_register(unsigned vector, irq_handler_t fn, void *ctx, const char *name)
{
    if (vector < 32 || vector > 255)
        return -EINVAL;
    if (slots[vector].fn)
        return -EBUSY;
    slots[vector].ctx = ctx;
    slots[vector].name = name;
    WRITE_ONCE(slots[vector].fn, fn);
    return 0;
}

int irq_unregister(unsigned vector)
{
    if (vector < 32 || vector > 255 || !slots[vector].fn)
        return -EINVAL;
    WRITE_ONCE(slots[vector].fn, NULL);
    slots[vector].name = NULL;
    return 0;
}

const char *irq_name(unsigned vector)
{
    return vector < 256 ? slots[vector].name : NULL;
}

/*T:530 The one dispatch every interrupt reaches, native or not: the vector
 * indexes the table irq_register filled, and the count is what `monitor`'s
 * `irqs` shows. Natively it is called from trap_dispatch with the vector
 * the local APIC (or 8259) delivered; under Xen PV from the event upcall
 * with the vector an event channel was bound to (pv/xen/events.c,
 * handle_port), so a handler cannot tell the two apart. The handler is
 * responsible for the EOI (apic_eoi, a platform op): only it knows when
 * its device is quiet. The spurious vector gets none (SDM Vol. 3A,
 * 11.9), and a vector without a handler is acknowledged here so that it
 * cannot block its priority class. irq_depth tells code that asks whether
 * it runs in a handler. */
void irq_dispatch(unsigned vector)
{
    struct cpu_local *c = this_cpu();

    irq_counts[vector]++;
    if (vector == VEC_SPURIOUS) {
        /* SDM Vol. 3A, 11.9: a spurious vector needs no EOI. */
        spurious_count++;
        return;
    }
    c->irq_depth++;
    if (slots[vector].fn) {
        slots[vector].fn(vector, slots[vector].ctx);
    } else {
        if (!reported[vector]) {
            reported[vector] = true;
            printk("irq: unexpected interrupt on vector 0x%x (no handler): acknowledged and ignored\n",
                   vector);
        }
        apic_eoi(vector);
    }
    c->irq_depth--;
}
