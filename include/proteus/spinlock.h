/*
 * Spinlocks. Single CPU today, but every shared structure takes its lock
 * from the start so that SMP needs no rewrite. The _irqsave forms also
 * keep an interrupt handler on this CPU from deadlocking against the holder.
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

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long flags = irq_save();
    spin_lock(l);
    return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
    spin_unlock(l);
    irq_restore(flags);
}

#endif
