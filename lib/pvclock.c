/*
 * Reading a pvclock (include/proteus/pvclock.h). The multiply keeps 96 bits
 * (mul_u64_u32_shr), so a scale read on i386 gives the same nanoseconds as
 * on x86_64.
 */
#include <proteus/errno.h>
#include <proteus/pvclock.h>
#include <proteus/timekeeping.h>

int pvclock_snapshot(const volatile struct pvclock_time_info *src, struct pvclock_snapshot *out,
                     unsigned tries)
{
    while (tries--) {
        u32 v = src->version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        out->tsc_timestamp = src->tsc_timestamp;
        out->system_time = src->system_time;
        out->mul = src->tsc_to_system_mul;
        out->shift = src->tsc_shift;
        out->flags = src->flags;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (!(v & 1) && src->version == v)
            return 0;
    }
    return -EAGAIN;
}

u64 pvclock_ns(const struct pvclock_snapshot *s, u64 tsc)
{
    u64 delta = tsc > s->tsc_timestamp ? tsc - s->tsc_timestamp : 0;
    if (s->shift >= 0)
        delta <<= s->shift;
    else
        delta >>= -s->shift;
    return s->system_time + mul_u64_u32_shr(delta, s->mul, 32);
}

u64 pvclock_tsc_hz(u32 mul, s8 shift)
{
    if (!mul)
        return 0;
    u64 hz = (NSEC_PER_SEC << 32) / mul;
    return shift >= 0 ? hz >> shift : hz << -shift;
}
