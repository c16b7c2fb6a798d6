/*
 * Xen PV cpu ops: the processor state a PV kernel may not touch itself,
 * each through its hypercall (Xen's public xen.h and
 * arch-x86/xen.h):
 *
 *   CPUID           the forced-emulation prefix, so that Xen's filtered
 *                   view is what the kernel sees, not the host's
 *   CR0.TS          fpu_taskswitch; Xen owns the rest of CR0 and all of CR4
 *   CR2             vcpu_info.arch.cr2, written by Xen before a #PF
 *   debug registers set_debugreg / get_debugreg
 *   FS/GS bases     set_segment_base (x86_64), behind the MSR writes
 *   GDT             set_gdt with the frames of the table, made read-only
 *   IDT             set_trap_table, converted from the IDT the kernel built
 *   LDT             MMUEXT_SET_LDT; the LDT page read-only while it is one
 *   descriptors     update_descriptor, by machine address
 *   kernel stack    stack_switch (the TSS is Xen's)
 *
 * Port I/O, MSR reads and the TSC stay native: Xen lets dom0 use the
 * ports it permits (after PHYSDEVOP_set_iopl), emulates the MSRs a guest
 * may read and injects #GP for the rest, and leaves RDTSC alone.
 */
#include "xen.h"
#include <arch/desc.h>
#include <arch/trap_entry.h>
#include <arch/x86.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/string.h>
#include <proteus/vm.h>

extern char trap_stubs[];

static void check(long err, const char *what)
{
    if (err)
        panic("xen: %s failed: %s (%ld)", what, xen_errno_name(err), err);
}

static PVOP_ABI void xen_cpuid(u32 leaf, u32 sub, struct cpuid_regs *r)
{
    __asm__ __volatile__(XEN_CPUID
                         : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
                         : "a"(leaf), "c"(sub));
}

static PVOP_ABI void xen_write_cr0(unsigned long v)
{
    check(xen_hypercall(__HYPERVISOR_fpu_taskswitch, !!(v & X86_CR0_TS), 0, 0), "fpu_taskswitch");
}

static PVOP_ABI unsigned long xen_read_cr2(void)
{
    return xen_vcpu()->arch.cr2;
}

/* Xen keeps CR4 and gives a PV guest OSFXSR and OSXMMEXCPT already; a
 * request for any bit the guest's view lacks cannot be granted. */
static PVOP_ABI void xen_write_cr4(unsigned long v)
{
    unsigned long missing = v & ~x86_read_cr4();
    if (missing)
        printk("xen: CR4 bits 0x%lx cannot be set by a PV guest (ignored)\n", missing);
}

static PVOP_ABI unsigned long xen_read_dr(int reg)
{
    return (unsigned long)xen_hypercall(__HYPERVISOR_get_debugreg, reg, 0, 0);
}

static PVOP_ABI void xen_write_dr(int reg, unsigned long v)
{
    check(xen_hypercall(__HYPERVISOR_set_debugreg, reg, v, 0), "set_debugreg");
}

static PVOP_ABI int xen_write_msr(u32 msr, u64 v)
{
    /* #ifdef, not IS_ENABLED: SEGBASE_* exist only in x86_64's Xen ABI
     * (Xen's public arch-x86/xen-x86_64.h) */
#ifdef __x86_64__
    int which = msr == MSR_FS_BASE ? SEGBASE_FS : msr == MSR_GS_BASE ? SEGBASE_GS_KERNEL
              : msr == MSR_KERNEL_GS_BASE ? SEGBASE_GS_USER : -1;
    if (which >= 0) {
        long err = xen_hypercall(__HYPERVISOR_set_segment_base, which, v, 0);
        if (err)
            printk("xen: set_segment_base(%d, 0x%llx) failed: %s (%ld)\n", which,
                   (unsigned long long)v, xen_errno_name(err), err);
        return (int)err;
    }
#endif
    return x86_wrmsr_safe(msr, v);
}

/* The frames of a descriptor table, read-only from now on: Xen takes a
 * frame as a GDT only if no writable mapping of it exists. */
static PVOP_ABI void xen_load_gdt(const struct desc_ptr *p)
{
    unsigned long frames[16];
    unsigned entries = (p->limit + 1u) / 8, nframes = ((unsigned)p->limit + PAGE_SIZE) / PAGE_SIZE;
    if ((p->base & (PAGE_SIZE - 1)) || nframes > ARRAY_SIZE(frames))
        panic("xen: a GDT must start on a page and span at most 16 (base 0x%lx, limit 0x%x)",
              (unsigned long)p->base, p->limit);
    for (unsigned i = 0; i < nframes; i++) {
        const void *va = (const void *)(p->base + i * PAGE_SIZE);
        xen_remap(va, false);
        frames[i] = (unsigned long)(xen_virt_to_machine(va) >> PAGE_SHIFT);
    }
    check(xen_hypercall(__HYPERVISOR_set_gdt, frames, entries, 0), "set_gdt");
}

static void write_descriptor(void *slot, const struct seg_desc *d, const char *what)
{
    u64 ma = xen_virt_to_machine(slot);
    u64 val = (u64)d->hi << 32 | d->lo;
    long err;
    if (IS_ENABLED(CONFIG_64BIT))
        err = xen_hypercall(__HYPERVISOR_update_descriptor, ma, val, 0);
    else
        err = xen_hypercall5(__HYPERVISOR_update_descriptor, (u32)ma, (u32)(ma >> 32), d->lo,
                             d->hi, 0);
    if (err)
        panic("xen: update_descriptor of the %s entry at %p to 0x%016llx failed: %s (%ld)",
              what, slot, (unsigned long long)val, xen_errno_name(err), err);
}

