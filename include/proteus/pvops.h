/*T:310
 * The platform-ops layer: every privileged or platform-specific thing the
 * kernel does goes through one of the groups below. A personality (pv/native,
 * pv/xen, pv/vmi, pv/kvm) fills the tables at boot; generic code calls
 * only the typed inline wrappers at the end of this file and never sees which
 * personality is underneath (docs/architecture.md, "Layers").
 *
 * Each group carries the name of the implementation that filled it, for the
 * boot line and for `monitor`. Operations are high-level where a simple
 * high-level form exists (load the LDT of a thread, arm a one-shot timer,
 * start a vCPU, end the machine) and low-level only where the hardware shape
 * is the natural interface (page-table entries, control registers).
 *
 * Every wrapper is one recorded call site (PVOP_CALL below): an indirect
 * call through pv_ops whose address goes into the .pvpatch table, so that
 * it can be rewritten into a direct call to the chosen implementation, or
 * into the native instruction itself: by the build for native
 * (scripts/pvprepatch.py), at boot for any other personality
 * (kernel/pvpatch.c, docs/patching.md).
 * On i386 the operations take their arguments in registers (regparm(3):
 * EAX, EDX, ECX), so that a call site is a bare call instruction.
 */
#ifndef PROTEUS_PVOPS_H
#define PROTEUS_PVOPS_H

#include <proteus/types.h>
#include <arch/desc.h>
#include <arch/paging.h>

#ifdef __x86_64__
#define PVOP_ABI
#else
#define PVOP_ABI __attribute__((regparm(3)))
#endif

struct cpuid_regs {
    u32 eax, ebx, ecx, edx;
};

struct vcpu_start_info {
    void (*entry)(void *arg);
    void *arg;
    void *stack_top;
};

/* cpu: the processor's own state. MSR accessors report faults instead of
 * taking them, so a probe of an absent MSR is an error code, not a panic. */
struct pv_cpu_ops {
    const char *name;
    void (PVOP_ABI *cpuid)(u32 leaf, u32 subleaf, struct cpuid_regs *out);
    unsigned long (PVOP_ABI *read_cr0)(void);
    void (PVOP_ABI *write_cr0)(unsigned long val);
    unsigned long (PVOP_ABI *read_cr2)(void);
    unsigned long (PVOP_ABI *read_cr4)(void);
    void (PVOP_ABI *write_cr4)(unsigned long val);
    unsigned long (PVOP_ABI *read_dr)(int reg);
    void (PVOP_ABI *write_dr)(int reg, unsigned long val);
    int (PVOP_ABI *read_msr)(u32 msr, u64 *val);
    int (PVOP_ABI *write_msr)(u32 msr, u64 val);
    u64 (PVOP_ABI *read_tsc)(void);
    void (PVOP_ABI *load_gdt)(const struct desc_ptr *gdtr);
    /* The IDT whole. The kernel builds it in its own memory before it is
     * loaded and never changes a loaded one, so there is no op to write
     * one gate: a hypervisor reads the table here (Xen: set_trap_table). */
    void (PVOP_ABI *load_idt)(const struct desc_ptr *idtr);
    void (PVOP_ABI *load_tr)(u16 selector);
    /* Make `entries` descriptors at `ldt` the current LDT (0 entries: none).
     * Native: an LDT descriptor in the GDT and lldt; Xen: MMUEXT_SET_LDT. */
    void (PVOP_ABI *load_ldt)(const struct seg_desc *ldt, unsigned entries);
    /* A page about to hold an LDT, and one that no longer does (before it
     * is freed): a hypervisor may want it read-only meanwhile (Xen PV). */
    void (PVOP_ABI *alloc_ldt)(struct seg_desc *ldt, unsigned entries);
    void (PVOP_ABI *free_ldt)(struct seg_desc *ldt, unsigned entries);
    /* One 8-byte descriptor; a 16-byte system descriptor is two writes. */
    void (PVOP_ABI *write_gdt_entry)(struct seg_desc *gdt, unsigned idx, const struct seg_desc *d);
    void (PVOP_ABI *write_ldt_entry)(struct seg_desc *ldt, unsigned idx, const struct seg_desc *d);
    /* The stack the CPU switches to on entry from a less privileged ring. */
    void (PVOP_ABI *set_kernel_stack)(unsigned long sp0);
    /* Port I/O, an op per direction and width (IN and OUT, SDM Vol. 2A
     * and 2B): natively each site becomes the instruction itself
     * (pv/native/patch.c), which a width argument would not allow. */
    u8 (PVOP_ABI *in8)(u16 port);
    u16 (PVOP_ABI *in16)(u16 port);
    u32 (PVOP_ABI *in32)(u16 port);
    void (PVOP_ABI *out8)(u16 port, u8 val);
    void (PVOP_ABI *out16)(u16 port, u16 val);
    void (PVOP_ABI *out32)(u16 port, u32 val);
};

