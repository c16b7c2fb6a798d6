/*
 * Which hypervisors announce themselves through CPUID, and what they offer.
 * A hypervisor that emulates a PC says so in CPUID.1:ECX[31] and describes
 * itself in blocks of leaves from 0x40000000 upward, 0x100 apart; several
 * may be present at once (Xen or QEMU/KVM put a Hyper-V block first for
 * Windows and move their own to 0x40000100). The kernel records every block
 * once at boot; the personality table, the mixing rule (kernel/mixing.c)
 * and `monitor` read the record. Linux's
 * Documentation/virt/kvm/x86/cpuid.rst.
 */
#ifndef ARCH_HYPERVISOR_H
#define ARCH_HYPERVISOR_H

#include <proteus/types.h>

enum hv_kind { HV_UNKNOWN, HV_KVM, HV_XEN, HV_HYPERV, HV_VMWARE, HV_TCG };

#define HV_FIRST_BASE 0x40000000u
#define HV_LAST_BASE 0x4000ff00u
#define HV_STEP 0x100u
#define HV_MAX 8   /* blocks recorded; real hypervisors show one to three */

struct hv_block {
    u32 base;          /* the block's first leaf */
    u32 max_leaf;      /* highest leaf in it (absolute, >= base) */
    enum hv_kind kind;
    char signature[13];   /* EBX ECX EDX, NUL-terminated; NULs inside shown as such */
    u32 features;      /* base+1 EAX where the block has it: KVM's feature bits, */
    u32 hints;         /* Xen's version; base+1 EDX: KVM's hint bits */
};

struct hv_info {
    bool cpuid_bit;    /* CPUID.1:ECX[31] */
    unsigned n;
    struct hv_block b[HV_MAX];
    unsigned dropped;  /* blocks beyond HV_MAX */
};

/* How CPUID is executed: raw on hardware, through the cpu ops later. */
typedef void (*hv_cpuid_fn)(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d);

/* Scan every block from HV_FIRST_BASE to HV_LAST_BASE. Pure: host-tested
 * with a table standing in for the CPU. */
void hv_scan(hv_cpuid_fn cpuid, struct hv_info *out);
const char *hv_kind_name(enum hv_kind k);
/* Names of the set bits of a KVM feature word ("clocksource2 pv_eoi ...")
 * into buf; returns buf. */
const char *hv_kvm_feature_names(u32 features, char *buf, size_t len);

/* KVM's feature bits (base+1 EAX), Linux Documentation/virt/kvm/x86/cpuid.rst. */
#define KVM_FEATURE_CLOCKSOURCE 0
#define KVM_FEATURE_NOP_IO_DELAY 1
#define KVM_FEATURE_CLOCKSOURCE2 3
#define KVM_FEATURE_ASYNC_PF 4
#define KVM_FEATURE_STEAL_TIME 5
#define KVM_FEATURE_PV_EOI 6
#define KVM_FEATURE_PV_UNHALT 7
#define KVM_FEATURE_PV_TLB_FLUSH 9
#define KVM_FEATURE_PV_SEND_IPI 11
#define KVM_FEATURE_POLL_CONTROL 12
#define KVM_FEATURE_PV_SCHED_YIELD 13
#define KVM_FEATURE_MSI_EXT_DEST_ID 15
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT 24

/* The record of this machine, made once by hypervisor_detect(). */
extern struct hv_info hypervisors;
/* At personality selection (kernel/platform.c): raw CPUID before any
 * personality is installed, the cpu op after one (Xen PV's entry path). */
void hypervisor_detect(void);
void hypervisor_print(void);       /* one line per block, at boot and in monitor */
/* The first block of kind `k`, or NULL. */
const struct hv_block *hypervisor_find(enum hv_kind k);

#endif
