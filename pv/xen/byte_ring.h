/*
 * The producer's half of the byte rings Xen's PV protocols share (the
 * console's output ring, io/console.h; xenstore's request ring,
 * io/xs_wire.h): a power-of-two array with free-running 32-bit indices,
 * the producer's written by this side and the consumer's by the other
 * domain. Each index is loaded once into a local, and the consumer's is
 * checked: one more than a ring's size behind the producer means the
 * other side wrote nonsense, and nothing is written.
 */
#ifndef PV_XEN_BYTE_RING_H
#define PV_XEN_BYTE_RING_H

#include <proteus/errno.h>
#include <proteus/types.h>

/* Barriers between the data and the index that publishes it (x86 keeps
 * stores in order and loads in order; only the compiler must be told). */
#define ring_barrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)

/* Up to `len` bytes into `ring` of `size` bytes: the count written (0
 * when full), or -EIO when *cons is not within `size` behind *prod. */
static inline long byte_ring_put(volatile char *ring, u32 size, volatile u32 *prodp,
                                 const volatile u32 *consp, const char *buf, size_t len)
{
    u32 cons = *consp, prod = *prodp;
    ring_barrier();
    if (prod - cons > size)
        return -EIO;
    size_t n = 0;
    while (n < len && prod - cons < size)
        ring[prod++ & (size - 1)] = buf[n++];
    ring_barrier();   /* the bytes before the index that says they are there */
    *prodp = prod;
    return (long)n;
}

#endif
