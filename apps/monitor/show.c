/*
 * What the monitor shows: each command reads the kernel's own structures
 * through their interfaces and prints them for a reader learning how the
 * machine is set up.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/hypervisor.h>
#include <arch/desc.h>
#include <arch/paging.h>
#include <arch/percpu_gdt.h>
#include <drivers/ioapic.h>
#include <drivers/lapic.h>
#include <proteus/bootinfo.h>
#include <proteus/ksyms.h>
#include <proteus/ldt.h>
#include <proteus/personality.h>
#include <proteus/pvops.h>
#include <proteus/pvpatch.h>
#include <proteus/thread.h>
#include <proteus/vm.h>
#include <pv/kvm.h>
#include <pv/vmi.h>
#include <pv/xen.h>
#include <proteus/device.h>
#include <proteus/netdev.h>
#include "monitor.h"

int cmd_platform(int argc, char **argv)
{
    printf("personality  %s\n", platform_current()->name);
    printf("boot         %s, paging %s, NX %s\n", boot_protocol(), vm_paging_name(),
           vm_nx_enabled() ? "on" : "off");
    printf("cpu          %s (%s), family %u model %u stepping %u\n", cpu_features.brand,
           cpu_features.vendor, cpu_features.family, cpu_features.model, cpu_features.stepping);
    printf("             pae %d nx %d x2apic %d tsc-deadline %d hypervisor %d, %u physical "
           "address bits\n",
           cpu_features.pae, cpu_features.nx, cpu_features.x2apic, cpu_features.tsc_deadline,
           cpu_features.hypervisor, cpu_features.phys_bits);
    printf("groups       cpu=%s irq=%s mmu=%s apic=%s time=%s vcpu=%s console=%s power=%s\n",
           pv_ops.cpu.name, pv_ops.irq.name, pv_ops.mmu.name, pv_ops.apic.name, pv_ops.time.name,
           pv_ops.vcpu.name, pv_ops.console.name, pv_ops.power.name);
    printf("tsc          %llu Hz\n", (unsigned long long)tsc_hz());
    static const char *const modes[] = { "off: indirect calls", "on", "pvstats: counting" };
    printf("patching     %s\n", modes[pvpatch_mode()]);
    return 0;
}

/*T:390 What running the op means now: the native or personality code in the
 * kernel, a call into a VMI shim, native bytes at every call site, or
 * nothing at all. This is the guest's own view of the patching: `ops`
 * reads every site back from the text (pvop_get counts each one's form
 * by its first bytes: FF 15 indirect, 3E E8 direct, the 6-byte NOP, or
 * else inline), so booting with pvpatch=off, the default and pvstats
 * shows the same sites in three states. */
static const char *op_runs(const struct pvop_info *op)
{
    unsigned long off;
    if (op->sites && op->nops == op->sites)
        return "no-op";
    if (op->sites && op->inlined == op->sites)
        return "inline";
    if (vmi_op_is_nop(op->impl))
        return "no-op";
    if (vmi_shim_offset(op->impl, &off))
        return "shim call";
    return "kernel";
}

