/*
 * What every file of the vmi-native shim shares: the ABI (pv/vmi/abi.h),
 * the instructions it wraps, and its little state. The shim is a separate
 * binary linked at 0 and run wherever the kernel copies it, so it includes
 * nothing of the kernel and may hold no absolute address (README.md).
 */
#ifndef VMI_SHIM_H
#define VMI_SHIM_H

/* Every symbol of the shim is local to it: with hidden visibility a -fpie
 * compiler reaches data and functions PC-relatively (x86_64: RIP-relative;
 * i386: GOT-relative from the PC-derived GOT address), never through GOT
 * entries, which would hold absolute addresses. scripts/check-shim.py
 * checks the result. The pragma covers declarations too, which
 * -fvisibility=hidden alone does not. */
#pragma GCC visibility push(hidden)

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../abi.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* i386 is built with -mregparm=3, so every function already follows the
 * ABI's register convention; VMI_CC (abi.h) says it where it matters. */
#define SHIM_CALL VMI_CC

/* Error numbers, returned negated (abi.h). */
#define SHIM_EINVAL VMI_EINVAL
#define SHIM_ENODEV VMI_ENODEV
#define SHIM_ENOMEM VMI_ENOMEM
#define SHIM_EBUSY VMI_EBUSY
#define SHIM_ERANGE VMI_ERANGE
#define SHIM_ENOSYS VMI_ENOSYS
#define SHIM_ETIMEDOUT VMI_ETIMEDOUT

/* ---- instructions ------------------------------------------------------
 * <hw/x86.h>, the one copy the kernel uses too. MSRs: only ones whose
 * presence CPUID has shown (IA32_APIC_BASE with CPUID.1:EDX.APIC,
 * IA32_TSC_DEADLINE with CPUID.1:ECX[24]). A #GP there could not be fixed
 * up: the kernel's exception table does not cover the shim, which is why
 * READ_MSR and WRITE_MSR are ABSENT (header.S). */
#include <hw/x86.h>

/* Interrupts off around a read-modify-write of a device register or an
 * index/data register pair, so that a call entered again from an
 * interrupt handler cannot interleave with it (abi.h: calls may be
 * re-entered). That is all a register of this CPU's own (its local APIC)
 * needs; one every CPU reaches (an IOAPIC, the 8259s) takes a lock too. */
static inline unsigned long irq_save(void)
{
    unsigned long f = x86_read_flags();
    x86_cli();
    return f;
}

static inline void irq_restore(unsigned long f)
{
    x86_write_flags(f);
}

/* A spinlock taken with interrupts off (so that a handler on the same CPU
 * cannot deadlock against the holder), for device registers every CPU
 * reaches. */
typedef volatile u32 shim_lock_t;

static inline unsigned long shim_lock(shim_lock_t *l)
{
    unsigned long f = irq_save();
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(l, __ATOMIC_RELAXED))
            x86_pause();
    return f;
}

static inline void shim_unlock(shim_lock_t *l, unsigned long f)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
    irq_restore(f);
}

/* ---- arithmetic without libgcc ------------------------------------------
 * Nothing is linked with the shim, and i386 has no 64-bit division
 * instruction or 128-bit type: the run-time paths multiply only
 * (mul_u64_u32_shr), and divisions happen once, at set-up (div_u64). */
u64 div_u64(u64 n, u64 d);

/* (a * mult) >> shift, keeping all 96 bits of the product; shift <= 32. */
static inline u64 mul_u64_u32_shr(u64 a, u32 mult, unsigned shift)
{
    u64 lo = (u64)(u32)a * mult;
    u64 hi = (a >> 32) * mult;
    /* (hi * 2^32 + lo) >> shift, exactly, because shift <= 32 */
    return (hi << (32 - shift)) + (lo >> shift);
}

/* A rate conversion as mult/shift: out = in * to / from, mult < 2^32. */
struct scale {
    u32 mult;
    unsigned shift;
};
struct scale scale_between(u64 from, u64 to);

/* ---- state shared between files (all of it in the data section) -------- */

struct shim_cpu {
    u32 max_leaf;          /* CPUID.0:EAX */
    bool pae;              /* i386: entries are 8 bytes (CPUID.1:EDX[6]) */
    bool tsc_deadline;     /* CPUID.1:ECX[24] */
    bool hypervisor;       /* CPUID.1:ECX[31] */
};
extern struct shim_cpu shim_cpu;

/* The kernel's services (abi.h), copied at init; the two of ABI 1.2 are
 * NULL under a kernel older than that (which cannot start CPUs through
 * the shim, so nothing else needs them). */
extern void *(VMI_CC *shim_map_phys)(uint64_t pa, unsigned long len);
extern void *(VMI_CC *shim_alloc_page)(uint64_t below);
extern int (VMI_CC *shim_page_exec)(void *page, int exec);
void shim_log(const char *msg);

/* A line for the kernel's log, built without a formatter library. */
struct line {
    char s[96];
    unsigned n;
};
static inline void line_init(struct line *l) { l->n = 0; }
void line_str(struct line *l, const char *s);
void line_dec(struct line *l, u64 v);
void line_hex(struct line *l, u64 v);
void line_log(struct line *l);

/* ---- internal interfaces between the groups ---------------------------- */
void uart_init(void);
u64 rtc_read_unix(void);   /* seconds since 1970 by the CMOS clock, 0 if nonsense */
volatile u32 *lapic_regs(void);
void lapic_write(unsigned reg, u32 v);
u32 lapic_read(unsigned reg);
int lapic_send(u32 apic_id, u32 cmd);   /* an IPI, ICR low half `cmd` (apic.c) */
/* A CPU the shim starts, on the kernel's tables and stack (vcpu.c): its
 * local APIC and timer as APIC_INIT and TIME_INIT left the boot CPU's. */