/* irq: the interrupt flag and waiting for an interrupt. */
struct pv_irq_ops {
    const char *name;
    unsigned long (PVOP_ABI *save_flags)(void);
    void (PVOP_ABI *restore_flags)(unsigned long flags);
    void (PVOP_ABI *disable)(void);
    void (PVOP_ABI *enable)(void);
    /* Enable interrupts and wait for one, with no window in which a wakeup
     * can be lost (native: sti; hlt). */
    void (PVOP_ABI *safe_halt)(void);
};

/* `count` entries of one table from `entry`, the first `first` and each
 * `step` more, at `level`; an entry already present is left as it is
 * (arch/x86/paging.c, map_range). */
struct pt_run {
    void *entry;
    u64 first;
    u32 step;      /* 4 KiB, 2 MiB or 1 GiB: the page size the entries map */
    u32 count;
    int level;
};
/* mmu.fill_run done entry by entry, through read_entry and set_pte..set_p4d. */
void PVOP_ABI pt_fill_run_by_entry(const struct pt_run *run);

/* mmu: page tables. Entries are 64-bit values in the architecture's format;
 * the implementation writes the width the current paging mode uses (4 bytes
 * in 2-level mode). One op per level, as a hypervisor may treat them
 * differently. The notices let a hypervisor validate and pin a page before
 * it is used as a page table, and release it afterwards. */
struct pv_mmu_ops {
    const char *name;
    void (PVOP_ABI *alloc_pt)(paddr_t table, int level);
    void (PVOP_ABI *release_pt)(paddr_t table, int level);
    void (PVOP_ABI *set_pte)(void *entryp, u64 val);   /* level 1 */
    void (PVOP_ABI *set_pmd)(void *entryp, u64 val);   /* level 2 */
    void (PVOP_ABI *set_pud)(void *entryp, u64 val);   /* level 3 */
    void (PVOP_ABI *set_p4d)(void *entryp, u64 val);   /* level 4 */
    u64 (PVOP_ABI *read_entry)(const void *entryp);
    /* A run of one table's entries at once (struct pt_run): one call for
     * what is otherwise a read and a write through the ops per entry.
     * Where every write must be seen (Xen PV, VMI) it is done entry by
     * entry through the ops above (pt_fill_run_by_entry). */
    void (PVOP_ABI *fill_run)(const struct pt_run *run);
    paddr_t (PVOP_ABI *read_pt_base)(void);
    void (PVOP_ABI *write_pt_base)(paddr_t root);
    void (PVOP_ABI *flush_tlb_one)(vaddr_t va);
    void (PVOP_ABI *flush_tlb_all)(void);     /* every non-global entry */
    void (PVOP_ABI *flush_tlb_global)(void);  /* global entries too */
    /* Flush [va, va+len) from the TLBs of the other CPUs in `cpus` (bit n:
     * CPU n; never this one), or past TLB_FLUSH_PAGES_MAX pages their
     * whole TLBs, and return once they are flushed: natively an IPI to
     * each and its answer (kernel/smp.c), under Xen PV one hypercall. */
    void (PVOP_ABI *flush_tlb_others)(u32 cpus, vaddr_t va, size_t len);
    /* Lazy mode: updates between enter and leave may be queued; flush
     * forces queued updates out without leaving the mode. */
    void (PVOP_ABI *lazy_enter)(void);
    void (PVOP_ABI *lazy_flush)(void);
    void (PVOP_ABI *lazy_leave)(void);
};

