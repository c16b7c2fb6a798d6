/*
 * What the scheduler (kernel/sched.c) offers the rest of the kernel's core
 * and nothing else: the block and wake on a list that wait queues, mutexes
 * and condition variables are built on (kernel/sync.c), and the current
 * thread's LDT (kernel/ldt.c). Apps and drivers use include/proteus/sync.h
 * and include/proteus/ldt.h instead.
 */
#ifndef KERNEL_SCHED_INTERNAL_H
#define KERNEL_SCHED_INTERNAL_H

#include <arch/desc.h>
#include <proteus/list.h>
#include <proteus/spinlock.h>
#include <proteus/types.h>

/* Queue the current thread on `waiters` and sleep; `lock` (held on entry)
 * is dropped once the thread is queued and is held again on return. */
void sched_block_on(struct list *waiters, spinlock_t *lock);
/* The same with a deadline (0: none); false if it ran out first. */
bool sched_block_on_until(struct list *waiters, spinlock_t *lock, u64 deadline);
/* Wake the first thread queued on `waiters`; false if there was none. */
bool sched_wake_from(struct list *waiters);
/* The same, leaving the reschedule IPI it may need for
 * sched_send_wakeups() (or this CPU's next scheduler operation or
 * interrupt exit): for a caller that drops its own lock first. With
 * interrupts off until then. */
bool sched_wake_from_deferred(struct list *waiters);
void sched_send_wakeups(void);

/* This CPU's idle thread, on a CPU other than the boot CPU (kernel/smp.c),
 * then, once the CPU is online, its idle loop: it takes threads. */
void sched_init_cpu(void);
__noreturn void sched_run_cpu(void);
/* Before a CPU is started after the boot (smp_start_cpu): what the
 * scheduler needs to wake threads on it, the reschedule IPI, if no CPU
 * but the boot CPU ran until now. 0, or the registration's error. */
int sched_prepare_cpu_start(void);

/* The current thread's LDT, created on first use when `create`; NULL if it
 * has none (or no memory: *err = -ENOMEM). *used counts its entries. */
struct seg_desc *sched_current_ldt(bool create, unsigned **used, int *err);

#endif
