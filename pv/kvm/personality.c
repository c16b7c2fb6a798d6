/*
 * The KVM personality: native hardware, as KVM emulates it, with every
 * paravirtual interface KVM offers in its CPUID block mixed in where it
 * beats the emulated device: kvmclock instead of a calibrated TSC, PV EOI
 * on the native APIC, steal time, PV TLB flush and PV IPIs. Those are
 * offers (pv/kvm/kvmclock.c, apic.c, steal.c, ipi.c;
 * include/proteus/offer.h), started and patched in by the
 * kernel's mixing rule; this personality's own part is to accept them all.
 * Everything else (descriptor tables, page tables, the serial console,
 * power, the timer) is the native code unchanged, because KVM runs it at
 * hardware speed already.
 *
 * Chosen when CPUID shows KVM's signature in any block (it moves to
 * 0x40000100 behind Hyper-V enlightenments) offering at least one of the
 * interfaces; each is then used exactly when offered (without kvmclock
 * the clock is the native TSC one). A KVM block offering none of them,
 * QEMU's `-cpu ...,kvm=off` (which hides the signature) and TCG's own
 * signature all boot native.
 */
#include "kvm.h"
#include "../native/native.h"
#include <proteus/format.h>
#include <proteus/personality.h>
#include <proteus/printk.h>

const struct hv_block *kvm_block;

bool kvm_offers(unsigned feature)
{
    const struct hv_block *b = hypervisor_find(HV_KVM);
    if (b)
        kvm_block = b;
    return b && (b->features & (1u << feature));
}

#define KVM_USED_FEATURES                                                                     \
    ((1u << KVM_FEATURE_CLOCKSOURCE2) | (1u << KVM_FEATURE_PV_EOI) |                          \
     (1u << KVM_FEATURE_STEAL_TIME))

/*T:250 A probe, in full: it looks only at the record hypervisor_detect made
 * (no CPUID of its own, nothing written to the machine), answers yes or no,
 * and says why in a note where the answer may surprise, since the console
 * is not up yet (platform_note: the notes are printed right after
 * console_init). No means the table goes on: on KVM, to native. */
static bool kvm_probe(void)
{
    const struct hv_block *b = hypervisor_find(HV_KVM);
    if (b && !(b->features & KVM_USED_FEATURES)) {
        platform_note("kvm: KVM at 0x%08x offers none of kvmclock, PV EOI and steal time "
                      "(features 0x%x): booting native", b->base, b->features);
        return false;
    }
    if (b && !(b->features & (1u << KVM_FEATURE_CLOCKSOURCE2)))
        platform_note("kvm: no kvmclock offered (features 0x%x): the native TSC clock instead",
                      b->features);
    kvm_block = b;
    return b;
}

/*T:930 The kvm personality is native plus KVM's offers, so it takes every
 * kind: kvmclock for the clock, PV EOI over the native local APIC (an
 * EOI without an exit), steal time, PV IPI (an IPI, or a set of them, in
 * one hypercall) and PV TLB flush (a preempted vCPU flushed by the host
 * instead of waited for). Each is mixed into one native device class
 * that stays whole: KVM emulates the hardware the native code drives, and
 * every one of these extends exactly that emulated hardware. */
static bool kvm_accepts(enum offer_kind kind)
{
    return true;   /* all of KVM's: that is what this personality is */
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
    .detail = kvm_detail,
    .firmware_tables = true,
    .pci = true,
    .patch = native_patch,
    .accepts = kvm_accepts,
};
