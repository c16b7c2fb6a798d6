/*
 * The paravirtual clock both Xen and KVM publish: per vCPU, a TSC value,
 * the system time in nanoseconds at that TSC, and the scale from TSC ticks
 * to nanoseconds, updated by the hypervisor under a version counter that is
 * odd while it writes (Xen's public xen.h, struct
 * vcpu_time_info; KVM's Documentation/virt/kvm/x86/msr.rst, the same
 * layout). Pure code (lib/pvclock.c), host-tested.
 */
#ifndef PROTEUS_PVCLOCK_H
#define PROTEUS_PVCLOCK_H

#include <proteus/types.h>

/*T:670 The record Xen keeps in each vCPU's vcpu_info (struct
 * vcpu_time_info, xen/include/public/xen.h) and KVM writes where the guest
 * asked (MSR_KVM_SYSTEM_TIME_NEW, Linux Documentation/virt/kvm/x86/msr.rst):
 * the same 32 bytes. The hypervisor samples its own clock now and then and
 * writes what the guest needs to extrapolate from it with the TSC alone:
 *   time = system_time + ((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul >> 32
 * (a negative tsc_shift shifts right). So a read costs no exit, and the
 * rate is the hypervisor's word, never the guest's measurement. The
 * version is odd while it writes: a reader copies the fields between two
 * reads of an even, unchanged version (pvclock_snapshot). */
struct pvclock_time_info {
    u32 version;            /* odd while the hypervisor updates */
    u32 pad0;
    u64 tsc_timestamp;      /* TSC when system_time was taken */
    u64 system_time;        /* ns since the hypervisor's epoch (boot) */
    u32 tsc_to_system_mul;  /* ns per tick as a 0.32 fixed-point fraction ... */
    s8 tsc_shift;           /* ... applied after shifting the ticks by this */
    u8 flags;
    u8 pad[2];
} __packed;
BUILD_BUG_ON(sizeof(struct pvclock_time_info) != 32);

#define PVCLOCK_TSC_STABLE (1u << 0)     /* TSC agrees across vCPUs */
#define PVCLOCK_GUEST_STOPPED (1u << 1)  /* the guest was paused (KVM) */

struct pvclock_snapshot {
    u64 tsc_timestamp, system_time;
    u32 mul;
    s8 shift;
    u8 flags;
};

/* The scale fields a clock can have: a non-zero multiplier and a shift
 * that keeps the arithmetic defined. Whether the rate they describe is
 * one a TSC can have is for tsc_hz_plausible() (timekeeping.h). */
#define PVCLOCK_SHIFT_MIN (-32)
#define PVCLOCK_SHIFT_MAX 32
static inline bool pvclock_scale_ok(u32 mul, s8 shift)
{
    return mul && shift >= PVCLOCK_SHIFT_MIN && shift <= PVCLOCK_SHIFT_MAX;
}

/* Copy a consistent set of fields: the version even and the same before
 * and after. -EAGAIN if no such read happened in `tries` attempts (a
 * version that stays odd is a broken hypervisor, not a slow one);
 * -ERANGE if the consistent record has a scale no clock can have
 * (pvclock_scale_ok). */
int pvclock_snapshot(const volatile struct pvclock_time_info *src, struct pvclock_snapshot *out,
                     unsigned tries);
/* The system time at TSC value `tsc`: the delta from the snapshot's TSC is
 * signed (modulo 2^64), so a TSC a little before it gives a time a little
 * before system_time (never below 0); a delta too large for the scale
 * saturates instead of wrapping. */
u64 pvclock_ns(const struct pvclock_snapshot *s, u64 tsc);
/* The TSC rate the scale describes, in Hz; 0 for a scale that fails
 * pvclock_scale_ok. */
u64 pvclock_tsc_hz(u32 mul, s8 shift);

#endif
