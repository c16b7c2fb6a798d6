/*
 * The architecture's part of a thread: its initial stack, the switch, and
 * the FPU/SSE state that every thread owns (the kernel itself never
 * touches FPU registers, so the state is purely the app's).
 */
#ifndef ARCH_THREAD_H
#define ARCH_THREAD_H

#include <proteus/types.h>

/* fxsave needs 512 bytes, 16-byte aligned (SDM Vol. 1, 10.5.1); fnsave
 * (CPUs without FXSR) needs 108. */
#define FPU_STATE_SIZE 512

void arch_switch_stack(unsigned long *save_sp, unsigned long new_sp);
/* Run fn on the stack ending at top; fn never returns. */
__noreturn void arch_run_on_stack(unsigned long top, void (*fn)(void));
/* Lay out a new stack so that the first switch to it enters
 * thread_first_run(); returns the initial saved stack pointer. */
unsigned long arch_thread_stack_init(unsigned long top);

/* A thread's %fs selector (an app may load an LDT selector into it): read
 * at a switch away, loaded at a switch back; an unloadable one (its LDT
 * entry was cleared) becomes the default. */
static inline u16 arch_read_fs(void)
{
    u16 s;
    __asm__ __volatile__("mov %%fs, %0" : "=r"(s));
    return s;
}
int arch_load_fs(u16 selector);   /* arch/x86/probe.S */
#define ARCH_DEFAULT_FS (IS_ENABLED(CONFIG_64BIT) ? 0 : 0x10)   /* i386: KERNEL_DS */

void fpu_init(void);                   /* after cpu_enable_fpu(): the clean state */
void fpu_init_state(void *area);       /* a new thread's state: the clean one */
void fpu_save(void *area);
void fpu_restore(const void *area);

#endif