int cmd_ops(int argc, char **argv)
{
    bool counted = pvpatch_mode() == PVPATCH_STATS;
    printf("%-22s %-28s %-9s %5s %6s %6s %5s %12s %8s  %s\n", "op", "implementation", "runs",
           "sites", "inline", "direct", "nop", "calls", "hcalls", "directive");
    for (unsigned i = 0; i < pvop_count(); i++) {
        struct pvop_info op;
        pvop_get(i, &op);
        if (argc > 1 && !strstr(op.name, argv[1]))
            continue;
        unsigned long off;
        char name[KSYM_NAME_MAX];
        const char *fn = ksym_lookup((unsigned long)op.impl, &off, name, sizeof(name));
        char impl[40];
        unsigned long shim_off;
        if (vmi_shim_offset(op.impl, &shim_off))
            snprintf(impl, sizeof(impl), "shim+0x%lx", shim_off);
        else if (fn && off == 0)
            snprintf(impl, sizeof(impl), "%s", fn);
        else
            snprintf(impl, sizeof(impl), "%p", op.impl);
        char calls[24], hcalls[24], directive[KSYM_NAME_MAX + 80];
        if (counted) {
            snprintf(calls, sizeof(calls), "%llu", (unsigned long long)op.calls);
            snprintf(hcalls, sizeof(hcalls), "%llu", (unsigned long long)op.hypercalls);
        } else {
            snprintf(calls, sizeof(calls), "-");
            snprintf(hcalls, sizeof(hcalls), "-");
        }
        describe_mode_directive(&op, directive, sizeof(directive));
        printf("%-22s %-28s %-9s %5u %6u %6u %5u %12s %8s  %s\n", op.name, impl, op_runs(&op),
               op.sites, op.inlined, op.direct, op.nops, calls, hcalls, directive);
    }
    if (!counted)
        printf("(calls are counted when booted with pvstats; pvpatch=off leaves every site an "
               "indirect call)\n");
    else
        printf("(hcalls: hypercalls made while the op ran, those of nested ops and of "
               "interrupts taken meanwhile included)\n");
    if (kvm_pv_eoi_active())
        printf("apic.eoi under PV EOI: %llu EOIs skipped, %llu written (since boot)\n",
               (unsigned long long)kvm_eoi_skipped, (unsigned long long)kvm_eoi_written);
    return 0;
}

static void print_flags(uint64_t e, int leaf)
{
    printf("%s%s%s%s%s%s%s%s", e & PTE_P ? " P" : " -", e & PTE_W ? " W" : "", e & PTE_U ? " U" : "",
           e & PTE_PCD ? " PCD" : "", e & PTE_A ? " A" : "", e & PTE_D ? " D" : "",
           (e & PTE_PS) && !leaf ? " PS" : "", e & PTE_NX ? " NX" : "");
}

int cmd_pt(int argc, char **argv)
{
    unsigned long long va;
    if (argc < 2 || parse_number(argv[1], &va))
        return 1;
    if ((vaddr_t)va != va) {   /* i386: not a 32-bit address, not a truncated one */
        printf("pt: 0x%llx does not fit in a %u-bit virtual address\n", va,
               (unsigned)sizeof(vaddr_t) * 8);
        return 1;
    }
    struct vm_walk_step steps[4];
    int n = vm_walk((vaddr_t)va, steps);
    if (n == 0) {
        printf("pt: 0x%llx is not an address this kernel maps\n", va);
        return 1;
    }
    static const char *const level_names[] = { "", "PT", "PD", "PDPT", "PML4" };
    printf("walk of 0x%llx (%s paging):\n", va, vm_paging_name());
    for (int i = 0; i < n; i++) {
        const struct vm_walk_step *s = &steps[i];
        bool leaf = s->level == 1 || (s->level == 2 && (s->entry & PTE_PS));
        printf("  %-4s at 0x%09llx [%3u] = 0x%016llx", level_names[s->level],
               (unsigned long long)s->table, s->index, (unsigned long long)s->entry);
        print_flags(s->entry, 0);
        printf("%s\n", leaf && (s->entry & PTE_P) ? (s->level == 1 ? "  (4 KiB page)" : "  (large page)") : "");
    }
    paddr_t pa;
    if (vm_translate((vaddr_t)va, &pa, NULL, NULL) == 0)
        printf("  -> physical 0x%llx\n", (unsigned long long)pa);
    else
        printf("  -> not mapped\n");
    return 0;
}