void lapic_init_this_cpu(void);
void timer_init_this_cpu(void);
bool time_ready(void);   /* TIME_INIT ran: shim_clock_ns counts */
/* The APIC id of the kernel's CPU `cpu` (vcpu.c), 0 or -EINVAL. */
int cpu_apic_id(unsigned cpu, u32 *apic_id);

/* Local APIC registers and bits: <hw/lapic.h>. */
#include <hw/lapic.h>

/* The kernel's platform-op signatures (include/proteus/pvops.h), one per
 * entry point; header.S puts their offsets in the call table. */
struct cpuid_regs { u32 eax, ebx, ecx, edx; };
struct desc_ptr;

int SHIM_CALL shim_init(const struct vmi_services *services);

void SHIM_CALL shim_cpuid(u32 leaf, u32 sub, struct cpuid_regs *out);
unsigned long SHIM_CALL shim_read_cr0(void);
void SHIM_CALL shim_write_cr0(unsigned long v);
unsigned long SHIM_CALL shim_read_cr2(void);
unsigned long SHIM_CALL shim_read_cr4(void);
void SHIM_CALL shim_write_cr4(unsigned long v);
unsigned long SHIM_CALL shim_read_dr(int reg);
void SHIM_CALL shim_write_dr(int reg, unsigned long v);
void SHIM_CALL shim_load_gdt(const struct desc_ptr *p);
void SHIM_CALL shim_load_idt(const struct desc_ptr *p);
void SHIM_CALL shim_load_tr(u16 sel);
void SHIM_CALL shim_load_ldt(const void *base, unsigned entries);
void SHIM_CALL shim_write_gdt_entry(void *table, unsigned idx, const void *desc);
void SHIM_CALL shim_write_ldt_entry(void *table, unsigned idx, const void *desc);
void SHIM_CALL shim_write_idt_entry(void *table, unsigned vec, const void *gate);
void SHIM_CALL shim_set_kernel_stack(unsigned long sp0);
u32 SHIM_CALL shim_io_in(u16 port, int size);
void SHIM_CALL shim_io_out(u16 port, int size, u32 v);
int SHIM_CALL shim_read_msr(u32 msr, u64 *out);   /* msr.S */
int SHIM_CALL shim_write_msr(u32 msr, u64 v);

void SHIM_CALL shim_set_entry(void *entryp, u64 v);   /* i386: SET_PTE..P4D */
u64 SHIM_CALL shim_read_entry(const void *entryp);
u64 SHIM_CALL shim_read_pt_base(void);
void SHIM_CALL shim_write_pt_base(u64 root);
void SHIM_CALL shim_flush_tlb_one(unsigned long va);
void SHIM_CALL shim_flush_tlb_all(void);
void SHIM_CALL shim_flush_tlb_global(void);

int SHIM_CALL shim_apic_init(void);
void SHIM_CALL shim_apic_eoi(unsigned vector);
int SHIM_CALL shim_apic_route_irq(unsigned isa_irq, unsigned vector);
void SHIM_CALL shim_apic_mask_irq(unsigned isa_irq, bool masked);
int SHIM_CALL shim_apic_send_ipi(unsigned cpu, unsigned vector);
u32 SHIM_CALL shim_apic_cpu_id(void);

int SHIM_CALL shim_time_init(void);
u64 SHIM_CALL shim_clock_ns(void);
u64 SHIM_CALL shim_wallclock_at_boot_ns(void);
void SHIM_CALL shim_arm_oneshot(u64 deadline_ns);
u64 SHIM_CALL shim_tsc_hz(void);

unsigned SHIM_CALL shim_vcpu_count(void);
int SHIM_CALL shim_vcpu_start(unsigned cpu, const void *info);
int SHIM_CALL shim_vcpu_start_ap(unsigned cpu, const struct vmi_ap_state *state);

void SHIM_CALL shim_console_init(void);
void SHIM_CALL shim_console_write(const char *buf, size_t len);
int SHIM_CALL shim_console_read(char *buf, size_t len);

void SHIM_CALL shim_exit(int status) __attribute__((noreturn));

/* ACPI (acpi.c): what the MADT says about device interrupts and the
 * processors. */
#define SHIM_MAX_IOAPICS 8
#define SHIM_MAX_ISOS 16
#define SHIM_MAX_CPUS 64
struct madt_ioapic {
    u32 addr, gsi_base;
};
struct madt_iso {
    u8 source;      /* ISA IRQ */
    u16 flags;      /* MPS INTI flags: polarity bits 1:0, trigger bits 3:2 */
    u32 gsi;
};
struct madt_info {
    unsigned n_ioapics, n_isos;
    struct madt_ioapic ioapic[SHIM_MAX_IOAPICS];
    struct madt_iso iso[SHIM_MAX_ISOS];
    /* The enabled processors in table order, each APIC id once; those the
     * shim cannot start (an id xAPIC mode cannot address, more than
     * SHIM_MAX_CPUS) are only counted. */
    unsigned n_cpus, cpus_left_out;
    u8 cpu[SHIM_MAX_CPUS];
};
int acpi_read_madt(struct madt_info *m);
const struct madt_info *shim_madt(void);   /* APIC_INIT's reading (apic.c), or NULL */

#endif