static PVOP_ABI void xen_write_gdt_entry(struct seg_desc *gdt, unsigned idx, const struct seg_desc *d)
{
    write_descriptor(&gdt[idx], d, "GDT");
}

static PVOP_ABI void xen_write_ldt_entry(struct seg_desc *ldt, unsigned idx, const struct seg_desc *d)
{
    write_descriptor(&ldt[idx], d, "LDT");
}

static PVOP_ABI void xen_alloc_ldt(struct seg_desc *ldt, unsigned entries)
{
    for (unsigned off = 0; off < entries * 8; off += PAGE_SIZE)
        xen_remap((u8 *)ldt + off, false);
}

static PVOP_ABI void xen_free_ldt(struct seg_desc *ldt, unsigned entries)
{
    for (unsigned off = 0; off < entries * 8; off += PAGE_SIZE)
        xen_remap((u8 *)ldt + off, true);
}

static PVOP_ABI void xen_load_ldt(const struct seg_desc *ldt, unsigned entries)
{
    struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };
    op.arg1.linear_addr = entries ? (unsigned long)ldt : 0;
    op.arg2.nr_ents = entries;
    check(xen_hypercall5(__HYPERVISOR_mmuext_op, &op, 1, 0, DOMID_SELF, 0), "MMUEXT_SET_LDT");
}

/* The trap table is the IDT in Xen's terms: per vector the entry point,
 * who may raise it with INT n (a gate of DPL 0, kernel only, is level 1:
 * "the kernel may enter"), and whether events are masked on entry, as an
 * interrupt gate clears IF. The entry points are pv/xen/<arch>/entry.S's,
 * in the same order as the native stubs the gates name. The #DF task gate
 * of i386 has no counterpart: Xen handles double faults itself. */
static const struct gate_desc *loaded_idt;
static unsigned loaded_vectors;

static bool gate_to_trap(const struct gate_desc *g, unsigned vec, struct trap_info *t)
{
    unsigned type = g->type_attr & 0xf, dpl = (g->type_attr >> 5) & 3;
    if (!(g->type_attr & 0x80) || (type != SYS_INTR_GATE && type != SYS_TRAP_GATE))
        return false;
    memset(t, 0, sizeof(*t));
    t->vector = (u8)vec;
    TI_SET_DPL(t, dpl ? dpl : 1);
    TI_SET_IF(t, type == SYS_INTR_GATE);
    t->cs = FLAT_KERNEL_CS;
    t->address = (unsigned long)xen_trap_stubs + vec * TRAP_STUB_SIZE;
    return true;
}

/* Up to 256 entries and the one that ends the table: 4 KiB on x86_64,
 * needed from the first IDT load on, so taken at start of day. */
static struct trap_info *table;

void xen_cpu_take_buffers(void)
{
    table = xen_early_take(257 * sizeof(*table));
}

static PVOP_ABI void xen_load_idt(const struct desc_ptr *p)
{
    const struct gate_desc *idt = (const struct gate_desc *)p->base;
    unsigned n = 0, vectors = (p->limit + 1u) / sizeof(struct gate_desc);
    for (unsigned v = 0; v < vectors && v < 256; v++)
        if (gate_to_trap(&idt[v], v, &table[n]))
            n++;
    memset(&table[n], 0, sizeof(table[n]));   /* address 0 ends the table */
    check(xen_hypercall(__HYPERVISOR_set_trap_table, table, 0, 0), "set_trap_table");
    loaded_idt = idt;
    loaded_vectors = vectors < 256 ? vectors : 256;
}

/* A vCPU about to start gets the same trap table in its vcpu_guest_context,
 * where it is indexed by vector (Xen copies it whole into the vCPU's
 * virtual IDT: xen/arch/x86/domain.c, arch_set_info_guest). */
void xen_trap_context(struct trap_info ctx[256])
{
    memset(ctx, 0, 256 * sizeof(*ctx));
    if (!loaded_idt)
        panic("xen: a vCPU is to start before the trap table is loaded");
    for (unsigned v = 0; v < loaded_vectors; v++)
        gate_to_trap(&loaded_idt[v], v, &ctx[v]);
}

static PVOP_ABI void xen_load_tr(u16 sel)
{
    /* Xen owns the TSS: nothing to load (set_kernel_stack does its job) */
}

static PVOP_ABI void xen_set_kernel_stack(unsigned long sp0)
{
    check(xen_hypercall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, sp0, 0), "stack_switch");
}

static PVOP_ABI unsigned long xen_read_cr0(void) { return x86_read_cr0(); }
static PVOP_ABI unsigned long xen_read_cr4(void) { return x86_read_cr4(); }

const struct pv_cpu_ops xen_cpu_ops = {
    .name = "xen-pv",
    .cpuid = xen_cpuid,
    .read_cr0 = xen_read_cr0,
    .write_cr0 = xen_write_cr0,
    .read_cr2 = xen_read_cr2,
    .read_cr4 = xen_read_cr4,
    .write_cr4 = xen_write_cr4,
    .read_dr = xen_read_dr,
    .write_dr = xen_write_dr,
    .read_msr = x86_rdmsr_safe,
    .write_msr = xen_write_msr,
    .load_gdt = xen_load_gdt,
    .load_idt = xen_load_idt,
    .load_tr = xen_load_tr,
    .load_ldt = xen_load_ldt,
    .alloc_ldt = xen_alloc_ldt,
    .free_ldt = xen_free_ldt,
    .write_gdt_entry = xen_write_gdt_entry,
    .write_ldt_entry = xen_write_ldt_entry,
    .set_kernel_stack = xen_set_kernel_stack,
};