int cmd_apic(int argc, char **argv)
{
    if (!lapic_ready()) {
        if (!strcmp(boot_protocol(), "xen-pv"))
            printf("apic: no local APIC in use (a Xen PV guest: see `events`)\n");
        else if (pv_ops.apic.init != native_ops.apic.init)
            printf("apic: the interrupt controller is %s's, not the kernel's driver (see `ops "
                   "apic.`)\n", pv_ops.apic.name);
        else
            printf("apic: no local APIC in use\n");
        return 0;
    }
    static const struct { const char *name; unsigned reg; } regs[] = {
        { "ID", LAPIC_ID }, { "version", LAPIC_VERSION }, { "TPR", LAPIC_TPR },
        { "SVR", LAPIC_SVR }, { "LVT timer", LAPIC_LVT_TIMER }, { "LVT LINT0", LAPIC_LVT_LINT0 },
        { "LVT LINT1", LAPIC_LVT_LINT1 }, { "LVT error", LAPIC_LVT_ERROR },
        { "timer init", LAPIC_TIMER_INIT }, { "timer count", LAPIC_TIMER_CUR },
        { "timer divide", LAPIC_TIMER_DIV },
    };
    printf("local APIC, %s mode, timer %s\n", lapic_mode_name(),
           lapic_timer_is_tsc_deadline() ? "TSC-deadline" : "one-shot count-down");
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        printf("  %-13s 0x%08x\n", regs[i].name, lapic_read(regs[i].reg));
    for (unsigned r = 0; r < 8; r++) {
        uint32_t isr = lapic_read(LAPIC_ISR0 + r * 0x10), irr = lapic_read(LAPIC_IRR0 + r * 0x10);
        if (isr || irr)
            printf("  ISR/IRR[%u]    0x%08x 0x%08x\n", r, isr, irr);
    }
    if (!ioapic_count()) {
        printf("no IOAPIC in use (PIC mode)\n");
        return 0;
    }
    printf("IOAPIC redirection entries in use (%u IOAPIC%s):\n", ioapic_count(),
           ioapic_count() > 1 ? "s" : "");
    unsigned used = 0;
    for (uint32_t gsi = 0; gsi < 24; gsi++) {
        uint64_t e;
        if (ioapic_read_entry(gsi, &e) == 0 && !(e & (1u << 16))) {
            used++;
            printf("  GSI %2u -> vector 0x%02x, %s, active %s, APIC id %u\n", gsi,
                   (unsigned)(e & 0xff), e & (1u << 15) ? "level" : "edge",
                   e & (1u << 13) ? "low" : "high", (unsigned)(e >> 56));
        }
    }
    if (!used)
        printf("  (every line masked: no device interrupt is routed)\n");
    return 0;
}

static void print_desc(unsigned idx, struct seg_desc d)
{
    if (!d.lo && !d.hi) {
        printf("  [%2u] empty\n", idx);
        return;
    }
    unsigned type = (d.hi >> DESC_TYPE_SHIFT) & 0xf, dpl = (d.hi >> DESC_DPL_SHIFT) & 3;
    if (!(d.hi & DESC_S)) {
        static const char *const sys[16] = { [2] = "LDT", [9] = "TSS (available)",
                                             [11] = "TSS (busy)", [12] = "call gate",
                                             [14] = "interrupt gate", [15] = "trap gate" };
        printf("  [%2u] system: %s, base 0x%08x limit 0x%05x, DPL %u%s\n", idx,
               sys[type] ? sys[type] : "reserved type", seg_desc_base(d), seg_desc_limit(d), dpl,
               d.hi & DESC_P ? "" : ", not present");
        return;
    }
    bool code = type & 8;
    printf("  [%2u] %s%s%s, base 0x%08x limit 0x%08x, DPL %u, %s%s\n", idx, code ? "code" : "data",
           code ? (type & 2 ? " readable" : " execute-only") : (type & 2 ? " writable" : " read-only"),
           !code && (type & 4) ? " expand-down" : code && (type & 4) ? " conforming" : "",
           seg_desc_base(d), seg_desc_limit(d), dpl,
           d.hi & DESC_L ? "64-bit" : d.hi & DESC_DB ? "32-bit" : "16-bit",
           d.hi & DESC_P ? "" : ", not present");
}

