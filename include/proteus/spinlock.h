/*
 * Spinlocks: test-and-set with a read-only wait, for locks held a few
 * hundred instructions at most. The _irqsave forms also keep an interrupt
 * handler on this CPU from deadlocking against the holder; the plain forms
 * are for code that already runs with interrupts off (handlers, the
 * scheduler's inner parts). The order in which the kernel's locks nest is
 * written down in docs/smp.md.
 */
#ifndef PROTEUS_SPINLOCK_H
#define PROTEUS_SPINLOCK_H

#include <proteus/types.h>
#include <proteus/pvops.h>

typedef struct {
    volatile u32 locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (READ_ONCE(l->locked))
            __asm__ __volatile__("pause");
}

static inline bool spin_trylock(spinlock_t *l)
{
    return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* While the lock is busy, wait with interrupts as the caller had them:
 * an interrupt that comes meanwhile is taken at once instead of waiting
 * for the holder (its handler may even want the lock, which is fine: this
 * CPU does not hold it yet). It also spares emulators a vCPU that spins
 * with an interrupt pending and interrupts off: QEMU's TCG then takes its
 * global lock on every PAUSE, and the lock holder, which needs that lock
 * for any device register it touches, can wait on it for ever. */
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long flags = irq_save();
    while (!spin_trylock(l)) {
        irq_restore(flags);
        while (READ_ONCE(l->locked))
            __asm__ __volatile__("pause");
        irq_save();
    }
    return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    irq_restore(flags);
}

#endif
