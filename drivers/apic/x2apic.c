/*
 * The local APIC's x2APIC register interface: each register is an MSR,
 * 0x800 + (xAPIC offset >> 4), and the ICR is one 64-bit MSR (SDM Vol. 3A,
 * 11.12.1 and table 11-6). Entered by setting EXTD in IA32_APIC_BASE with
 * EN already set (11.12.5). MSR writes are checked; a failure is reported
 * once per register, since the EOI write sits on every interrupt's path.
 */
#include <drivers/lapic.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>


static bool reported[64];

static int x2apic_enable(u64 base)
{
    int err = 0;
    if (!(base & APIC_BASE_ENABLE))
        err = wrmsr_safe(0x1b, base | APIC_BASE_ENABLE);
    if (!err && !(base & APIC_BASE_EXTD))
        err = wrmsr_safe(0x1b, base | APIC_BASE_ENABLE | APIC_BASE_EXTD);
    if (err)
        printk("lapic: entering x2APIC mode (MSR 0x1b) failed: %s\n", errno_name(err));
    return err;
}

static u32 x2apic_read(unsigned reg)
{
    u64 v = 0;
    int err = rdmsr_safe(X2APIC_MSR(reg), &v);
    if (err && !reported[(reg >> 4) & 63]) {
        reported[(reg >> 4) & 63] = true;
        printk("lapic: reading x2APIC MSR 0x%x failed: %s\n", X2APIC_MSR(reg), errno_name(err));
    }
    return (u32)v;
}

static void x2apic_write(unsigned reg, u32 val)
{
    int err = wrmsr_safe(X2APIC_MSR(reg), val);
    if (err && !reported[(reg >> 4) & 63]) {
        reported[(reg >> 4) & 63] = true;
        printk("lapic: writing x2APIC MSR 0x%x failed: %s\n", X2APIC_MSR(reg), errno_name(err));
    }
}

/* One 64-bit write: the destination in the high half; no delivery status
 * to wait out (SDM Vol. 3A, 11.12.9). */
static int x2apic_send(u32 dest, u32 cmd)
{
    int err = wrmsr_safe(X2APIC_MSR(LAPIC_ICR), (u64)dest << 32 | cmd);
    if (err)
        printk("lapic: writing the x2APIC ICR (MSR 0x%x) failed: %s\n", X2APIC_MSR(LAPIC_ICR),
               errno_name(err));
    return err ? -EIO : 0;
}

static u32 x2apic_id(void)
{
    return x2apic_read(LAPIC_ID);   /* the full 32-bit id */
}

const struct lapic_mode lapic_x2apic_mode = {
    .name = "x2apic",
    .enable = x2apic_enable,
    .read = x2apic_read,
    .write = x2apic_write,
    .id = x2apic_id,
    .send = x2apic_send,
};
