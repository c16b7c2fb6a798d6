/*
 * Pointing GS at a CPU's per-CPU area. x86_64 sets the GS base MSR; i386
 * loads the GDT segment whose base is the area (set up in desc.c).
 */
#include <proteus/percpu.h>
#include <proteus/pvops.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <arch/desc.h>
#include <arch/x86.h>

void percpu_init(unsigned cpu)
{
    struct cpu_local *c = &cpu_locals[cpu];
    if (IS_ENABLED(CONFIG_64BIT)) {
        int err = wrmsr_safe(MSR_GS_BASE, (u64)(uintptr_t)c);
        if (err)
            panic("percpu: writing MSR_GS_BASE (0x%x) failed: %s (%d)", MSR_GS_BASE,
                  errno_name(err), err);
    } else {
        __asm__ __volatile__("mov %0, %%gs" ::"r"((u16)PERCPU_SEL) : "memory");
    }
    if (this_cpu() != c)
        panic("percpu: GS does not reach CPU %u's area", cpu);
}
