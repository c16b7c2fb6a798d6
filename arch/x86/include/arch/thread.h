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
/* Lay out a new stack so that the first switch to it enters
 * thread_first_run(); returns the initial saved stack pointer. */
unsigned long arch_thread_stack_init(unsigned long top);

void fpu_init(void);                   /* after cpu_enable_fpu(): the clean state */
void fpu_init_state(void *area);       /* a new thread's state: the clean one */
void fpu_save(void *area);
void fpu_restore(const void *area);

#endif
