/*
 * Blocking synchronisation between threads: wait queues, mutexes (plain
 * or recursive, the kind newlib's locks need) and condition variables.
 * All may block, so none may be used from an interrupt handler.
 */
#ifndef PROTEUS_SYNC_H
#define PROTEUS_SYNC_H

#include <proteus/list.h>
#include <proteus/spinlock.h>

struct thread;

struct waitq {
    struct list waiters;
};

#define WAITQ_INIT(name) { LIST_INIT((name).waiters) }
void waitq_init(struct waitq *q);
/* Sleep on `q`. `lock` is held (taken with spin_lock_irqsave, interrupts
 * off) on entry and on return; it is released while asleep. */
void waitq_sleep(struct waitq *q, spinlock_t *lock);
/* The same, giving up at `deadline` (clock_ns; 0: never): false if it did. */
bool waitq_sleep_until(struct waitq *q, spinlock_t *lock, u64 deadline);
/* Wake one or all sleepers; callable with interrupts off (also from an
 * interrupt handler, which never sleeps itself). */
bool waitq_wake_one(struct waitq *q);
unsigned waitq_wake_all(struct waitq *q);

struct mutex {
    spinlock_t lock;
    struct thread *owner;
    unsigned depth;      /* recursive acquisitions */
    bool recursive;
    struct waitq waiters;
};

/* A plain mutex defined statically, usable before any code runs. */
#define MUTEX_INIT(name) { SPINLOCK_INIT, NULL, 0, false, WAITQ_INIT((name).waiters) }
void mutex_init(struct mutex *m, bool recursive);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
/* -EPERM if the caller does not hold it (reported, not fatal). */
int mutex_unlock(struct mutex *m);

struct condvar {
    spinlock_t lock;
    struct waitq waiters;
};

void condvar_init(struct condvar *c);
/* Release `m`, wait for a signal, take `m` again. -EPERM (and nothing
 * changed) if the caller does not hold `m`. */
int condvar_wait(struct condvar *c, struct mutex *m);
/* The same, giving up at `deadline` (clock_ns): 0, or -ETIMEDOUT, with
 * `m` held again either way; -EPERM as above. */
int condvar_wait_until(struct condvar *c, struct mutex *m, u64 deadline);
void condvar_signal(struct condvar *c);
void condvar_broadcast(struct condvar *c);

#endif
