/*T:790
 * PV IPI, KVM's way to send an IPI without writing the emulated APIC's
 * interrupt command register (an exit, and under xAPIC two register
 * writes), as an offered interface (include/proteus/offer.h):
 * KVM_HC_SEND_IPI takes a bitmap of destination APIC ids, the lowest id
 * the bitmap starts at, and the ICR's low word (Linux
 * Documentation/virt/kvm/x86/hypercalls.rst, 8; cpuid.rst,
 * KVM_FEATURE_PV_SEND_IPI). The kernel sends to one CPU at a time, so the
 * bitmap is one bit: bit 0, starting at the target's APIC id. The host
 * answers how many vCPUs it delivered to.
 *
 * Like PV EOI it is laid over the native controller only (the mixing rule),
 * whose map from kernel CPU number to APIC id it uses. It replaces
 * apic.send_ipi, the fixed IPIs a running CPU gets (VEC_IPI_CALL, the
 * reschedule and stop IPIs), and nothing of starting one: the INIT and
 * STARTUP IPIs of pv/native/vcpu.c still go through the ICR (lapic_send),
 * before any offer has run on the new vCPU.
 */
#include "kvm.h"
#include "../native/native.h"
#include <drivers/lapic.h>
#include <proteus/errno.h>
#include <proteus/offer.h>
#include <proteus/printk.h>

unsigned long kvm_ipis_sent;

static bool pv_ipi_probe(void)
{
    return kvm_offers(KVM_FEATURE_PV_SEND_IPI);
}

static int pv_ipi_start(void)
{
    return 0;
}

static PVOP_ABI int kvm_send_ipi(unsigned cpu, unsigned vector)
{
    u32 apic_id;
    if (vector < 32 || vector > 255 || native_cpu_apic_id(cpu, &apic_id))
        return -EINVAL;
    long ret = kvm_hypercall4(KVM_HC_SEND_IPI, 1, 0, apic_id, ICR_DM_FIXED | vector);
    if (ret == 1) {
        __atomic_fetch_add(&kvm_ipis_sent, 1, __ATOMIC_RELAXED);
        return 0;
    }
    /* 0: no vCPU has that APIC id; below 0: the host refused */
    printk("kvm: KVM_HC_SEND_IPI of vector 0x%x to CPU %u (APIC id %u) answered %ld (%s)\n",
           vector, cpu, apic_id, ret, ret < 0 ? kvm_hc_error_name(ret) : "delivered to none");
    return ret < 0 ? -EIO : -ENODEV;
}

const struct offer kvm_pv_ipi_offer = {
    .name = "pv-ipi",
    .kind = OFFER_IPI,
    .probe = pv_ipi_probe,
    .start = pv_ipi_start,
    .ops.apic.send_ipi = kvm_send_ipi,
};
