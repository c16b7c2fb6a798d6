/*
 * The local APIC, in either of its two register interfaces: xAPIC (MMIO)
 * or x2APIC (MSRs). Each mode is a small table behind one interface (a
 * mode is data, not a second driver); the rest (timer, EOI, set-up) is
 * common code in drivers/apic/lapic.c. Register offsets: Intel SDM Vol. 3A, table 11-1;
 * in x2APIC mode register `off` is MSR 0x800 + (off >> 4) (table 11-6).
 */
#ifndef DRIVERS_LAPIC_H
#define DRIVERS_LAPIC_H

#include <proteus/types.h>

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
    LAPIC_ICR = 0x300,
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

/* LVT bits, SDM 11.5.1, figure 11-8. */
#define LVT_MASKED (1u << 16)
#define LVT_DM_EXTINT (7u << 8)
#define LVT_DM_NMI (4u << 8)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)

/* IA32_APIC_BASE (MSR 0x1b), SDM 11.4.4 and 11.12.1. */
#define APIC_BASE_BSP (1ULL << 8)
#define APIC_BASE_EXTD (1ULL << 10)   /* x2APIC mode */
#define APIC_BASE_ENABLE (1ULL << 11)
#define MSR_TSC_DEADLINE 0x6e0

struct lapic_mode {
    const char *name;
    /* Put the hardware into this mode, given IA32_APIC_BASE as read. */
    int (*enable)(u64 apic_base);
    u32 (*read)(unsigned reg);
    void (*write)(unsigned reg, u32 val);
    u32 (*id)(void);
};

extern const struct lapic_mode lapic_xapic_mode, lapic_x2apic_mode;

/* Bring the local APIC up in x2APIC mode if the CPU has it and
 * `allow_x2apic`, else in xAPIC mode; every LVT entry masked. -ENODEV if
 * the CPU has no local APIC (CPUID.1:EDX[9] clear). */
int lapic_init(bool allow_x2apic);
const char *lapic_mode_name(void);
bool lapic_ready(void);
u32 lapic_read(unsigned reg);
void lapic_eoi(void);
u32 lapic_id(void);
/* LINT0 as ExtINT: the 8259's output reaches the CPU (PIC mode). */
void lapic_set_lint0_extint(bool on);

/* The timer: one-shot counting down (rate measured against the TSC over
 * the caller's reference window) or, where the CPU has it, TSC-deadline. */
void lapic_timer_measure_begin(unsigned vector);
int lapic_timer_measure_end(u64 tsc_hz);
int lapic_timer_use_tsc_deadline(unsigned vector);
bool lapic_timer_is_tsc_deadline(void);
void lapic_timer_arm_ns(u64 delta_ns);      /* count-down mode; 0 stops it */
void lapic_timer_arm_tsc(u64 tsc_deadline); /* TSC-deadline mode; 0 stops it */
u64 lapic_timer_hz(void);

#endif
