/*
 * What the KVM personality and KVM's offered interfaces let the rest of
 * the image see: the descriptors for the tables in pv/table.c, and for
 * apps (selftest, kvmcheck, monitor) whether PV EOI and steal time run and
 * what they counted, the hypercall with its result codes, and the
 * clock-pairing check. The rest is private to pv/kvm/ (pv/kvm/kvm.h
 * includes this).
 * KVM's interfaces: Linux Documentation/virt/kvm/x86/msr.rst and
 * hypercalls.rst; result codes from include/uapi/linux/kvm_para.h.
 */
#ifndef INCLUDE_PV_KVM_H
#define INCLUDE_PV_KVM_H

#include <arch/hypervisor.h>
#include <proteus/types.h>

/* Hypercalls: number in RAX, arguments in RBX, RCX, RDX, RSI; result in
 * RAX. Negative results are Linux errno values, or -1000 for "no such
 * hypercall". */
#define KVM_HC_CLOCK_PAIRING 9
#define KVM_HC_SEND_IPI 10
#define KVM_ENOSYS 1000
#define KVM_EPERM 1
#define KVM_EFAULT 14
#define KVM_EOPNOTSUPP 95
/* Not KVM's: the kernel's result for a hypercall instruction that raised
 * #UD or #PF in the guest instead of reaching the host (pv/kvm/hypercall.c). */
#define KVM_HC_TRAPPED 2000
#define KVM_HC_TRAPPED_STR "2000"

struct personality;
struct offer;
extern const struct personality kvm_personality;
/* KVM's interfaces as offers (include/proteus/offer.h): any personality
 * whose mixing rule accepts them may use them, the kvm personality all. */
extern const struct offer kvmclock_offer, kvm_pv_eoi_offer, kvm_steal_time_offer,
    kvm_pv_ipi_offer, kvm_pv_tlb_flush_offer;

/* The KVM block KVM's interfaces are taken from (arch/hypervisor.h): the
 * first in CPUID's hypervisor range, or NULL. */
extern const struct hv_block *kvm_block;

/* vmcall on Intel, vmmcall on AMD and Hygon; the instruction's name; a
 * result's name (KVM_ENOSYS, EOPNOTSUPP, "trapped", ...). */
long kvm_hypercall2(unsigned long nr, unsigned long a0, unsigned long a1);
long kvm_hypercall4(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2,
                    unsigned long a3);
const char *kvm_hypercall_insn(void);
const char *kvm_hc_error_name(long ret);
/* The host's realtime against kvmclock through KVM_HC_CLOCK_PAIRING:
 * 0 with the difference (host minus kernel wall clock, ns) in *diff_ns, or
 * the hypercall's negative result. */
long kvm_clock_pairing_check(s64 *diff_ns);

/* PV EOI: whether it runs, and how many EOIs it skipped (the host set the
 * bit) and wrote since boot. */
/* Whether the host set kvmclock's stable bit (pv/kvm/kvmclock.c): only
 * then does the clock follow the TSC exactly across the host's updates. */
bool kvmclock_stable(void);
extern u64 kvm_eoi_skipped, kvm_eoi_written;
bool kvm_pv_eoi_active(void);

/* Whether steal time is registered (apps read it with proteus_steal_ns). */
bool kvm_steal_time_active(void);

/* PV IPI and PV TLB flush: IPIs sent by hypercall, and TLB flushes left
 * to the host for a vCPU it had preempted (no IPI sent to it). */
extern unsigned long kvm_ipis_sent, kvm_flushes_left_to_host;

#endif