/* apic: the interrupt controller in its high-level form. Xen replaces all
 * of it with event channels, so nothing here names an APIC register. */
struct pv_apic_ops {
    const char *name;
    int (PVOP_ABI *init)(void);     /* bring the controller up, all lines masked */
    void (PVOP_ABI *eoi)(unsigned vector);
    int (PVOP_ABI *route_irq)(unsigned isa_irq, unsigned vector);   /* device line -> vector */
    void (PVOP_ABI *mask_irq)(unsigned isa_irq, bool masked);
    int (PVOP_ABI *send_ipi)(unsigned cpu, unsigned vector);
    u32 (PVOP_ABI *cpu_id)(void);                                   /* this CPU's hardware id */
};

/*T:600 time: a monotonic clock and one one-shot timer per CPU. The ops are
 * high-level on purpose: "nanoseconds since boot" and "interrupt me once
 * when the clock reads this", never "program LVT register 0x320", so that
 * a platform with no APIC timer at all can fill them. Natively the clock
 * is the TSC scaled and the timer the local APIC's; under Xen PV the clock
 * is the pvclock Xen publishes and the timer a hypercall whose expiry
 * comes back as an event; under VMI both are calls into the shim; on KVM
 * the clock may be kvmclock while the timer stays native. Every one
 * raises VEC_TIMER, which kernel/timer.c handles the same way. */
struct pv_time_ops {
    const char *name;
    int (PVOP_ABI *init)(void);     /* measure rates; after the apic group's init */
    u64 (PVOP_ABI *clock_ns)(void);              /* nanoseconds since boot, monotonic */
    u64 (PVOP_ABI *wallclock_at_boot_ns)(void);  /* Unix time (ns) when clock_ns was 0 */
    /* Fire the timer interrupt once when clock_ns() >= deadline; a deadline
     * in the past fires at once; 0 disarms. */
    void (PVOP_ABI *arm_oneshot)(u64 deadline_ns);
    u64 (PVOP_ABI *tsc_hz)(void);                /* 0 when there is no usable TSC */
};

/*T:700 vcpu: bring up further virtual CPUs (one high-level operation;
 * include/proteus/smp.h has the kernel's numbering).
 *   count()  how many CPUs this machine gives the kernel, the boot CPU
 *            included; the personality keeps the map from kernel number to
 *            its own id (APIC id, vCPU id)
 *   start()  bring CPU `cpu` (1..count-1) up and have it call
 *            info->entry(info->arg) on info->stack_top, with interrupts
 *            off, this_cpu() == &cpu_locals[cpu] (percpu_init), its own
 *            GDT and TSS and the kernel's IDT (or trap table) loaded, so
 *            that a fault there is reported, the FPU and SSE on as on the
 *            boot CPU, and its part of the interrupt controller ready for
 *            apic.send_ipi(cpu, vector). 0 once the CPU runs (entry may
 *            come a little later), or a negative errno: -EINVAL for a
 *            number out of range, -ETIMEDOUT if it never ran, or what the
 *            hypervisor answered; -ENOSYS if this personality can start no
 *            CPU at all here (a VMI shim without the call), having said so
 *            once: the kernel then tries no other. */
struct pv_vcpu_ops {
    const char *name;
    unsigned (PVOP_ABI *count)(void);
    int (PVOP_ABI *start)(unsigned cpu, const struct vcpu_start_info *info);
};

/* console: the boot console, byte-oriented. read() does not block. */
struct pv_console_ops {
    const char *name;
    void (PVOP_ABI *init)(void);    /* the first op called after install */
    void (PVOP_ABI *write)(const char *buf, size_t len);
    int (PVOP_ABI *read)(char *buf, size_t len);
};

/* power: end the machine. exit() reports `status` to whoever runs the
 * machine (QEMU's isa-debug-exit, a hypervisor) and never returns. */
struct pv_power_ops {
    const char *name;
    void (PVOP_ABI *exit)(int status) __attribute__((noreturn));
};

/*T:315 The whole table: eight groups of function pointers, each group
 * with its name first. There is one instance, pv_ops (kernel/platform.c),
 * filled at boot from native_ops with the chosen personality's overlay
 * laid over it; generic code reads it only through the wrappers below.
 * i386 and x86_64 have the same groups and ops; only the pointer size,
 * and so every offset, differs. */
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