int cmd_gdt(int argc, char **argv)
{
    struct seg_desc *gdt = cpu_gdt(0);
    printf("GDT of CPU 0 (%u entries):\n", (unsigned)GDT_ENTRIES);
    for (unsigned i = 0; i < GDT_ENTRIES; i++) {
        print_desc(i, gdt[i]);
        /* a system descriptor takes two slots in long mode */
        if (IS_ENABLED(CONFIG_64BIT) && i && (gdt[i].hi & DESC_P) && !(gdt[i].hi & DESC_S)) {
            printf("  [%2u] (upper half: base bits 63:32 = 0x%08x)\n", i + 1, gdt[i + 1].lo);
            i++;
        }
    }
    return 0;
}

int cmd_ldt(int argc, char **argv)
{
    unsigned n = ldt_entries_used();
    printf("LDT of thread '%s': %u entr%s in use\n", thread_name(thread_current()), n,
           n == 1 ? "y" : "ies");
    for (unsigned i = 0; i < n; i++) {
        struct seg_desc d;
        ldt_get(i, &d);
        print_desc(i, d);
    }
    return 0;
}

int cmd_mem(int argc, char **argv)
{
    const struct memmap *m = boot_memmap();
    printf("memory map (%s):\n", boot_protocol());
    for (unsigned i = 0; i < m->n; i++)
        printf("  0x%010llx-0x%010llx %8llu KiB  %s\n", (unsigned long long)m->r[i].base,
               (unsigned long long)(m->r[i].base + m->r[i].len - 1),
               (unsigned long long)(m->r[i].len >> 10), memmap_type_name(m->r[i].type));
    uint64_t free_pages, total;
    page_alloc_stats(&free_pages, &total);
    printf("page frames: %llu of %llu free (%llu KiB)\n", (unsigned long long)free_pages,
           (unsigned long long)total, (unsigned long long)free_pages * 4);
    printf("heap break 0x%lx (window from 0x%lx)\n", (unsigned long)vm_heap_break(),
           (unsigned long)VM_HEAP_BASE);
    return 0;
}

static void print_thread(const struct thread_info *t, void *ctx)
{
    printf("  %3llu %-20s %-9s %12llu", (unsigned long long)t->id, t->name, t->state,
           (unsigned long long)t->switches_in);
    if (t->stack_top)
        printf("  stack 0x%lx-0x%lx (%zu pages)\n", t->stack_top - t->stack_pages * 4096,
               t->stack_top, t->stack_pages);
    else
        printf("  boot stack\n");
}

int cmd_threads(int argc, char **argv)
{
    printf("  %3s %-20s %-9s %12s\n", "id", "name", "state", "switched in");
    thread_for_each(print_thread, NULL);
    printf("preemption %s, %llu context switches\n", thread_preemption() ? "on" : "off",
           (unsigned long long)thread_switches);
    return 0;
}

int cmd_irqs(int argc, char **argv)
{
    printf("  vector  count       handler\n");
    unsigned shown = 0;
    for (unsigned v = 0; v < 256; v++) {
        if (!irq_counts[v])
            continue;
        shown++;
        const char *name = v >= 32 ? irq_name(v) : NULL;
        printf("  0x%02x %10llu       %s\n", v, (unsigned long long)irq_counts[v],
               name ? name : v == VEC_SPURIOUS ? "(spurious)" : "(none)");
    }
    if (!shown)
        printf("  (none yet: the kernel is tickless, so an idle one takes no interrupts)\n");
    return 0;
}

/* The event channels a Xen PV kernel bound (pv/xen/events.c): what takes
 * the place of the APIC's vectors and the IOAPIC's routing there. */
