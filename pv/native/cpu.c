/*
 * Native cpu ops: each operation is the instruction itself.
 */
#include "native.h"
#include <arch/percpu_gdt.h>
#include <arch/x86.h>
#include <proteus/percpu.h>
#include <proteus/string.h>

static PVOP_ABI void native_cpuid(u32 leaf, u32 sub, struct cpuid_regs *r)
{
    x86_cpuid(leaf, sub, &r->eax, &r->ebx, &r->ecx, &r->edx);
}

static PVOP_ABI unsigned long native_read_cr0(void) { return x86_read_cr0(); }
static PVOP_ABI void native_write_cr0(unsigned long v) { x86_write_cr0(v); }
static PVOP_ABI unsigned long native_read_cr2(void) { return x86_read_cr2(); }
static PVOP_ABI unsigned long native_read_cr4(void) { return x86_read_cr4(); }
static PVOP_ABI void native_write_cr4(unsigned long v) { x86_write_cr4(v); }

static PVOP_ABI unsigned long native_read_dr(int reg) { return x86_read_dr(reg); }
static PVOP_ABI void native_write_dr(int reg, unsigned long v) { x86_write_dr(reg, v); }

static PVOP_ABI u64 native_read_tsc(void) { return x86_rdtsc(); }

static PVOP_ABI void native_load_gdt(const struct desc_ptr *p)
{
    __asm__ __volatile__("lgdt %0" ::"m"(*p) : "memory");
}

static PVOP_ABI void native_load_idt(const struct desc_ptr *p)
{
    __asm__ __volatile__("lidt %0" ::"m"(*p) : "memory");
}

static PVOP_ABI void native_load_tr(u16 sel)
{
    __asm__ __volatile__("ltr %0" ::"r"(sel) : "memory");
}

static PVOP_ABI void native_load_ldt(const struct seg_desc *ldt, unsigned entries)
{
    /* The LDT is named by a system descriptor in this CPU's GDT. */
    u16 sel = 0;
    if (entries) {
        cpu_set_ldt_desc(this_cpu()->id, ldt, entries);
        sel = LDT_SEL;
    }
    __asm__ __volatile__("lldt %0" ::"r"(sel) : "memory");
}

/* The LDT is ordinary memory to the CPU: nothing to announce (and the
 * patcher turns these calls into NOPs, pv/native/patch.c). */
static PVOP_ABI void native_ldt_notice(struct seg_desc *ldt, unsigned entries)
{
}

static PVOP_ABI void native_write_gdt_entry(struct seg_desc *gdt, unsigned idx, const struct seg_desc *d)
{
    gdt[idx] = *d;
}

static PVOP_ABI void native_write_ldt_entry(struct seg_desc *ldt, unsigned idx, const struct seg_desc *d)
{
    ldt[idx] = *d;
}

static PVOP_ABI void native_set_kernel_stack(unsigned long sp0)
{
#ifdef __x86_64__
    this_cpu()->tss.rsp[0] = sp0;
#else
    this_cpu()->tss.esp0 = (u32)sp0;
#endif
}

/* Called where a site is not the instruction itself (pvpatch=off, pvstats,
 * or a personality that keeps these ops but calls them, as Xen PV does);
 * natively patched, each site is the instruction (pv/native/patch.c). */
static PVOP_ABI u8 native_in8(u16 port) { return x86_inb(port); }
static PVOP_ABI u16 native_in16(u16 port) { return x86_inw(port); }
static PVOP_ABI u32 native_in32(u16 port) { return x86_inl(port); }
static PVOP_ABI void native_out8(u16 port, u8 v) { x86_outb(port, v); }
static PVOP_ABI void native_out16(u16 port, u16 v) { x86_outw(port, v); }
static PVOP_ABI void native_out32(u16 port, u32 v) { x86_outl(port, v); }

const struct pv_cpu_ops native_cpu_ops = {
    .name = "native",
    .cpuid = native_cpuid,
    .read_cr0 = native_read_cr0,
    .write_cr0 = native_write_cr0,
    .read_cr2 = native_read_cr2,
    .read_cr4 = native_read_cr4,
    .write_cr4 = native_write_cr4,
    .read_dr = native_read_dr,
    .write_dr = native_write_dr,
    .read_msr = x86_rdmsr_safe,
    .write_msr = x86_wrmsr_safe,
    .read_tsc = native_read_tsc,
    .load_gdt = native_load_gdt,
    .load_idt = native_load_idt,
    .load_tr = native_load_tr,
    .load_ldt = native_load_ldt,
    .alloc_ldt = native_ldt_notice,
    .free_ldt = native_ldt_notice,
    .write_gdt_entry = native_write_gdt_entry,
    .write_ldt_entry = native_write_ldt_entry,
    .set_kernel_stack = native_set_kernel_stack,
    .in8 = native_in8,
    .in16 = native_in16,
    .in32 = native_in32,
    .out8 = native_out8,
    .out16 = native_out16,
    .out32 = native_out32,
};