/* Every group, and every operation (for the patcher, `monitor` and the
 * ops merge: kernel/pvpatch.c, kernel/platform.c). A build check in
 * kernel/platform.c holds the two lists to struct pv_ops: each group is
 * its name and its ops, one word each, and every op is listed. */
#define PVOP_GROUPS(X) X(cpu) X(irq) X(mmu) X(apic) X(time) X(vcpu) X(console) X(power)
#define PVOP_LIST(X)                                                                    \
    X(cpu, cpuid) X(cpu, read_cr0) X(cpu, write_cr0) X(cpu, read_cr2) X(cpu, read_cr4)   \
    X(cpu, write_cr4) X(cpu, read_dr) X(cpu, write_dr) X(cpu, read_msr) X(cpu, write_msr) \
    X(cpu, read_tsc) X(cpu, load_gdt) X(cpu, load_idt) X(cpu, load_tr) X(cpu, load_ldt)  \
    X(cpu, alloc_ldt) X(cpu, free_ldt)                                                   \
    X(cpu, write_gdt_entry) X(cpu, write_ldt_entry)                                      \
    X(cpu, set_kernel_stack) X(cpu, in8) X(cpu, in16) X(cpu, in32)                        \
    X(cpu, out8) X(cpu, out16) X(cpu, out32)                                                \
    X(irq, save_flags) X(irq, restore_flags) X(irq, disable) X(irq, enable)              \
    X(irq, safe_halt)                                                                    \
    X(mmu, alloc_pt) X(mmu, release_pt) X(mmu, set_pte) X(mmu, set_pmd) X(mmu, set_pud)  \
    X(mmu, set_p4d) X(mmu, read_entry) X(mmu, fill_run) X(mmu, read_pt_base)             \
    X(mmu, write_pt_base)                                                                \
    X(mmu, flush_tlb_one) X(mmu, flush_tlb_all) X(mmu, flush_tlb_global)                 \
    X(mmu, flush_tlb_others)                                                             \
    X(mmu, lazy_enter) X(mmu, lazy_flush) X(mmu, lazy_leave)                             \
    X(apic, init) X(apic, eoi) X(apic, route_irq) X(apic, mask_irq) X(apic, send_ipi)    \
    X(apic, cpu_id)                                                                      \
    X(time, init) X(time, clock_ns) X(time, wallclock_at_boot_ns) X(time, arm_oneshot)   \
    X(time, tsc_hz)                                                                      \
    X(vcpu, count) X(vcpu, start)                                                        \
    X(console, init) X(console, write) X(console, read)                                  \
    X(power, exit)

/*T:320 Recorded call sites.
 * PVOP_CALLn(member, a1, ..., an) calls pv_ops.member with the arguments
 * in the registers the ABI uses (x86_64: RDI RSI RDX; i386 regparm(3):
 * EAX EDX ECX, a 64-bit value taking two in a row, low half first) and
 * yields the raw return register(s). The call instruction is recorded in
 * .pvpatch.<op>: {address, offset of the pointer in pv_ops, length}, 8
 * bytes on both architectures (the image lies below 4 GiB: x86_64's small
 * code model links it there, and a 32-bit address that did not fit would
 * fail the link; 16 bytes a record were 14 KB of x86_64 hello); the
 * linker sorts those sections by name (arch/x86/kernel.ld), so each op's
 * sites lie together and the boot patches them a run at a time.
 */
#define PVOP_SITE(member)                                                        \
    "771:\n\tcall *%[fn]\n772:\n\t"                                              \
    ".pushsection .pvpatch." #member ", \"a\"\n\t"                               \
    ".balign 4\n\t.long 771b\n\t"                                               \
    ".short %c[off]\n\t"                                                         \
    ".byte 772b - 771b, 0\n\t"                                                   \
    ".popsection\n"

struct pvpatch_site {
    u32 addr;
    u16 offset;   /* of the function pointer in struct pv_ops */
    u8 len;
    u8 unused;
} __packed;

#define PVOP_OFF(member) ((unsigned long)&((struct pv_ops *)0)->member)

