/* Access to each CPU's GDT (arch/x86/desc.c), for LDT loading and `monitor`. */
#ifndef ARCH_PERCPU_GDT_H
#define ARCH_PERCPU_GDT_H
#include <arch/desc.h>
struct seg_desc *cpu_gdt(unsigned cpu);
void cpu_set_ldt_desc(unsigned cpu, const void *base, unsigned entries);
#endif
