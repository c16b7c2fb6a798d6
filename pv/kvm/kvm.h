/*
 * The KVM personality's private declarations: the MSRs of KVM's
 * paravirtual interfaces (Linux Documentation/virt/kvm/x86/msr.rst and
 * hypercalls.rst), and what its files export to each other and to the
 * mixing rule. What apps may see is <pv/kvm.h>, included here.
 */
#ifndef PV_KVM_H
#define PV_KVM_H

#include <arch/hypervisor.h>
#include <proteus/pvops.h>
#include <pv/kvm.h>

/* KVM's own MSR range, 0x4b564d00-0x4b564dff ("KVM" + n). */
#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00u   /* PA of struct kvm_wall_clock */
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01u  /* PA of a pvclock | 1 to enable */
#define MSR_KVM_STEAL_TIME 0x4b564d03u       /* PA (64-byte aligned) | 1 */
#define MSR_KVM_PV_EOI_EN 0x4b564d04u        /* PA (4-byte aligned) | 1 */
#define KVM_MSR_ENABLED 1u

/* Filled by the host at the moment the MSR is written: the Unix time at
 * KVM system time 0, under the same odd/even version as a pvclock. */
struct kvm_wall_clock {
    u32 version;
    u32 sec;
    u32 nsec;
} __packed;

/* Steal time (msr.rst, MSR_KVM_STEAL_TIME): 64 bytes, 64-byte aligned. */
struct kvm_steal_time {
    u64 steal;          /* ns runnable but not running; idle time excluded */
    u32 version;        /* odd while the host updates */
    u32 flags;
    u8 preempted;
    u8 pad0[3];
    u32 pad[11];
} __packed;
BUILD_BUG_ON(sizeof(struct kvm_steal_time) != 64);
/* `preempted` (msr.rst): the host sets KVM_VCPU_PREEMPTED when it takes the
 * vCPU off a CPU; a guest that adds KVM_VCPU_FLUSH_TLB meanwhile has the
 * host flush the vCPU's TLB before it runs again (cpuid.rst,
 * KVM_FEATURE_PV_TLB_FLUSH). */
#define KVM_VCPU_PREEMPTED (1u << 0)
#define KVM_VCPU_FLUSH_TLB (1u << 1)
/* steal.c: a vCPU's steal-time structure, for the PV TLB flush. */
struct kvm_steal_time *kvm_steal_time_of(unsigned cpu);

/* KVM_HC_CLOCK_PAIRING's answer: the host's realtime at a TSC value. */
struct kvm_clock_pairing {
    s64 sec;
    s64 nsec;
    u64 tsc;
    u32 flags;
    u32 pad[9];
} __packed;
#define KVM_CLOCK_PAIRING_WALLCLOCK 0

/* Does KVM offer this feature (KVM_FEATURE_*, leaf base+1 EAX)? Sets
 * kvm_block to the block found. A block without leaf base+1 has a feature
 * word of 0 (hv_scan), so the one bit test covers it too. */
bool kvm_offers(unsigned feature);
static inline bool kvm_has(unsigned feature)
{
    return kvm_block && (kvm_block->features & (1u << feature));
}

/* hypercall.c (the rest of its interface is in <pv/kvm.h>) */
void kvm_clock_pairing_report(void);   /* at boot: the result, by name */

/* kvmclock.c: the clock's wall clock and its reading at a TSC value, for
 * the clock-pairing check (the clock itself is kvmclock_offer). */
PVOP_ABI u64 kvmclock_wallclock_at_boot_ns(void);
u64 kvmclock_ns_at_tsc(u64 tsc);

#endif