/*T:325 One macro per number of arguments, so that a site loads only the
 * registers it passes and declares the rest clobbered (the callee may use
 * them): an inlined `cli` then costs the `cli`, not register set-up.
 * The "m" operand makes `call *%[fn]` the memory-indirect form, 6 bytes
 * FF 15 disp32 on both architectures (the compiler addresses pv_ops
 * RIP-relative on x86_64, by absolute address on i386); every later
 * rewrite replaces exactly those 6 bytes. */
#define PVOP_ASM(member, outs, ins, clobbers)                                    \
    __asm__ __volatile__(PVOP_SITE(member) : outs : ins : clobbers)
#define PVOP_FN(member) [fn] "m"(pv_ops.member), [off] "i"(PVOP_OFF(member))

#ifdef __x86_64__
#define PVOP_CLOB_BASE "r8", "r9", "r10", "r11", "memory", "cc"
#define PVOP_CALL0(member)                                                       \
    ({ unsigned long __r;                                                        \
       PVOP_ASM(member,                                                          \
                "=a"(__r), PVOP_FN(member),                                      \
                PVOP_COMMA("rdi", "rsi", "rdx", "rcx", PVOP_CLOB_BASE));         \
       (u64)__r; })
#define PVOP_CALL1(member, x1)                                                   \
    ({ unsigned long __r;                                                        \
       register unsigned long __a1 __asm__("rdi") = (unsigned long)(x1);         \
       PVOP_ASM(member,                                                          \
                PVOP_COMMA("=a"(__r), "+r"(__a1)), PVOP_FN(member),              \
                PVOP_COMMA("rsi", "rdx", "rcx", PVOP_CLOB_BASE));                \
       (u64)__r; })
#define PVOP_CALL2(member, x1, x2)                                               \
    ({ unsigned long __r;                                                        \
       register unsigned long __a1 __asm__("rdi") = (unsigned long)(x1);         \
       register unsigned long __a2 __asm__("rsi") = (unsigned long)(x2);         \
       PVOP_ASM(member,                                                          \
                PVOP_COMMA("=a"(__r), "+r"(__a1), "+r"(__a2)), PVOP_FN(member),  \
                PVOP_COMMA("rdx", "rcx", PVOP_CLOB_BASE));                       \
       (u64)__r; })
#define PVOP_CALL3(member, x1, x2, x3)                                           \
    ({ unsigned long __r;                                                        \
       register unsigned long __a1 __asm__("rdi") = (unsigned long)(x1);         \
       register unsigned long __a2 __asm__("rsi") = (unsigned long)(x2);         \
       register unsigned long __a3 __asm__("rdx") = (unsigned long)(x3);         \
       PVOP_ASM(member,                                                          \
                PVOP_COMMA("=a"(__r), "+r"(__a1), "+r"(__a2), "+r"(__a3)),       \
                PVOP_FN(member), PVOP_COMMA("rcx", PVOP_CLOB_BASE));             \
       (u64)__r; })
#else
/* i386, regparm(3): EAX EDX ECX in, EAX (EDX:EAX for 64 bits) out. */
#define PVOP_CALL0(member)                                                       \
    ({ unsigned long __lo, __hi;                                                 \
       PVOP_ASM(member,                                                          \
                PVOP_COMMA("=a"(__lo), "=d"(__hi)), PVOP_FN(member),             \
                PVOP_COMMA("ecx", "memory", "cc"));                              \
       (u64)__hi << 32 | __lo; })
#define PVOP_CALL1(member, x1)                                                   \
    ({ unsigned long __lo = (unsigned long)(x1), __hi;                           \
       PVOP_ASM(member,                                                          \
                PVOP_COMMA("+a"(__lo), "=d"(__hi)), PVOP_FN(member),             \
                PVOP_COMMA("ecx", "memory", "cc"));                              \
       (u64)__hi << 32 | __lo; })
#define PVOP_CALL2(member, x1, x2)                                               \
    ({ unsigned long __lo = (unsigned long)(x1), __hi = (unsigned long)(x2);     \
       PVOP_ASM(member,                                                          \
                PVOP_COMMA("+a"(__lo), "+d"(__hi)), PVOP_FN(member),             \
                PVOP_COMMA("ecx", "memory", "cc"));                              \
       (u64)__hi << 32 | __lo; })
