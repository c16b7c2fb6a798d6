/*
 * The xen-pv personality: chosen by its entry point (xenpv_entry), never
 * by a probe, because under PV plain CPUID may show the host's values
 * (Xen's public arch-x86/cpuid.h). It starts from the native tables and
 * replaces every group: what stays native is only what a PV guest may do
 * itself (reading the TSC and MSRs, port I/O where Xen allows it), and
 * call sites of those are still patched to the native instructions.
 */
#include "xen.h"
#include <pv/xenbus.h>
#include <proteus/cmdline.h>
#include <proteus/options.h>
#include <pv/xen_grant.h>
#include <pv/xenstore.h>
#include <arch/cpu.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/pvpatch.h>
#include <proteus/vm.h>
#include "../native/native.h"


static bool xen_probe(void)
{
    return false;
}

static const struct pv_ops *xen_install(void)
{
    static struct pv_ops over;
    over = (struct pv_ops){
        .cpu = xen_cpu_ops,
        .irq = xen_irq_ops,
        .mmu = xen_mmu_ops,
        .apic = xen_evtchn_ops,
        .time = xen_time_ops,
        .vcpu = xen_vcpu_ops,
        .console = xen_is_dom0() ? xen_console_ops : xen_console_ring_ops,
        .power = xen_power_ops,
    };
    return &over;
}

/* The GDT (through set_gdt) and the per-CPU base; the kernel then builds
 * the IDT, from which pv/xen/cpu.c makes Xen's trap table. dom0 gets its
 * I/O privilege first, for the ports Xen lets it use. */
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
    xen_percpu_ready = true;   /* xen_vcpu() may ask this_cpu() from now on */
}

/*
 * Keep the page tables Xen built rather than build new ones: they are
 * pinned and in use, and a new tree would need every table page made
 * read-only and validated before it is referenced. The kernel extends them
 * (vm_adopt): the rest of RAM at VA == pseudo-physical address with 4 KiB
 * pages (PV guests take no large pages), as the frame allocator reaches
 * it, each entry a mmu_update that Xen checks. Xen maps everything from
 * VA 0 to the bootstrap stack and at least 512 KiB more (Xen's public
 * xen.h, "Start-of-day memory layout", point 7), so the first new tables
 * come from frames that are mapped already. Some data pages are read-only
 * by then for Xen's sake (the GDT), so the image's protections only ever
 * tighten.
 */
static paddr_t xen_page_tables(paddr_t *mapped_end)
{
    /* mmu_batch=off: every page-table update goes to Xen alone, as if no
     * lazy section existed, so that a student can count what batching
     * saves (docs/tour/400-page-table-write.md). Read here, the first
     * step after the command line whose page-table work it changes. */
    if (!kernel_option_bool("mmu_batch", true)) {
        xen_mmu_set_batching(false);
        printk("xen: mmu_batch=off: page-table updates are not batched\n");
    }
    *mapped_end = xen_bootstrap_end + 512 * 1024;
    return read_pt_base();
}

/* The grant table; a domU's xenstore, its own domain id from it, then
 * what the toolstack asks through it, and the devices it gave (xenbus). */
static void xen_start_services(void)
{
    xen_grant_table_init();
    if (xen_is_dom0()) {
        xen_domid = 0;
        return;
    }
    if (xenstore_init())
        return;
    char id[16];
    u64 v;
    int n = xenstore_read(XS_NO_TRANSACTION, "domid", id, sizeof(id));
    if (n > 0 && !cmdline_parse_uint(id, 1, DOMID_FIRST_RESERVED - 1, &v))
        xen_domid = (domid_t)v;
    else
        printk("xen: this domain's id is unknown: xenstore's domid gave %d%s%s\n", n,
               n > 0 ? ", " : "", n > 0 ? id : "");
    xen_p2m_frame_list_setup();   /* said if it fails: only xl save needs it */
    xen_control_init();
    xenbus_scan();   /* the split devices: here, not at step 9b, as xenstore needs threads */
}

/* Native's call-site directives, and one of Xen PV's own: an event is
 * acknowledged by clearing its pending bit before its handler runs
 * (pv/xen/events.c, handle_port), so the EOI op does nothing and its
 * sites become a NOP rather than a call to an empty function. */
static void xen_patch(u32 offset, void *impl, struct pvpatch_directive *d)
{
    if (offset == (u32)PVOP_OFF(apic.eoi) && impl == (void *)xen_evtchn_ops.eoi) {
        d->kind = PVPATCH_NOP;
        return;
    }
    native_patch(offset, impl, d);
}

/*T:945 No accepts: nothing is mixed into Xen PV. Its clock is Xen's own
 * pvclock in vcpu_info, its interrupt controller is event channels, its
 * page tables are Xen's to validate; there is no emulated local APIC for
 * PV EOI or PV IPI to extend, and no KVM to offer them: the hypervisor
 * leaves are read through Xen's forced-emulation CPUID
 * (platform_select_entry), which shows Xen's. Every device class is
 * whole Xen, and an offer found anyway would be refused. */
const struct personality xen_pv_personality = {
    .name = "xen-pv",
    .probe = xen_probe,
    .install = xen_install,
    .setup_cpu = xen_setup_cpu,
    .adopt_page_tables = xen_page_tables,
    .firmware_tables = false,
    .start_services = xen_start_services,
    .patch = xen_patch,
};
