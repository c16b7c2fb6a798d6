/*
 * The platform-ops layer: every privileged or platform-specific thing the
 * kernel does goes through one of the groups below. A personality (pv/native,
 * later pv/xen, pv/vmi, pv/kvm) fills the tables at boot; generic code calls
 * only the typed inline wrappers at the end of this file and never sees which
 * personality is underneath (style.md, points 1 and 2).
 *
 * Each group carries the name of the implementation that filled it, for the
 * boot line and for `monitor`. Operations are high-level where a simple
 * high-level form exists (load the LDT of a thread, arm a one-shot timer,
 * start a vCPU, end the machine) and low-level only where the hardware shape
 * is the natural interface (page-table entries, control registers).
 */
#ifndef PROTEUS_PVOPS_H
#define PROTEUS_PVOPS_H

#include <proteus/types.h>
#include <arch/desc.h>
#include <arch/paging.h>

struct cpuid_regs {
    u32 eax, ebx, ecx, edx;
};

/* cpu: the processor's own state. MSR accessors report faults instead of
 * taking them, so a probe of an absent MSR is an error code, not a panic. */
struct pv_cpu_ops {
    const char *name;
    void (*cpuid)(u32 leaf, u32 subleaf, struct cpuid_regs *out);
    unsigned long (*read_cr0)(void);
    void (*write_cr0)(unsigned long val);
    unsigned long (*read_cr2)(void);
    unsigned long (*read_cr4)(void);
    void (*write_cr4)(unsigned long val);
    unsigned long (*read_dr)(int reg);
    void (*write_dr)(int reg, unsigned long val);
    int (*read_msr)(u32 msr, u64 *val);
    int (*write_msr)(u32 msr, u64 val);
    u64 (*read_tsc)(void);
    void (*load_gdt)(const struct desc_ptr *gdtr);
    void (*load_idt)(const struct desc_ptr *idtr);
    void (*load_tr)(u16 selector);
    /* Make `entries` descriptors at `ldt` the current LDT (0 entries: none).
     * Native: an LDT descriptor in the GDT and lldt; Xen: MMUEXT_SET_LDT. */
    void (*load_ldt)(const struct seg_desc *ldt, unsigned entries);
    void (*write_gdt_entry)(struct seg_desc *gdt, unsigned idx, const void *desc, unsigned size);
    void (*write_ldt_entry)(struct seg_desc *ldt, unsigned idx, struct seg_desc desc);
    void (*write_idt_entry)(struct gate_desc *idt, unsigned vec, const struct gate_desc *gate);
    /* The stack the CPU switches to on entry from a less privileged ring. */
    void (*set_kernel_stack)(unsigned long sp0);
    u32 (*io_in)(u16 port, int size);
    void (*io_out)(u16 port, int size, u32 val);
};

/* irq: the interrupt flag and waiting for an interrupt. */
struct pv_irq_ops {
    const char *name;
    unsigned long (*save_flags)(void);
    void (*restore_flags)(unsigned long flags);
    void (*disable)(void);
    void (*enable)(void);
    /* Enable interrupts and wait for one, with no window in which a wakeup
     * can be lost (native: sti; hlt). */
    void (*safe_halt)(void);
};

/* mmu: page tables. Entries are always passed as 64-bit values in the
 * architecture's format; the implementation writes the width the current
 * paging mode uses. The notices let a hypervisor validate and pin a page
 * before it is used as a page table, and release it afterwards. */
struct pv_mmu_ops {
    const char *name;
    void (*alloc_pt)(paddr_t table, int level);
    void (*release_pt)(paddr_t table, int level);
    /* Write one entry of a table at `level` (1 = the PTE level). */
    void (*set_entry)(void *entryp, u64 val, int level);
    u64 (*read_entry)(const void *entryp, int level);
    paddr_t (*read_pt_base)(void);
    void (*write_pt_base)(paddr_t root);
    void (*flush_tlb_one)(vaddr_t va);
    void (*flush_tlb_all)(void);     /* every non-global entry */
    void (*flush_tlb_global)(void);  /* global entries too */
    /* Lazy mode: updates between enter and leave may be queued; flush
     * forces queued updates out without leaving the mode. */
    void (*lazy_enter)(void);
    void (*lazy_flush)(void);
    void (*lazy_leave)(void);
};

/* apic: the interrupt controller in its high-level form. Xen replaces all
 * of it with event channels, so nothing here names an APIC register. */
