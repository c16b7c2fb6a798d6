/*
 * lib/pvclock.c against any time record a hypervisor may publish (Xen's
 * vcpu_time_info, KVM's kvmclock: the same 32 bytes, include/proteus/
 * pvclock.h): any version, TSC time stamp, system time, multiplier and
 * shift, read at any TSC.
 *
 * Input: the 32-byte record, then u64 TSC values to read it at (up to 8).
 *
 * Invariants (the arithmetic must never be undefined: UBSan runs too):
 *   - pvclock_snapshot accepts exactly the records with an even version
 *     and a scale pvclock_scale_ok allows, and copies their fields;
 *   - pvclock_tsc_hz is 0 for a scale that is not allowed, and otherwise
 *     agrees with a 128-bit reference (saturating at 0 on overflow);
 *   - pvclock_ns agrees with a 128-bit reference of the signed delta
 *     (modulo 2^64, scaled, saturating at 0 and 2^64 - 1), and never goes
 *     backwards as the TSC moves forward from the time stamp.
 */
/* fuzz-sources: lib/pvclock.c */
#include "fuzz.h"

#include <proteus/errno.h>
#include <proteus/pvclock.h>

typedef unsigned __int128 u128;

static uint64_t reference_ns(const struct pvclock_snapshot *s, uint64_t tsc)
{
    int64_t delta = (int64_t)(tsc - s->tsc_timestamp);
    u128 ticks = delta < 0 ? -(uint64_t)delta : (uint64_t)delta;
    if (s->shift < 0)
        ticks = s->shift > -64 ? ticks >> -s->shift : 0;
    else if (ticks && (s->shift >= 64 || (ticks << s->shift) > UINT64_MAX))
        ticks = UINT64_MAX;
    else
        ticks <<= s->shift;
    u128 ns = (ticks * s->mul) >> 32;
    if (delta >= 0) {
        u128 t = (u128)s->system_time + ns;
        return t >= UINT64_MAX ? UINT64_MAX : (uint64_t)t;
    }
    return ns < s->system_time ? s->system_time - (uint64_t)ns : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    struct pvclock_time_info t;
    size_t got;
    const uint8_t *rec = fuzz_bytes(&in, sizeof(t), &got);
    memset(&t, 0, sizeof(t));
    memcpy(&t, rec, got);

    struct pvclock_snapshot s;
    int err = pvclock_snapshot(&t, &s, 3);
    bool ok_scale = t.tsc_to_system_mul && t.tsc_shift >= PVCLOCK_SHIFT_MIN &&
                    t.tsc_shift <= PVCLOCK_SHIFT_MAX;
    if (t.version & 1)
        FUZZ_CHECK(err == -EAGAIN, "odd version %u gave %d", t.version, err);
    else
        FUZZ_CHECK(err == (ok_scale ? 0 : -ERANGE), "mul %u shift %d gave %d",
                   t.tsc_to_system_mul, t.tsc_shift, err);
    if (!err)
        FUZZ_CHECK(s.tsc_timestamp == t.tsc_timestamp && s.system_time == t.system_time &&
                   s.mul == t.tsc_to_system_mul && s.shift == t.tsc_shift && s.flags == t.flags,
                   "the snapshot differs from the record");

    uint64_t hz = pvclock_tsc_hz(t.tsc_to_system_mul, t.tsc_shift);
    if (!ok_scale) {
        FUZZ_CHECK(hz == 0, "rate %llu Hz from a refused scale", (unsigned long long)hz);
    } else {
        u128 ref = ((u128)1000000000 << 32) / t.tsc_to_system_mul;
        ref = t.tsc_shift >= 0 ? ref >> t.tsc_shift : ref << -t.tsc_shift;
        FUZZ_CHECK(hz == (ref > UINT64_MAX ? 0 : (uint64_t)ref), "rate %llu Hz",
                   (unsigned long long)hz);
    }

    /* the reader takes any snapshot, even one the checks would refuse */
    s = (struct pvclock_snapshot){ t.tsc_timestamp, t.system_time, t.tsc_to_system_mul,
                                   t.tsc_shift, t.flags };
    uint64_t prev_tsc = s.tsc_timestamp, prev_ns = pvclock_ns(&s, prev_tsc);
    for (int i = 0; i < 8 && fuzz_left(&in) >= 8; i++) {
        uint64_t tsc = fuzz_u64(&in);
        uint64_t ns = pvclock_ns(&s, tsc);
        FUZZ_CHECK(ns == reference_ns(&s, tsc), "at TSC %#llx: %llu ns, reference %llu",
                   (unsigned long long)tsc, (unsigned long long)ns,
                   (unsigned long long)reference_ns(&s, tsc));
        /* forward from the time stamp (both deltas non-negative, in order) */
        if ((int64_t)(tsc - s.tsc_timestamp) >= 0 && (int64_t)(prev_tsc - s.tsc_timestamp) >= 0 &&
            tsc - s.tsc_timestamp >= prev_tsc - s.tsc_timestamp)
            FUZZ_CHECK(ns >= prev_ns, "time went back: %llu after %llu",
                       (unsigned long long)ns, (unsigned long long)prev_ns);
        prev_tsc = tsc;
        prev_ns = ns;
    }
    return 0;
}
