/*
 * The IOAPIC's registers, written once for the kernel (drivers/apic/
 * ioapic.c) and the VMI shim (pv/vmi/shim/apic.c). Intel 82093AA datasheet,
 * 3.1-3.2: registers are reached indirectly, the index written to IOREGSEL
 * (+0x00), then IOWIN (+0x10) read or written; register 0x01 bits 23:16
 * are the number of redirection entries - 1; entry n is registers
 * 0x10 + 2n (low) and 0x11 + 2n (high). Entry bits: 7:0 vector,
 * 13 polarity (1 = low), 15 trigger (1 = level), 16 mask, 63:56
 * destination (physical). Freestanding: the caller maps the registers and
 * keeps an index/data pair from being interleaved.
 */
#ifndef HW_IOAPIC_H
#define HW_IOAPIC_H

#include <stdint.h>

#define IOAPIC_VERSION 0x01
#define IOAPIC_RTE_LO(n) (0x10u + 2u * (n))
#define IOAPIC_RTE_HI(n) (0x11u + 2u * (n))
#define IOAPIC_RTE_ACTIVE_LOW (1u << 13)
#define IOAPIC_RTE_LEVEL (1u << 15)
#define IOAPIC_RTE_MASKED (1u << 16)
#define IOAPIC_RTE_DEST_SHIFT 24   /* in the high word */

/* IOREGSEL and IOWIN as 32-bit words of the register window. */
static inline uint32_t ioapic_read(volatile uint32_t *regs, uint32_t reg)
{
    regs[0] = reg;
    return regs[4];
}

static inline void ioapic_write(volatile uint32_t *regs, uint32_t reg, uint32_t val)
{
    regs[0] = reg;
    regs[4] = val;
}

/* Every redirection entry of the IOAPIC at `regs` masked, destination 0;
 * returns how many it has, or 0 if nothing answers there (all ones). */
static inline unsigned ioapic_reset(volatile uint32_t *regs)
{
    uint32_t ver = ioapic_read(regs, IOAPIC_VERSION);
    if (ver == 0xffffffffu)
        return 0;
    unsigned n = ((ver >> 16) & 0xff) + 1;
    for (unsigned e = 0; e < n; e++) {
        ioapic_write(regs, IOAPIC_RTE_LO(e), IOAPIC_RTE_MASKED);
        ioapic_write(regs, IOAPIC_RTE_HI(e), 0);
    }
    return n;
}

/*T:510 Entry `pin` to `lo` (vector and bits) for physical destination
 * `dest`: masked first, the high word next, the low word last, which makes
 * the entry live with everything in place. From then on, when the UART
 * raises its line (an edge on IRQ 4's pin), the IOAPIC sends the vector in
 * bits 7:0 as a message to the local APIC whose id is in bits 63:56. That
 * APIC sets the vector's bit in its IRR, and hands the highest-priority
 * requested vector to the CPU once the CPU's EFLAGS.IF allows and nothing
 * of an equal or higher priority class is in service, moving its bit to
 * the ISR (SDM Vol. 3A, 11.8.3 and 11.8.4). Delivery mode 0 (fixed) and
 * physical destination mode are the zeros left in `lo`. */
static inline void ioapic_set_entry(volatile uint32_t *regs, unsigned pin, uint32_t lo,
                                    uint8_t dest)
{
    ioapic_write(regs, IOAPIC_RTE_LO(pin), IOAPIC_RTE_MASKED);
    ioapic_write(regs, IOAPIC_RTE_HI(pin), (uint32_t)dest << IOAPIC_RTE_DEST_SHIFT);
    ioapic_write(regs, IOAPIC_RTE_LO(pin), lo);
}

static inline void ioapic_mask_entry(volatile uint32_t *regs, unsigned pin, int masked)
{
    uint32_t lo = ioapic_read(regs, IOAPIC_RTE_LO(pin));
    ioapic_write(regs, IOAPIC_RTE_LO(pin),
                 masked ? lo | IOAPIC_RTE_MASKED : lo & ~IOAPIC_RTE_MASKED);
}

#endif