#define PVOP_CALL3(member, x1, x2, x3)                                           \
    ({ unsigned long __lo = (unsigned long)(x1), __hi = (unsigned long)(x2);     \
       unsigned long __c = (unsigned long)(x3);                                  \
       PVOP_ASM(member,                                                          \
                PVOP_COMMA("+a"(__lo), "+d"(__hi), "+c"(__c)), PVOP_FN(member),  \
                PVOP_COMMA("memory", "cc"));                                     \
       (u64)__hi << 32 | __lo; })
#endif
#define PVOP_COMMA(...) __VA_ARGS__

/* 64-bit values as arguments: one register on x86_64, two on i386. The
 * shapes used: (u64), (pointer, u64) and (u64, int). */
#ifdef __x86_64__
#define PVOP_CALL_U64(member, v) PVOP_CALL1(member, v)
#define PVOP_CALL_P_U64(member, p, v) PVOP_CALL2(member, p, v)
#define PVOP_CALL_U64_I(member, v, i) PVOP_CALL2(member, v, i)
#else
#define PVOP_LO(v) ((u32)(u64)(v))
#define PVOP_HI(v) ((u32)((u64)(v) >> 32))
#define PVOP_CALL_U64(member, v) PVOP_CALL2(member, PVOP_LO(v), PVOP_HI(v))
#define PVOP_CALL_P_U64(member, p, v) PVOP_CALL3(member, p, PVOP_LO(v), PVOP_HI(v))
#define PVOP_CALL_U64_I(member, v, i) PVOP_CALL3(member, PVOP_LO(v), PVOP_HI(v), i)
#endif

/* Short names for the wrappers below. */
#define PV0(m) PVOP_CALL0(m)
#define PV1(m, a) PVOP_CALL1(m, a)
#define PV2(m, a, b) PVOP_CALL2(m, a, b)
#define PV3(m, a, b, c) PVOP_CALL3(m, a, b, c)

/*T:330 Typed wrappers: the only way generic code reaches the platform.
 * Each is always inlined, so each use in the source is its own call site
 * in the text, with its own .pvpatch record: irq_disable() in a spinlock
 * is one site, in the scheduler another. The types are checked here, once,
 * and the macros they use (PV0..PV3, just above: PVOP_CALL0..3) pass raw
 * registers. So write_cr0(v) is PVOP_CALL1(cpu.write_cr0, v): v in RDI
 * (EAX on i386), then the 6-byte call through pv_ops.cpu.write_cr0 that
 * PVOP_SITE records. */
static __always_inline void cpuid_count(u32 leaf, u32 sub, struct cpuid_regs *r) { PV3(cpu.cpuid, leaf, sub, r); }
static __always_inline void cpuid(u32 leaf, struct cpuid_regs *r) { PV3(cpu.cpuid, leaf, 0, r); }
static __always_inline unsigned long read_cr0(void) { return (unsigned long)PV0(cpu.read_cr0); }
static __always_inline void write_cr0(unsigned long v) { PV1(cpu.write_cr0, v); }
static __always_inline unsigned long read_cr2(void) { return (unsigned long)PV0(cpu.read_cr2); }
static __always_inline unsigned long read_cr4(void) { return (unsigned long)PV0(cpu.read_cr4); }
static __always_inline void write_cr4(unsigned long v) { PV1(cpu.write_cr4, v); }
static __always_inline unsigned long read_dr(int r) { return (unsigned long)PV1(cpu.read_dr, r); }
static __always_inline void write_dr(int r, unsigned long v) { PV2(cpu.write_dr, r, v); }
static __always_inline int rdmsr_safe(u32 msr, u64 *v) { return (int)PV2(cpu.read_msr, msr, v); }
#ifdef __x86_64__
static __always_inline int wrmsr_safe(u32 msr, u64 v) { return (int)PV2(cpu.write_msr, msr, v); }
#else
static __always_inline int wrmsr_safe(u32 msr, u64 v) { return (int)PV3(cpu.write_msr, msr, PVOP_LO(v), PVOP_HI(v)); }
#endif
static __always_inline void load_gdt(const struct desc_ptr *p) { PV1(cpu.load_gdt, p); }
static __always_inline void load_idt(const struct desc_ptr *p) { PV1(cpu.load_idt, p); }
static __always_inline void load_tr(u16 sel) { PV1(cpu.load_tr, sel); }
static __always_inline void load_ldt(const struct seg_desc *ldt, unsigned n) { PV2(cpu.load_ldt, ldt, n); }
static __always_inline void ldt_alloc_notice(struct seg_desc *ldt, unsigned n) { PV2(cpu.alloc_ldt, ldt, n); }
static __always_inline void ldt_release_notice(struct seg_desc *ldt, unsigned n) { PV2(cpu.free_ldt, ldt, n); }
static __always_inline void write_gdt_entry(struct seg_desc *gdt, unsigned i, const struct seg_desc *d)
{
    PV3(cpu.write_gdt_entry, gdt, i, d);
}
static __always_inline void write_ldt_entry(struct seg_desc *ldt, unsigned i, const struct seg_desc *d)
{
    PV3(cpu.write_ldt_entry, ldt, i, d);
}
static __always_inline void set_kernel_stack(unsigned long sp0) { PV1(cpu.set_kernel_stack, sp0); }
static __always_inline u8 inb(u16 port) { return (u8)PV1(cpu.in8, port); }
static __always_inline u16 inw(u16 port) { return (u16)PV1(cpu.in16, port); }
static __always_inline u32 inl(u16 port) { return (u32)PV1(cpu.in32, port); }
static __always_inline void outb(u16 port, u8 v) { PV2(cpu.out8, port, v); }
static __always_inline void outw(u16 port, u16 v) { PV2(cpu.out16, port, v); }
static __always_inline void outl(u16 port, u32 v) { PV2(cpu.out32, port, v); }

