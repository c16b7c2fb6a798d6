/*
 * Native interrupt controllers: the local APIC (x2APIC when the CPU has it,
 * unless `apic=xapic`), and for device lines either the IOAPICs the ACPI
 * MADT lists, with its interrupt source overrides, or, without ACPI, the
 * 8259 pair in PIC mode (through LINT0 as ExtINT). A CPU with no local
 * APIC at all (CPUID.1:EDX[9] clear: 486-class, or QEMU's -cpu ...,-apic)
 * runs in PIC mode with the 8259's output on its INTR pin, and the PIT's
 * IRQ 0 stands in for the APIC timer (pv/native/time.c).
 */
#include "native.h"
#include <arch/cpu.h>
#include <drivers/acpi.h>
#include <drivers/i8259.h>
#include <drivers/ioapic.h>
#include <drivers/lapic.h>
#include <drivers/madt.h>
#include <proteus/errno.h>
#include <proteus/options.h>
#include <proteus/printk.h>
#include <proteus/string.h>

static struct madt_info madt;
static bool pic_mode;

static PVOP_ABI int native_apic_init(void)
{
    /* The legacy PICs first: off the exception vectors, all masked. */
    i8259_remap_and_mask(VEC_IRQ_BASE);
    if (!cpu_features.apic) {
        /* IOAPICs deliver only to local APICs: no use without one. */
        pic_mode = true;
        pv_ops.apic.name = "i8259";
        printk("apic: this CPU has no local APIC: device interrupts through the 8259 "
               "(PIC mode), the PIT as the timer\n");
        return 0;
    }

    const char *opt = kernel_option("apic");
    if (opt && strcmp(opt, "xapic") && strcmp(opt, "x2apic"))
        printk("apic: apic=%s is not xapic or x2apic (ignored)\n", opt);
    int err = lapic_init(!(opt && !strcmp(opt, "xapic")));
    if (err)
        return err;
    pv_ops.apic.name = lapic_mode_name();

    u32 len;
    const struct acpi_header *t = acpi_find_table("APIC", &len);
    if (t && madt_parse(t, len, &madt) == 0 && ioapic_init(&madt) > 0) {
        pr_info("apic: %s, %u IOAPIC(s), %u interrupt source override(s)\n", lapic_mode_name(),
                ioapic_count(), madt.n_isos);
        return 0;
    }
    /* No MADT (no ACPI) or no working IOAPIC: the 8259s deliver. */
    pic_mode = true;
    lapic_set_lint0_extint(true);
    printk("apic: %s; no IOAPIC found (%s): device interrupts through the 8259 (PIC mode)\n",
           lapic_mode_name(), acpi_disabled() ? "no ACPI" : "no usable MADT");
    return 0;
}

static bool is_pic_vector(unsigned vector)
{
    return pic_mode && vector >= VEC_IRQ_BASE && vector < VEC_IRQ_BASE + 16;
}

/*T:540 apic_eoi natively: tell whichever controller delivered the vector
 * that its handler is done. A vector from the local APIC (an IOAPIC line,
 * the APIC timer, an IPI) is ended at the local APIC, which clears the
 * highest bit of its ISR; the IOAPIC needs nothing for an edge-triggered
 * line (SDM Vol. 3A, 11.8.5). In PIC mode the 8259 gets its own EOI
 * command instead. Under KVM the pv-eoi offer wraps this op
 * (pv/kvm/apic.c); under Xen PV the op is empty. */
static PVOP_ABI void native_eoi(unsigned vector)
{
    /* ExtINT deliveries never enter the local APIC's ISR: only the 8259
     * needs its EOI (SDM Vol. 3A, 11.8.5). */
    if (is_pic_vector(vector)) {
        /* IRQ 7 or 15 with nothing in service was spurious: it gets no EOI
         * (i8259_spurious acknowledges the cascade for 15 itself). */
        unsigned irq = vector - VEC_IRQ_BASE;
        if (i8259_spurious(irq))
            spurious_count++;
        else
            i8259_eoi(irq);
    } else if (lapic_ready()) {
        lapic_eoi();
    } else if (vector == VEC_TIMER) {
        i8259_eoi(0);   /* no local APIC: the timer is the PIT's IRQ 0 */
    }
}

/*T:505 An ISA line to a vector. With IOAPICs, the ISA IRQ is first made a
 * GSI, the IOAPIC input it is wired to, and given its trigger mode and
 * polarity: the MADT's interrupt source overrides say where a line differs
 * from the default (ISA lines are edge-triggered, active high: ACPI 6.5,
 * 5.2.12.5); then the IOAPIC pin serving that GSI gets a redirection entry
 * sending the vector to this CPU's local APIC id. In PIC mode there is
 * nothing to program but the 8259's mask: its vectors were fixed when it
 * was remapped, so only VEC_IRQ_BASE + irq is accepted. */
static PVOP_ABI int native_route_irq(unsigned irq, unsigned vector)
{
    if (irq > 15)
        return -EINVAL;
    if (pic_mode) {
        if (vector != VEC_IRQ_BASE + irq)
            return -EINVAL;   /* the 8259s' vectors are fixed by the remap */
        i8259_mask(irq, false);
        return 0;
    }
    u32 gsi;
    bool level, low;
    madt_isa_irq(&madt, irq, &gsi, &level, &low);
    return ioapic_route(gsi, (u8)vector, level, low, lapic_id());
}

static PVOP_ABI void native_mask_irq(unsigned irq, bool masked)
{
    if (pic_mode) {
        i8259_mask(irq, masked);
        return;
    }
    u32 gsi;
    bool level, low;
    madt_isa_irq(&madt, irq, &gsi, &level, &low);
    int err = ioapic_mask(gsi, masked);
    if (err)
        printk("apic: %smasking IRQ %u (GSI %u) failed: %s (%d)\n", masked ? "" : "un", irq, gsi,
               errno_name(err), err);
}

/* A fixed IPI to the kernel's CPU `cpu`, by its APIC id (pv/native/vcpu.c
 * keeps the map). */
static PVOP_ABI int native_send_ipi(unsigned cpu, unsigned vector)
{
    u32 apic_id;
    if (!lapic_ready())
        return -ENODEV;
    if (native_cpu_apic_id(cpu, &apic_id))
        return -EINVAL;
    return lapic_send(apic_id, ICR_DM_FIXED | ICR_ASSERT | (vector & 0xff));
}
static PVOP_ABI u32 native_cpu_id(void) { return lapic_id(); }

/* Whether device vectors come from the 8259 (for `monitor` and selftest). */
bool native_pic_mode(void)
{
    return pic_mode;
}

const struct madt_info *native_madt(void)
{
    return madt.lapic_addr || madt.n_lapics ? &madt : NULL;
}

const struct pv_apic_ops native_apic_ops = {
    .name = "lapic",   /* replaced by the mode at init: xapic or x2apic */
    .init = native_apic_init,
    .eoi = native_eoi,
    .route_irq = native_route_irq,
    .mask_irq = native_mask_irq,
    .send_ipi = native_send_ipi,
    .cpu_id = native_cpu_id,
};
