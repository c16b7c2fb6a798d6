/*
 * Per-CPU data. Each CPU's area starts with a pointer to itself and is
 * reached through the GS segment (x86_64: the GS base; i386: a GDT segment
 * whose base is the area), so this_cpu() is one load on every CPU.
 */
#ifndef PROTEUS_PERCPU_H
#define PROTEUS_PERCPU_H

#include <proteus/types.h>
#include <arch/tss.h>

struct thread;

#define MAX_CPUS 16

struct cpu_local {
    struct cpu_local *self;    /* must stay first: this_cpu() reads %gs:0 */
    unsigned id;               /* kernel's CPU number */
    unsigned irq_depth;        /* nesting of interrupt handlers */
    bool in_panic;
    bool need_resched;         /* the time slice ran out */
    struct thread *current;    /* the thread running on this CPU */
    struct thread *idle;
    void *reent;               /* current's newlib reentrancy structure */
    struct tss tss;
};

extern struct cpu_local cpu_locals[MAX_CPUS];

static inline struct cpu_local *this_cpu(void)
{
    struct cpu_local *c;
    __asm__("mov %%gs:0, %0" : "=r"(c));
    return c;
}

/* Point this CPU's GS at its area (arch/x86/percpu.c). */
void percpu_init(unsigned cpu);

#endif