/*T:335 The hot ones. Built with CONFIG_PVOPS=0 (`make bench` builds such an
 * image to compare with), these become the native instructions themselves:
 * the "no layer" baseline for the patched calls. irq_save() is two sites,
 * irq.save_flags then irq.disable; natively the build turns them into
 * `pushf; pop %rax` (%eax on i386) and `cli`, each padded to 6 bytes
 * with one NOP. */
#if CONFIG_PVOPS
static __always_inline u64 read_tsc(void) { return PV0(cpu.read_tsc); }
static __always_inline unsigned long irq_save(void)
{
    unsigned long f = (unsigned long)PV0(irq.save_flags);
    PV0(irq.disable);
    return f;
}
static __always_inline void irq_restore(unsigned long f) { PV1(irq.restore_flags, f); }
static __always_inline void irq_disable(void) { PV0(irq.disable); }
static __always_inline void irq_enable(void) { PV0(irq.enable); }

/*T:415 The one door every page-table write goes through. The level picks
 * the op (set_pte for a page table, up to set_p4d for a PML4) because a
 * hypervisor may treat the levels differently; the value is always 64 bits,
 * whatever the paging mode. Each case is a recorded call site (PVOP_SITE
 * above): on x86_64 the entry pointer goes in RDI and the value in RSI; on
 * i386 the pointer in EAX and the value's halves in EDX and ECX. What runs
 * at the site is decided once, at build and boot time (docs/patching.md):
 * natively on x86_64 the call becomes the 3-byte store `mov %rsi,(%rdi)`
 * itself (pv/native/patch.c), under Xen PV a direct call to
 * xen_set_entry, under the VMI shim whatever the shim's call table says
 * for SET_PTE..SET_P4D. */
static __always_inline void pt_set_entry(void *p, u64 v, int level)
{
    switch (level) {
    case 1: PVOP_CALL_P_U64(mmu.set_pte, p, v); break;
    case 2: PVOP_CALL_P_U64(mmu.set_pmd, p, v); break;
    case 3: PVOP_CALL_P_U64(mmu.set_pud, p, v); break;
    default: PVOP_CALL_P_U64(mmu.set_p4d, p, v); break;
    }
}
#else
#include <arch/x86.h>
static __always_inline u64 read_tsc(void) { return x86_rdtsc(); }
static __always_inline unsigned long irq_save(void)
{
    unsigned long f = x86_read_flags();
    x86_cli();
    return f;
}
static __always_inline void irq_restore(unsigned long f) { x86_write_flags(f); }
static __always_inline void irq_disable(void) { x86_cli(); }
static __always_inline void irq_enable(void) { x86_sti(); }
void native_pt_write(void *p, u64 v);
static __always_inline void pt_set_entry(void *p, u64 v, int level)
{
#ifdef __x86_64__
    *(volatile u64 *)p = v;      /* 4-level entries are always 8 bytes */
#else
    native_pt_write(p, v);       /* PAE halves in order, or 4 bytes in 2-level mode */
#endif
}
#endif
static __always_inline void safe_halt(void) { PV0(irq.safe_halt); }

