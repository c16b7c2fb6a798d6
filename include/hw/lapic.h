/*
 * The local APIC's registers and bits, written once for the kernel's
 * driver (drivers/apic/) and the VMI shim (pv/vmi/shim/apic.c, time.c).
 * Register offsets: Intel SDM Vol. 3A, table 11-1 (10-1 in older
 * editions); in x2APIC mode register `off` is MSR 0x800 + (off >> 4)
 * (table 11-6). Freestanding: how the registers are reached is the
 * caller's (MMIO or MSRs).
 */
#ifndef HW_LAPIC_H
#define HW_LAPIC_H

enum lapic_reg {
    LAPIC_ID = 0x020,
    LAPIC_VERSION = 0x030,
    LAPIC_TPR = 0x080,
    LAPIC_PPR = 0x0a0,
    LAPIC_EOI = 0x0b0,
    LAPIC_LDR = 0x0d0,
    LAPIC_SVR = 0x0f0,
    LAPIC_ISR0 = 0x100,   /* eight registers, 0x10 apart */
    LAPIC_TMR0 = 0x180,
    LAPIC_IRR0 = 0x200,
    LAPIC_ESR = 0x280,
    LAPIC_LVT_CMCI = 0x2f0,
    LAPIC_ICR = 0x300,    /* the low half; xAPIC's high half is 0x310 */
    LAPIC_LVT_TIMER = 0x320,
    LAPIC_LVT_THERMAL = 0x330,
    LAPIC_LVT_PERF = 0x340,
    LAPIC_LVT_LINT0 = 0x350,
    LAPIC_LVT_LINT1 = 0x360,
    LAPIC_LVT_ERROR = 0x370,
    LAPIC_TIMER_INIT = 0x380,
    LAPIC_TIMER_CUR = 0x390,
    LAPIC_TIMER_DIV = 0x3e0,
};
#define X2APIC_MSR(reg) (0x800u + ((reg) >> 4))

/* Spurious-interrupt vector register: bit 8 software-enables the APIC
 * (SDM 11.9). */
#define SVR_ENABLE 0x100

/* LVT bits, SDM 11.5.1, figure 11-8. */
#define LVT_MASKED (1u << 16)
#define LVT_DM_EXTINT (7u << 8)
#define LVT_DM_NMI (4u << 8)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)

/* Interrupt command register (low half), SDM 11.6.1, figure 11-12. */
#define ICR_DM_FIXED (0u << 8)   /* delivery mode: the vector */
#define ICR_DM_INIT (5u << 8)
#define ICR_DM_STARTUP (6u << 8) /* the vector is the start page: 0xVV000 */
#define ICR_BUSY (1u << 12)      /* delivery status: send pending (xAPIC) */
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)     /* trigger mode level (INIT de-assert only) */
#define ICR_TO_SELF (1u << 18)   /* destination shorthand 01 */

/* IA32_APIC_BASE (MSR_APIC_BASE, <hw/x86.h>), SDM 11.4.4 and 11.12.1. */
#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_EXTD (1ULL << 10)   /* x2APIC mode */
#define APIC_BASE_ENABLE (1ULL << 11)
#define MSR_TSC_DEADLINE 0x6e0

#endif