struct pv_apic_ops {
    const char *name;
    int (*init)(void);     /* bring the controller up, all lines masked */
    void (*eoi)(unsigned vector);
    int (*route_irq)(unsigned isa_irq, unsigned vector);  /* device line -> vector */
    void (*mask_irq)(unsigned isa_irq, bool masked);
    int (*send_ipi)(unsigned cpu, unsigned vector);
    u32 (*cpu_id)(void);                                  /* this CPU's hardware id */
};

/* time: a monotonic clock and one one-shot timer per CPU. */
struct pv_time_ops {
    const char *name;
    int (*init)(void);     /* measure rates; after the apic group's init */
    u64 (*clock_ns)(void);              /* nanoseconds since boot, monotonic */
    u64 (*wallclock_at_boot_ns)(void);  /* Unix time (ns) when clock_ns was 0 */
    /* Fire the timer interrupt once when clock_ns() >= deadline; a deadline
     * in the past fires at once; 0 disarms. */
    void (*arm_oneshot)(u64 deadline_ns);
    u64 (*tsc_hz)(void);                /* 0 when there is no usable TSC */
};

/* vcpu: bring up further virtual CPUs (one high-level operation). */
struct pv_vcpu_ops {
    const char *name;
    unsigned (*count)(void);
    int (*start)(unsigned cpu, void (*entry)(void *), void *arg, void *stack_top);
};

/* console: the boot console, byte-oriented. read() does not block. */
struct pv_console_ops {
    const char *name;
    void (*init)(void);    /* the first op called after install */
    void (*write)(const char *buf, size_t len);
    int (*read)(char *buf, size_t len);
};

/* power: end the machine. exit() reports `status` to whoever runs the
 * machine (QEMU's isa-debug-exit, a hypervisor) and never returns. */
struct pv_power_ops {
    const char *name;
    __noreturn void (*exit)(int status);
};

struct pv_ops {
    struct pv_cpu_ops cpu;
    struct pv_irq_ops irq;
    struct pv_mmu_ops mmu;
    struct pv_apic_ops apic;
    struct pv_time_ops time;
    struct pv_vcpu_ops vcpu;
    struct pv_console_ops console;
    struct pv_power_ops power;
};

extern struct pv_ops pv_ops;

/* ---- typed wrappers: the only way generic code reaches the platform ---- */

static inline void cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r) { pv_ops.cpu.cpuid(leaf, sub, r); }
static inline void cpuid(u32 leaf, struct cpuid_regs *r) { pv_ops.cpu.cpuid(leaf, 0, r); }
static inline unsigned long read_cr0(void) { return pv_ops.cpu.read_cr0(); }
static inline void write_cr0(unsigned long v) { pv_ops.cpu.write_cr0(v); }
static inline unsigned long read_cr2(void) { return pv_ops.cpu.read_cr2(); }
static inline unsigned long read_cr4(void) { return pv_ops.cpu.read_cr4(); }
static inline void write_cr4(unsigned long v) { pv_ops.cpu.write_cr4(v); }
static inline unsigned long read_dr(int r) { return pv_ops.cpu.read_dr(r); }
static inline void write_dr(int r, unsigned long v) { pv_ops.cpu.write_dr(r, v); }
static inline int rdmsr_safe(u32 msr, u64 *v) { return pv_ops.cpu.read_msr(msr, v); }
static inline int wrmsr_safe(u32 msr, u64 v) { return pv_ops.cpu.write_msr(msr, v); }
static inline u64 read_tsc(void) { return pv_ops.cpu.read_tsc(); }
static inline void load_gdt(const struct desc_ptr *p) { pv_ops.cpu.load_gdt(p); }
static inline void load_idt(const struct desc_ptr *p) { pv_ops.cpu.load_idt(p); }
static inline void load_tr(u16 sel) { pv_ops.cpu.load_tr(sel); }
static inline void load_ldt(const struct seg_desc *ldt, unsigned n) { pv_ops.cpu.load_ldt(ldt, n); }
static inline void write_gdt_entry(struct seg_desc *gdt, unsigned i, const void *d, unsigned size)
{
    pv_ops.cpu.write_gdt_entry(gdt, i, d, size);
}
static inline void write_ldt_entry(struct seg_desc *ldt, unsigned i, struct seg_desc d)
{
    pv_ops.cpu.write_ldt_entry(ldt, i, d);
}
static inline void write_idt_entry(struct gate_desc *idt, unsigned v, const struct gate_desc *g)
{
    pv_ops.cpu.write_idt_entry(idt, v, g);
}
static inline void set_kernel_stack(unsigned long sp0) { pv_ops.cpu.set_kernel_stack(sp0); }
static inline u8 inb(u16 port) { return (u8)pv_ops.cpu.io_in(port, 1); }
static inline u16 inw(u16 port) { return (u16)pv_ops.cpu.io_in(port, 2); }
static inline u32 inl(u16 port) { return pv_ops.cpu.io_in(port, 4); }
static inline void outb(u16 port, u8 v) { pv_ops.cpu.io_out(port, 1, v); }
static inline void outw(u16 port, u16 v) { pv_ops.cpu.io_out(port, 2, v); }
static inline void outl(u16 port, u32 v) { pv_ops.cpu.io_out(port, 4, v); }

