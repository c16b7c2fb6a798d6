/*
 * The local APIC, in either of its two register interfaces: xAPIC (MMIO)
 * or x2APIC (MSRs). Each mode is a small table behind one interface (a
 * mode is data, not a second driver); the rest (timer, EOI, set-up) is
 * common code in drivers/apic/lapic.c. The registers and bits are
 * <hw/lapic.h>, shared with the VMI shim.
 */
#ifndef DRIVERS_LAPIC_H
#define DRIVERS_LAPIC_H

#include <hw/lapic.h>
#include <proteus/types.h>

struct lapic_mode {
    const char *name;
    /* Put the hardware into this mode, given IA32_APIC_BASE as read. */
    int (*enable)(u64 apic_base);
    u32 (*read)(unsigned reg);
    void (*write)(unsigned reg, u32 val);
    u32 (*id)(void);
    /* Send an IPI: the ICR's low half `cmd` to APIC id `dest` (xAPIC: 8
     * bits in the high half; x2APIC: 32 bits in one MSR). 0, or -EBUSY if
     * a previous IPI is still being delivered, -EIO for a refused write. */
    int (*send)(u32 dest, u32 cmd);
};

extern const struct lapic_mode lapic_xapic_mode, lapic_x2apic_mode;

/* Bring the local APIC up in x2APIC mode if the CPU has it and
 * `allow_x2apic`, else in xAPIC mode; every LVT entry masked. -ENODEV if
 * the CPU has no local APIC (CPUID.1:EDX[9] clear). */
int lapic_init(bool allow_x2apic);
/* The same on another CPU, in the mode the boot CPU chose (each CPU's APIC
 * is its own: every one must be enabled and set up by itself). */
int lapic_init_this_cpu(void);
/* An IPI to APIC id `dest` (the ICR's low half, SDM Vol. 3A, 11.6.1). */
int lapic_send(u32 dest, u32 cmd);
const char *lapic_mode_name(void);
bool lapic_ready(void);
u32 lapic_read(unsigned reg);
void lapic_eoi(void);
u32 lapic_id(void);
/* LINT0 as ExtINT: the 8259's output reaches the CPU (PIC mode). */
void lapic_set_lint0_extint(bool on);

/* The timer: one-shot counting down (rate measured against the TSC over
 * the caller's reference window) or, where the CPU has it, TSC-deadline.
 * measure_begin returns how many TSC cycles the span's start is unsure by
 * (the narrowest bracket of TSC reads around a count read); a short span
 * (at most a second) counts the timer's clock undivided, a longer one at
 * 1/16. measured_ticks: the ticks counted since measure_begin. */
u64 lapic_timer_measure_begin(unsigned vector, bool short_span);
u32 lapic_timer_measured_ticks(void);
int lapic_timer_measure_end(u64 tsc_hz);
/* The TSC's rate was refined: the count-down rate follows it. */
void lapic_timer_set_tsc_hz(u64 tsc_hz);
/* The timer's clock given, not measured (CPUID 0x15, the hypervisor leaf,
 * the command line): it counts at clock_hz / 16 and ignores refinement. */
int lapic_timer_set_clock(unsigned vector, u64 clock_hz);
int lapic_timer_use_tsc_deadline(unsigned vector);
/* A started CPU's timer, set up as the boot CPU's was (TSC-deadline or
 * one-shot count-down, same vector): 0, -ENODEV if the boot CPU's timer is
 * not the local APIC's, or the MSR write's error. */
int lapic_timer_init_this_cpu(void);
bool lapic_timer_is_tsc_deadline(void);
void lapic_timer_arm_ns(u64 delta_ns);      /* count-down mode; 0 stops it */
void lapic_timer_arm_tsc(u64 tsc_deadline); /* TSC-deadline mode; 0 stops it */
u64 lapic_timer_hz(void);

#endif
