/*
 * The xen-pv personality: chosen by its entry point (xenpv_entry), never
 * by a probe, because under PV plain CPUID may show the host's values
 * (Xen's public arch-x86/cpuid.h). It starts from the native tables and
 * replaces every group: what stays native is only what a PV guest may do
 * itself (reading the TSC and MSRs, port I/O where Xen allows it), and
 * call sites of those are still patched to the native instructions.
 */
#include "xen.h"
#include <arch/cpu.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/vm.h>
#include "../native/native.h"


static bool xen_probe(void)
{
    return false;
}

static bool xen_install(void)
{
    struct pv_ops over = {
        .cpu = xen_cpu_ops,
        .irq = xen_irq_ops,
        .mmu = xen_mmu_ops,
        .apic = xen_evtchn_ops,
        .time = xen_time_ops,
        .vcpu = xen_vcpu_ops,
        .console = xen_is_dom0() ? xen_console_ops : xen_console_ring_ops,
        .power = xen_power_ops,
    };
    pv_ops_merge(&over);
    return true;
}

/* The GDT (through set_gdt), the per-CPU base, and the trap table built
 * from the IDT the kernel describes (pv/xen/cpu.c). dom0 gets its I/O
 * privilege first, for the ports Xen lets it use. */
static void xen_setup_cpu(void)
{
    if (xen_is_dom0()) {
        struct physdev_set_iopl iopl = { .iopl = 1 };
        long err = xen_hypercall(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, &iopl, 0);
        if (err)
            printk("xen: PHYSDEVOP_set_iopl failed: %s (%ld); no port I/O\n",
                   xen_errno_name(err), err);
    }
    cpu_gdt_init(0);
    percpu_init(0);
    idt_init();
}

/* The frame allocator, then Xen's page tables extended to all RAM. */
static void xen_setup_memory(const struct memmap *m)
{
    page_alloc_init(m);
    vm_adopt(m, read_pt_base());
    desc_paging_ready();
}

const struct personality xen_pv_personality = {
    .name = "xen-pv",
    .probe = xen_probe,
    .install = xen_install,
    .setup_cpu = xen_setup_cpu,
    .setup_memory = xen_setup_memory,
    .setup_firmware = NULL,
    .patch = native_patch,
};
