/*T:970
 * PV EOI, KVM's extension of the local APIC it emulates, as an offered
 * interface (include/proteus/offer.h). Every EOI write to an emulated
 * APIC is an exit; with PV EOI the guest registers a 32-bit word
 * (MSR_KVM_PV_EOI_EN), and when the host injects an interrupt that needs
 * no exit at EOI (edge triggered, nothing else in service or waiting) it
 * sets bit 0 there. The guest's EOI then tests and clears the bit, and
 * only if it was clear writes the APIC's EOI register. Test and clear must
 * be one instruction (btr), because the host may clear the bit at any
 * moment; no lock prefix, as the host touches it only while this vCPU is
 * stopped (Linux Documentation/virt/kvm/x86/msr.rst, MSR_KVM_PV_EOI_EN).
 *
 * It is the native controller plus one optimisation, not a second
 * controller: PIC-mode vectors, which never enter the local APIC, take the
 * native path untouched, and a host that never sets the bit costs one btr.
 */
#include "kvm.h"
#include "../native/native.h"
#include <proteus/errno.h>
#include <proteus/offer.h>
#include <proteus/percpu.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/vm.h>

/*T:590 What PV EOI changes in this chapter's path: nothing up to the
 * handler's apic_eoi, which under KVM is kvm_eoi (below) laid over
 * native_eoi. When KVM injected the serial byte's vector as an edge with
 * nothing else in service or waiting, it set bit 0 of this vCPU's word;
 * kvm_eoi clears it with one btr and returns, and the EOI register is not
 * written, so the exit that write would cost is saved (KVM ends the
 * interrupt in its emulated APIC itself). With the bit clear the native
 * EOI follows. `monitor`'s `hv` prints how many EOIs went each way
 * (kvm_eoi_skipped, kvm_eoi_written).
 *
 * One word per vCPU: the host sets the bit in the word of the vCPU it
 * injected into. A CPU whose registration failed keeps a word the host
 * never sets, and writes every EOI. */
static u32 pv_eoi_word[MAX_CPUS] __aligned(64);
static bool pv_eoi_on;
u64 kvm_eoi_skipped, kvm_eoi_written;

bool kvm_pv_eoi_active(void)
{
    return pv_eoi_on;
}

static bool pv_eoi_probe(void)
{
    return kvm_offers(KVM_FEATURE_PV_EOI);
}

static int register_word(unsigned cpu)
{
    paddr_t pa = virt_to_phys_direct(&pv_eoi_word[cpu]);
    pv_eoi_word[cpu] = 0;
    int err = wrmsr_safe(MSR_KVM_PV_EOI_EN, pa | KVM_MSR_ENABLED);
    if (err)   /* always correct without it: every EOI is written */
        printk("apic: writing MSR_KVM_PV_EOI_EN (0x%x) = 0x%llx on CPU %u failed: %s (%d); its "
               "EOIs are written\n", MSR_KVM_PV_EOI_EN, (unsigned long long)(pa | 1), cpu,
               errno_name(err), err);
    return err;
}

/* Started once the native controller runs (the mixing rule lays this
 * offer over no other): in PIC mode no vector enters the local APIC, and
 * there is nothing to add. */
static int pv_eoi_start(void)
{
    if (native_pic_mode())
        return -ENODEV;
    int err = register_word(0);
    if (!err)
        pv_eoi_on = true;
    return err;
}

static int pv_eoi_start_cpu(unsigned cpu)
{
    return register_word(cpu);
}

/*T:975 Installed only once the MSR write took: no test of a flag here.
 * The whole trick is the early return: when the bit was set, the EOI
 * that the controller's owner would have made is not made, and KVM ends
 * the interrupt in its emulated APIC by itself, the next time it looks.
 * That is sound only where the owner of apic.eoi is
 * native_ops.apic.eoi, whose EOI is exactly the write to KVM's emulated
 * register. Under another personality the EOI op is that personality's
 * (the VMI shim's APIC_EOI call, Xen's nothing-to-do): skipping it would
 * leave whatever that controller keeps believing the interrupt is still
 * in service, while KVM's APIC, below, thinks it ended. */
static PVOP_ABI void kvm_eoi(unsigned vector)
{
    bool was_set;
    u32 *word = &pv_eoi_word[this_cpu()->id];
    __asm__ __volatile__("btrl $0, %0" : "+m"(*word), "=@ccc"(was_set) : : "memory");
    if (was_set) {
        kvm_eoi_skipped++;
        return;
    }
    kvm_eoi_written++;
    native_ops.apic.eoi(vector);
}

const struct offer kvm_pv_eoi_offer = {
    .name = "pv-eoi",
    .kind = OFFER_APIC_EXTENSION,
    .probe = pv_eoi_probe,
    .start = pv_eoi_start,
    .start_cpu = pv_eoi_start_cpu,
    .ops.apic.eoi = kvm_eoi,
};