static __always_inline void pt_alloc_notice(paddr_t t, int level) { PVOP_CALL_U64_I(mmu.alloc_pt, t, level); }
static __always_inline void pt_release_notice(paddr_t t, int level) { PVOP_CALL_U64_I(mmu.release_pt, t, level); }
static __always_inline void pt_clear_entry(void *p, int level) { pt_set_entry(p, 0, level); }
static __always_inline u64 pt_read_entry(const void *p, int level) { (void)level; return PV1(mmu.read_entry, p); }
static __always_inline void pt_fill_run(const struct pt_run *run) { PV1(mmu.fill_run, run); }
static __always_inline paddr_t read_pt_base(void) { return (paddr_t)PV0(mmu.read_pt_base); }
static __always_inline void write_pt_base(paddr_t root) { PVOP_CALL_U64(mmu.write_pt_base, root); }
static __always_inline void flush_tlb_one(vaddr_t va) { PV1(mmu.flush_tlb_one, va); }
static __always_inline void flush_tlb_all(void) { PV0(mmu.flush_tlb_all); }
/* More pages than this: a whole-TLB flush instead, one reload. */
#define TLB_FLUSH_PAGES_MAX 32
static __always_inline void flush_tlb_others(u32 cpus, vaddr_t va, size_t len)
{
    PV3(mmu.flush_tlb_others, cpus, va, len);
}
static __always_inline void flush_tlb_global(void) { PV0(mmu.flush_tlb_global); }
static __always_inline void mmu_lazy_enter(void) { PV0(mmu.lazy_enter); }
static __always_inline void mmu_lazy_flush(void) { PV0(mmu.lazy_flush); }
static __always_inline void mmu_lazy_leave(void) { PV0(mmu.lazy_leave); }

/* Wrappers whose op name alone would not say what it acts on are named
 * <group>_<op>, so a call site names the group it goes through. */
static __always_inline int apic_init(void) { return (int)PV0(apic.init); }
static __always_inline void apic_eoi(unsigned vector) { PV1(apic.eoi, vector); }
static __always_inline int apic_route_irq(unsigned irq, unsigned vector) { return (int)PV2(apic.route_irq, irq, vector); }
static __always_inline void apic_mask_irq(unsigned irq, bool m) { PV2(apic.mask_irq, irq, m); }
static __always_inline int apic_send_ipi(unsigned cpu, unsigned vector) { return (int)PV2(apic.send_ipi, cpu, vector); }
static __always_inline u32 apic_cpu_id(void) { return (u32)PV0(apic.cpu_id); }

static __always_inline int time_init(void) { return (int)PV0(time.init); }
static __always_inline u64 clock_ns(void) { return PV0(time.clock_ns); }
static __always_inline u64 wallclock_at_boot_ns(void) { return PV0(time.wallclock_at_boot_ns); }
static __always_inline void timer_arm_oneshot(u64 deadline) { PVOP_CALL_U64(time.arm_oneshot, deadline); }
static __always_inline u64 tsc_hz(void) { return PV0(time.tsc_hz); }

static __always_inline unsigned vcpu_count(void) { return (unsigned)PV0(vcpu.count); }
static __always_inline int vcpu_start(unsigned cpu, const struct vcpu_start_info *info)
{
    return (int)PV2(vcpu.start, cpu, info);
}

static __always_inline void console_init(void) { PV0(console.init); }
static __always_inline void console_write(const char *b, size_t n) { PV2(console.write, b, n); }
static __always_inline int console_read(char *b, size_t n) { return (int)PV2(console.read, b, n); }

static __always_inline __noreturn void power_exit(int status)
{
    PV1(power.exit, status);
    __builtin_unreachable();
}

#endif
