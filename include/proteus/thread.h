/*
 * Kernel threads: each with its own stack (an unmapped guard page below
 * it), its own FPU/SSE state and its own newlib reentrancy structure, all
 * switched on a context switch. Threads run on every CPU (kernel/sched.c
 * says how they are shared out). Scheduling is round-robin; preemption by
 * a 10 ms time slice can be turned on and off (off by default: a unikernel
 * app usually prefers to decide when it yields).
 */
#ifndef PROTEUS_THREAD_H
#define PROTEUS_THREAD_H

#include <proteus/types.h>

struct thread;
typedef void *(*thread_fn)(void *arg);

#define THREAD_NAME_MAX 24
#define THREAD_DEFAULT_STACK_PAGES 16

/* A new runnable thread, or NULL with *err = -ENOMEM (no memory for its
 * stack or state), -EAGAIN (every stack slot is in use: too many threads
 * alive) or -EINVAL (no function, or a stack of 0 pages or larger than
 * the stack window). */
struct thread *thread_create(const char *name, thread_fn fn, void *arg, size_t stack_pages,
                             int *err);
/* Wait for `t` to end; its return value (or thread_exit's) goes to *ret.
 * Frees the thread. -EINVAL for joining oneself or a thread already
 * joined or being joined. */
int thread_join(struct thread *t, void **ret);
__noreturn void thread_exit(void *ret);
void thread_yield(void);
void thread_sleep_until(u64 deadline_ns);
struct thread *thread_current(void);
const char *thread_name(const struct thread *t);
u64 thread_id(const struct thread *t);

/* When no thread is runnable, no timer is pending and no thread waits for
 * an interrupt, nothing can ever run again: the idle thread reports a
 * deadlock (with every thread's state) and ends the machine with
 * PANIC_EXIT_STATUS instead of halting forever. A thread that blocks until
 * an interrupt handler wakes it, with no timer armed (console input
 * delivered by interrupt, a device, an event channel), brackets the wait
 * with these, so that the quiet is not taken for a deadlock. They nest
 * and may be called from any thread; not from an interrupt handler. */
void sched_waiting_for_irq_begin(void);
void sched_waiting_for_irq_end(void);

/* Affinity: the CPUs a thread may run on, bit n for CPU n, or
 * THREAD_ANY_CPU (the default: any CPU, and those started later). Bits of
 * CPUs that are not online are dropped; -EINVAL if none is left. The
 * current thread, no longer allowed where it runs, moves at once; another
 * thread running elsewhere moves at its next switch. */
#define THREAD_ANY_CPU (~0u)
int thread_set_affinity(struct thread *t, u32 cpus);
/* thread_create with its affinity set before it can run anywhere. */
struct thread *thread_create_on(const char *name, thread_fn fn, void *arg, size_t stack_pages,
                                u32 cpus, int *err);
u32 thread_affinity(const struct thread *t);
unsigned thread_cpu(const struct thread *t);   /* where it runs, or last ran */

void thread_set_preemption(bool on);
bool thread_preemption(void);
extern u64 thread_switches;   /* context switches since boot */

/* For `monitor`: visit every thread, with interrupts off. */
struct thread_info {
    u64 id;
    const char *name;
    const char *state;
    unsigned long stack_top;
    size_t stack_pages;
    u64 switches_in;
};
void thread_for_each(void (*fn)(const struct thread_info *ti, void *ctx), void *ctx);

/* The boot CPU's stack from boot step 4 on, which its idle thread keeps:
 * BOOT_CPU_STACK_PAGES from the stack window, guarded like every other
 * (kernel/main.c, leave_boot_stack). The other CPUs' idle threads keep
 * the stack they were started on (kernel/smp.c). */
#define BOOT_CPU_STACK_PAGES 4
extern vaddr_t boot_cpu_stack_top;

/* Boot: make the boot context the idle thread and run `main` as the first
 * thread. Never returns. */
__noreturn void sched_start(thread_fn main_fn, void *arg, size_t stack_pages);
/* Called on the way out of an interrupt (arch/x86/traps.c). */
void sched_preempt_point(bool interrupted_with_irqs_on);

#endif
