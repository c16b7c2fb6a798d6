/*
 * CPU features Proteus cares about, read once at boot from CPUID
 * (SDM Vol. 2A, CPUID: leaf 1 ECX/EDX, leaf 0x80000001 EDX), and the arch
 * set-up calls made by the boot sequence.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <proteus/types.h>

struct cpu_features {
    char vendor[13];
    char brand[49];
    u32 family, model, stepping;
    u32 max_leaf, max_ext_leaf;
    bool fpu, tsc, msr, pae, pse, apic, pge, fxsr, sse, sse2;
    bool x2apic, tsc_deadline, hypervisor;
    bool nx, lm, invariant_tsc, pse36;
    unsigned phys_bits;   /* MAXPHYADDR */
};

extern struct cpu_features cpu_features;

void cpu_detect(void);          /* fill cpu_features */
void cpu_enable_fpu(void);      /* x87 and SSE for the app */
void cpu_tables_init(unsigned cpu);  /* native: GDT, TSS, per-CPU segment */
void cpu_gdt_init(unsigned cpu);     /* the GDT alone (any personality) */
struct desc_ptr;
void cpu_gdt_build(unsigned cpu, struct desc_ptr *gdtr);   /* written, not loaded */
void idt_init(void);           /* the IDT (arch/x86/desc.c) */
void idt_load(void);           /* the same IDT on another CPU */
void desc_paging_ready(void);  /* after vm_init: guard pages, the #DF task's page tables */
void cpu_ap_init(unsigned cpu);  /* a started CPU's own tables, IDT and FPU (arch/x86/cpu.c) */

/* Vectors. 0-31 are exceptions; device interrupts start at 0x20. */
#define VEC_IRQ_BASE 0x20      /* legacy ISA IRQ n -> 0x20 + n */
#define VEC_TIMER 0xf0         /* the one-shot platform timer */
#define VEC_DEBUG_REQUEST 0xf1 /* a hypervisor asks for a state dump (Xen VIRQ_DEBUG) */
#define VEC_CONSOLE_EVENT 0xf2 /* a paravirtual console has input (Xen) */
#define VEC_IPI_CALL 0xf3      /* another CPU asks this one to run a function (kernel/smp.c) */
#define VEC_IPI_STOP 0xf4      /* a fatal error elsewhere: halt (kernel/smp.c) */
#define VEC_IPI_RESCHED 0xf5   /* a thread this CPU may run was queued (kernel/sched.c) */
#define VEC_XENSTORE 0xf6      /* xenstored answered or a watch fired (Xen PV domU) */
#define VEC_SPURIOUS 0xff

typedef void (*irq_handler_t)(unsigned vector, void *ctx);
int irq_register(unsigned vector, irq_handler_t fn, void *ctx, const char *name);
void irq_dispatch(unsigned vector);
int irq_unregister(unsigned vector);
const char *irq_name(unsigned vector);
extern u64 irq_counts[256];
extern u64 spurious_count;

#endif