static inline unsigned long irq_save(void)
{
    unsigned long f = pv_ops.irq.save_flags();
    pv_ops.irq.disable();
    return f;
}
static inline void irq_restore(unsigned long f) { pv_ops.irq.restore_flags(f); }
static inline void irq_disable(void) { pv_ops.irq.disable(); }
static inline void irq_enable(void) { pv_ops.irq.enable(); }
static inline void safe_halt(void) { pv_ops.irq.safe_halt(); }

static inline void pt_alloc_notice(paddr_t t, int level) { pv_ops.mmu.alloc_pt(t, level); }
static inline void pt_release_notice(paddr_t t, int level) { pv_ops.mmu.release_pt(t, level); }
static inline void pt_set_entry(void *p, u64 v, int level) { pv_ops.mmu.set_entry(p, v, level); }
static inline void pt_clear_entry(void *p, int level) { pv_ops.mmu.set_entry(p, 0, level); }
static inline u64 pt_read_entry(const void *p, int level) { return pv_ops.mmu.read_entry(p, level); }
static inline paddr_t read_pt_base(void) { return pv_ops.mmu.read_pt_base(); }
static inline void write_pt_base(paddr_t root) { pv_ops.mmu.write_pt_base(root); }
static inline void flush_tlb_one(vaddr_t va) { pv_ops.mmu.flush_tlb_one(va); }
static inline void flush_tlb_all(void) { pv_ops.mmu.flush_tlb_all(); }
static inline void flush_tlb_global(void) { pv_ops.mmu.flush_tlb_global(); }
static inline void mmu_lazy_enter(void) { pv_ops.mmu.lazy_enter(); }
static inline void mmu_lazy_flush(void) { pv_ops.mmu.lazy_flush(); }
static inline void mmu_lazy_leave(void) { pv_ops.mmu.lazy_leave(); }

static inline int irqchip_init(void) { return pv_ops.apic.init(); }
static inline void irqchip_eoi(unsigned vector) { pv_ops.apic.eoi(vector); }
static inline int irqchip_route(unsigned irq, unsigned vector) { return pv_ops.apic.route_irq(irq, vector); }
static inline void irqchip_mask(unsigned irq, bool m) { pv_ops.apic.mask_irq(irq, m); }
static inline int send_ipi(unsigned cpu, unsigned vector) { return pv_ops.apic.send_ipi(cpu, vector); }
static inline u32 hw_cpu_id(void) { return pv_ops.apic.cpu_id(); }

static inline int time_init(void) { return pv_ops.time.init(); }
static inline u64 clock_ns(void) { return pv_ops.time.clock_ns(); }
static inline u64 wallclock_at_boot_ns(void) { return pv_ops.time.wallclock_at_boot_ns(); }
static inline void timer_arm_oneshot(u64 deadline) { pv_ops.time.arm_oneshot(deadline); }
static inline u64 tsc_hz(void) { return pv_ops.time.tsc_hz(); }

static inline unsigned vcpu_count(void) { return pv_ops.vcpu.count(); }
static inline int vcpu_start(unsigned cpu, void (*fn)(void *), void *arg, void *sp)
{
    return pv_ops.vcpu.start(cpu, fn, arg, sp);
}

static inline void console_init(void) { pv_ops.console.init(); }
static inline void console_write(const char *b, size_t n) { pv_ops.console.write(b, n); }
static inline int console_read(char *b, size_t n) { return pv_ops.console.read(b, n); }

static inline __noreturn void machine_exit(int status) { pv_ops.power.exit(status); }

#endif
