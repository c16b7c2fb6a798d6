/*
 * Reading a pvclock (include/proteus/pvclock.h). The multiply keeps 96 bits
 * (mul_u64_u32_shr), so a scale read on i386 gives the same nanoseconds as
 * on x86_64. Every field comes from the hypervisor and is range-checked
 * before the arithmetic can go wrong with it.
 */
#include <proteus/errno.h>
#include <proteus/pvclock.h>
#include <proteus/range.h>
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
            return pvclock_scale_ok(out->mul, out->shift) ? 0 : -ERANGE;
    }
    return -EAGAIN;
}

/* Ticks scaled by the shift, saturating rather than losing bits (a shift
 * beyond the type is the hypervisor's mistake, not undefined behaviour). */
static u64 shift_ticks(u64 ticks, s8 shift)
{
    if (shift < 0)
        return shift > -64 ? ticks >> -shift : 0;
    if (!ticks)
        return 0;
    if (shift >= 64 || ticks > (~0ULL >> shift))
        return ~0ULL;
    return ticks << shift;
}

/*T:675 A pvclock reading: the formula beside struct pvclock_time_info
 * (include/proteus/pvclock.h) with its edges made safe, the same for Xen
 * and kvmclock. The TSC delta is taken modulo 2^64 and read as signed, as
 * Xen's and Linux's readers do: the host's tsc_timestamp may be
 * "negative" (Xen 4.17 has handed out 2^64 - 893791031 while the TSC read
 * 1282947970), and a TSC read a little before the record was taken gives a small
 * negative delta, not a huge positive one. */
u64 pvclock_ns(const struct pvclock_snapshot *s, u64 tsc)
{
    s64 delta = (s64)(tsc - s->tsc_timestamp);
    u64 ticks = shift_ticks(delta < 0 ? -(u64)delta : (u64)delta, s->shift);
    u64 ns = mul_u64_u32_shr(ticks, s->mul, 32);
    if (delta >= 0)
        return ns < ~0ULL - s->system_time ? s->system_time + ns : ~0ULL;
    return ns < s->system_time ? s->system_time - ns : 0;
}

u64 pvclock_tsc_hz(u32 mul, s8 shift)
{
    if (!pvclock_scale_ok(mul, shift))
        return 0;
    u64 hz = (NSEC_PER_SEC << 32) / mul;
    if (shift >= 0)
        return hz >> shift;
    return shl_checked(hz, (unsigned)-shift, &hz) ? hz : 0;
}
