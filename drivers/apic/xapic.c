/*
 * The local APIC's xAPIC register interface: 32-bit registers in a 4 KiB
 * MMIO page at the base held in IA32_APIC_BASE (SDM Vol. 3A, 11.4.1).
 */
#include <drivers/lapic.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/vm.h>

static volatile u32 *regs;

static int xapic_enable(u64 base)
{
    if (base & APIC_BASE_EXTD) {
        /* x2APIC -> xAPIC directly is not allowed (SDM 11.12.5): the
         * firmware left it in x2APIC mode, so stay there. */
        printk("lapic: the APIC is already in x2APIC mode; cannot use xAPIC\n");
        return -EBUSY;
    }
    if (!(base & APIC_BASE_ENABLE)) {
        int err = wrmsr_safe(0x1b, base | APIC_BASE_ENABLE);
        if (err) {
            printk("lapic: enabling the APIC (MSR 0x1b) failed: %s\n", errno_name(err));
            return err;
        }
    }
    /* Every CPU finds its own APIC at the same address: mapped once, by
     * the boot CPU. The base address is bits 12 to MAXPHYADDR-1 of the
     * MSR (SDM Vol. 3A, 11.4.4); a hypervisor could put it anywhere, RAM
     * included. */
    if (regs)
        return 0;
    regs = vm_map_device(base & 0x000ffffffffff000ULL, PAGE_SIZE, "lapic");
    return regs ? 0 : -ENOMEM;
}

static u32 xapic_read(unsigned reg)
{
    return regs[reg / 4];
}

static void xapic_write(unsigned reg, u32 val)
{
    if (reg == LAPIC_ICR) {
        /* Wait out a previous IPI still being sent (delivery status, bit 12). */
        for (int spin = 0; spin < 1000000 && (regs[LAPIC_ICR / 4] & (1u << 12)); spin++)
            __asm__ __volatile__("pause");
    }
    regs[reg / 4] = val;
}

/* The destination first: writing the low half sends (SDM Vol. 3A, 11.6.1). */
static int xapic_send(u32 dest, u32 cmd)
{
    for (int spin = 0; spin < 1000000 && (regs[LAPIC_ICR / 4] & ICR_BUSY); spin++)
        __asm__ __volatile__("pause");
    if (regs[LAPIC_ICR / 4] & ICR_BUSY)
        return -EBUSY;
    regs[(LAPIC_ICR + 0x10) / 4] = dest << 24;
    regs[LAPIC_ICR / 4] = cmd;
    return 0;
}

static u32 xapic_id(void)
{
    return regs[LAPIC_ID / 4] >> 24;
}

const struct lapic_mode lapic_xapic_mode = {
    .name = "xapic",
    .enable = xapic_enable,
    .read = xapic_read,
    .write = xapic_write,
    .id = xapic_id,
    .send = xapic_send,
};
