/*
 * Wait queues, mutexes and condition variables on top of the scheduler's
 * block and wake (kernel/sched.c). Each object's own spinlock orders
 * sleepers and wakers, so a wakeup between "decide to sleep" and "sleep"
 * cannot be lost: the sleeper is on the queue before the lock drops.
 */
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/sync.h>
#include <proteus/thread.h>
#include "sched_internal.h"

void waitq_init(struct waitq *q)
{
    list_init(&q->waiters);
}

void waitq_sleep(struct waitq *q, spinlock_t *lock)
{
    sched_block_on(&q->waiters, lock);
}

bool waitq_sleep_until(struct waitq *q, spinlock_t *lock, u64 deadline)
{
    return sched_block_on_until(&q->waiters, lock, deadline);
}

bool waitq_wake_one(struct waitq *q)
{
    return sched_wake_from(&q->waiters);
}

unsigned waitq_wake_all(struct waitq *q)
{
    unsigned n = 0;
    while (sched_wake_from(&q->waiters))
        n++;
    return n;
}

void mutex_init(struct mutex *m, bool recursive)
{
    m->lock = (spinlock_t)SPINLOCK_INIT;
    m->owner = NULL;
    m->depth = 0;
    m->recursive = recursive;
    waitq_init(&m->waiters);
}

void mutex_lock(struct mutex *m)
{
    struct thread *self = thread_current();
    unsigned long f = spin_lock_irqsave(&m->lock);
    if (m->owner == self && m->recursive) {
        m->depth++;
    } else {
        if (m->owner == self)
            printk("mutex: thread '%s' locks a mutex it holds: deadlock\n", thread_name(self));
        while (m->owner)
            waitq_sleep(&m->waiters, &m->lock);
        m->owner = self;
        m->depth = 1;
    }
    spin_unlock_irqrestore(&m->lock, f);
}

bool mutex_trylock(struct mutex *m)
{
    struct thread *self = thread_current();
    bool ok = false;
    unsigned long f = spin_lock_irqsave(&m->lock);
    if (!m->owner) {
        m->owner = self;
        m->depth = 1;
        ok = true;
    } else if (m->owner == self && m->recursive) {
        m->depth++;
        ok = true;
    }
    spin_unlock_irqrestore(&m->lock, f);
    return ok;
}

/* The wake-up's IPI, if any, is left for the caller to send once it holds
 * no spinlock (sched_wake_from_deferred). */
static int mutex_release(struct mutex *m)
{
    struct thread *self = thread_current();
    unsigned long f = spin_lock_irqsave(&m->lock);
    if (m->owner != self) {
        spin_unlock_irqrestore(&m->lock, f);
        printk("mutex: thread '%s' unlocks a mutex it does not hold\n", thread_name(self));
        return -EPERM;
    }
    if (--m->depth == 0) {
        m->owner = NULL;
        sched_wake_from_deferred(&m->waiters.waiters);
    }
    spin_unlock_irqrestore(&m->lock, f);
    return 0;
}

int mutex_unlock(struct mutex *m)
{
    unsigned long f = irq_save();
    int err = mutex_release(m);
    sched_send_wakeups();
    irq_restore(f);
    return err;
}

void condvar_init(struct condvar *c)
{
    c->lock = (spinlock_t)SPINLOCK_INIT;
    waitq_init(&c->waiters);
}

/* The caller must hold `m`: waiting releases it. */
static bool holds(struct mutex *m, const char *what)
{
    if (READ_ONCE(m->owner) == thread_current())
        return true;
    printk("condvar: thread '%s' calls %s without holding the mutex: refused\n",
           thread_name(thread_current()), what);
    return false;
}

int condvar_wait(struct condvar *c, struct mutex *m)
{
    if (!holds(m, "condvar_wait"))
        return -EPERM;
    unsigned long f = spin_lock_irqsave(&c->lock);
    /* Registered as a waiter before the mutex is released: a signal sent
     * right after the release finds us. */
    unsigned depth = m->depth;
    m->depth = 1;
    mutex_release(m);   /* its wake-up goes out as this thread blocks */
    waitq_sleep(&c->waiters, &c->lock);
    spin_unlock_irqrestore(&c->lock, f);
    mutex_lock(m);
    m->depth = depth;
    return 0;
}

int condvar_wait_until(struct condvar *c, struct mutex *m, u64 deadline)
{
    if (!holds(m, "condvar_wait_until"))
        return -EPERM;
    unsigned long f = spin_lock_irqsave(&c->lock);
    unsigned depth = m->depth;
    m->depth = 1;
    mutex_release(m);   /* its wake-up goes out as this thread blocks */
    bool woken = waitq_sleep_until(&c->waiters, &c->lock, deadline);
    spin_unlock_irqrestore(&c->lock, f);
    mutex_lock(m);
    m->depth = depth;
    return woken ? 0 : -ETIMEDOUT;
}

void condvar_signal(struct condvar *c)
{
    unsigned long f = spin_lock_irqsave(&c->lock);
    sched_wake_from_deferred(&c->waiters.waiters);
    spin_unlock(&c->lock);
    sched_send_wakeups();
    irq_restore(f);
}

void condvar_broadcast(struct condvar *c)
{
    unsigned long f = spin_lock_irqsave(&c->lock);
    while (sched_wake_from_deferred(&c->waiters.waiters))
        ;
    spin_unlock(&c->lock);
    sched_send_wakeups();
    irq_restore(f);
}