int cmd_events(int argc, char **argv)
{
    if (strcmp(boot_protocol(), "xen-pv")) {
        printf("events: not a Xen PV guest (boot=%s)\n", boot_protocol());
        return 0;
    }
    printf("event channels (2-level ABI, %u ports): %llu upcalls, %llu stray events\n",
           xen_evtchn_nr_ports(), (unsigned long long)xen_upcalls,
           (unsigned long long)xen_stray_events);
    printf("  port  vector  pending masked  handler\n");
    for (unsigned p = 1; p < xen_evtchn_nr_ports(); p++) {
        unsigned v = xen_evtchn_vector(p);
        if (!v)
            continue;
        const char *name = irq_name(v);
        printf("  %4u  0x%02x    %-7s %-7s %s\n", p, v, xen_evtchn_pending(p) ? "yes" : "no",
               xen_evtchn_masked(p) ? "yes" : "no", name ? name : "(none)");
    }
    return 0;
}

/* The CPUID blocks recorded at boot (arch/x86/hypervisor.c), and what the
 * kvm personality (or the mixing rule) took from KVM's: the clock, PV EOI
 * with the EOIs it skipped, steal time. */
int cmd_hv(int argc, char **argv)
{
    if (!hypervisors.cpuid_bit)
        printf("CPUID.1:ECX[31] clear: no hypervisor announces itself\n");
    for (unsigned i = 0; i < hypervisors.n; i++) {
        const struct hv_block *b = &hypervisors.b[i];
        printf("  0x%08x-0x%08x  %-8s \"%s\"", b->base, b->max_leaf, hv_kind_name(b->kind),
               b->signature);
        if (b->kind == HV_KVM) {
            char names[200];
            printf("  features 0x%x hints 0x%x\n    %s\n", b->features, b->hints,
                   hv_kvm_feature_names(b->features, names, sizeof(names)));
        } else {
            printf("\n");
        }
    }
    /* the groups' own names, then what the mixing rule added to them */
    printf("platform=%s time=%s apic=%s", platform_current()->name, pv_ops.time.name,
           pv_ops.apic.name);
    const char *sep = " mixed in: ";
    for (unsigned k = 0; k < OFFER_KINDS; k++) {
        const struct offer *o = offer_running((enum offer_kind)k);
        if (o) {
            printf("%s%s", sep, o->name);
            sep = ", ";
        }
    }
    printf("\n");
    if (kvm_pv_eoi_active())
        printf("PV EOI: %llu EOIs skipped, %llu written\n", (unsigned long long)kvm_eoi_skipped,
               (unsigned long long)kvm_eoi_written);
    if (offer_running(OFFER_IPI))
        printf("PV IPI: %lu IPIs sent by hypercall\n", kvm_ipis_sent);
    if (offer_running(OFFER_TLB_FLUSH))
        printf("PV TLB flush: %lu flushes left to the host (the vCPU was preempted)\n",
               kvm_flushes_left_to_host);
    u64 steal;
    const char *name;
    if (steal_clock_ns(&steal, &name) == 0)
        printf("steal time (%s): %llu.%06llu ms\n", name, (unsigned long long)(steal / 1000000),
               (unsigned long long)(steal % 1000000));
    else
        printf("steal time: not offered here\n");
    return 0;
}

int cmd_devices(int argc, char **argv)
{
    unsigned n = device_count();
    if (!n)
        printf("  (none: no bus this platform has lists any)\n");
    for (unsigned i = 0; i < n; i++) {
        const struct device *d = device_at(i);
        printf("  %-4s %-8s %-24s %s%s%s\n", d->bus, d->addr, d->ident,
               d->driver ? d->driver : "no driver", d->driver ? " " : "", d->driver ? d->state : "");
    }
    for (unsigned i = 0; i < netdev_count(); i++) {
        struct netdev *nd = netdev_get(i);
        printf("  %s: %02x:%02x:%02x:%02x:%02x:%02x mtu %u link %s, frames in %llu out %llu, "
               "dropped in %llu, errors out %llu, notifies %lu, interrupts %lu\n", nd->name,
               nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5], nd->mtu,
               nd->link_up ? "up" : "down", (unsigned long long)nd->rx_frames,
               (unsigned long long)nd->tx_frames, (unsigned long long)nd->rx_dropped,
               (unsigned long long)nd->tx_errors, nd->notifies, nd->interrupts);
    }
    return 0;
}
