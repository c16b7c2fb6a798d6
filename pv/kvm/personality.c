/*
 * The KVM personality: native hardware, as KVM emulates it, plus the
 * paravirtual interfaces KVM offers in its CPUID block where they beat the
 * emulated device: kvmclock instead of a calibrated TSC, PV EOI on the
 * native APIC, and steal time. Everything else (descriptor tables, page
 * tables, the serial console, power) is the native code unchanged, because
 * KVM runs it at hardware speed already.
 *
 * Chosen when CPUID shows KVM's signature in any block (it moves to
 * 0x40000100 behind Hyper-V enlightenments) offering at least one of the
 * interfaces it uses; each is then used exactly when offered (without
 * kvmclock the clock is the native TSC one, pv/kvm/kvmclock.c). A KVM
 * block offering none of them, QEMU's `-cpu ...,kvm=off` (which hides the
 * signature) and TCG's own signature all boot native.
 */
#include "kvm.h"
#include "../native/native.h"
#include <proteus/format.h>
#include <proteus/personality.h>
#include <proteus/printk.h>

const struct hv_block *kvm_block;

/* A block without leaf base+1 has a feature word of 0 (hv_scan), so the
 * one bit test covers it too. */
const struct hv_block *kvm_clock_block(void)
{
    const struct hv_block *b = hypervisor_find(HV_KVM);
    return b && (b->features & (1u << KVM_FEATURE_CLOCKSOURCE2)) ? b : NULL;
}

#define KVM_USED_FEATURES                                                                     \
    ((1u << KVM_FEATURE_CLOCKSOURCE2) | (1u << KVM_FEATURE_PV_EOI) |                          \
     (1u << KVM_FEATURE_STEAL_TIME))

static bool kvm_probe(void)
{
    const struct hv_block *b = hypervisor_find(HV_KVM);
    if (b && !(b->features & KVM_USED_FEATURES))
        platform_note("kvm: KVM at 0x%08x offers none of kvmclock, PV EOI and steal time "
                      "(features 0x%x): booting native", b->base, b->features);
    kvm_block = b && (b->features & KVM_USED_FEATURES) ? b : NULL;
    return kvm_block;
}

static bool kvm_install(void)
{
    /* kvm_time_ops is whole (its ops hand on to the native ones when
     * kvmclock does not start); kvm_apic_ops only the EOI and init. */
    struct pv_ops over = { .time = kvm_time_ops, .apic = kvm_apic_ops };
    pv_ops_merge(&over);
    return true;
}

static char detail[16];

static const char *kvm_detail(void)
{
    /* where the block is when it is not the usual place */
    if (kvm_block->base == HV_FIRST_BASE)
        return NULL;
    ksnprintf(detail, sizeof(detail), "0x%08x", kvm_block->base);
    return detail;
}

const struct personality kvm_personality = {
    .name = "kvm",
    .probe = kvm_probe,
    .install = kvm_install,
    .detail = kvm_detail,
    .setup_cpu = native_setup_cpu,
    .setup_memory = native_setup_memory,
    .setup_firmware = native_setup_firmware,
    .patch = native_patch,
};
