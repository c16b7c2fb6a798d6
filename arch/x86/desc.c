/*
 * Descriptor tables: each CPU's GDT and TSS, and the one IDT. Built in
 * memory here and handed to the platform through the cpu ops, so the same
 * code serves native hardware (lgdt/ltr/lidt) and, later, hypervisors that
 * take these tables through calls. SDM Vol. 3A, 3.5.1 (GDT), 6.10 (IDT),
 * 7.2 and 8.7 (TSS).
 */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/percpu_gdt.h>
#include <arch/regs.h>
#include <arch/trap_entry.h>
#include <proteus/percpu.h>
#include <proteus/pvops.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/string.h>
#include <proteus/vm.h>

struct cpu_local cpu_locals[MAX_CPUS];
/* the entry code (arch/trap_entry.h) and ARCH_DEFAULT_FS repeat these as numbers */
BUILD_BUG_ON(KERNEL_DS != KERNEL_DS_SEL);
BUILD_BUG_ON(PERCPU_SEL != PERCPU_SEL_NR);
/* A page per CPU, although only GDT_ENTRIES are used: Xen PV takes a GDT
 * only as whole frames that hold nothing else (Xen's
 * xen/arch/x86/pv/descriptor-tables.c). The boot CPU's is in the image (its
 * tables come before the frame allocator); every other CPU's is a frame
 * taken when the CPU is first started, so that the image does not carry
 * MAX_CPUS of them. */
static struct seg_desc boot_gdt_page[PAGE_SIZE / sizeof(struct seg_desc)] __aligned(PAGE_SIZE);
static struct seg_desc *gdts[MAX_CPUS] = { boot_gdt_page };
/* Whether a CPU's GDT has been built before: the first build finds the
 * page zero (the BSS, or a zeroed frame), a later one (the CPU started
 * again) zeroes it, so that no descriptor of the last run survives. */
static u32 gdt_built;
BUILD_BUG_ON(MAX_CPUS > 32);
/* Need not start zero: idt_init writes every gate before the first lidt. */
static struct gate_desc idt[256] __aligned(16) __noclear;

/* A separate stack for the double fault, so that a stack overflow, which
 * faults again while pushing the #PF frame, is still reported instead of
 * ending in a triple fault: x86_64 switches to it through IST 1; i386 has no
 * IST and reaches it through a task gate to a TSS of its own (SDM Vol. 3A,
 * 6.14.5 and 7.3, and the #DF entry of 6.15, which recommends a task gate). */
#define DF_STACK_SIZE 8192
/* Every CPU's comes from the stack window, guard page included, so the
 * image carries none. The boot CPU sets up its tables before the window
 * exists; until then (desc_paging_ready) its double fault is an ordinary
 * interrupt gate on the current stack. That loses nothing: before the
 * kernel's page tables no stack has a guard page, so an overflow cannot
 * fault, and the double faults left (a fault while delivering one through
 * a bad descriptor) have a good stack to run on. */
static uintptr_t df_tops[MAX_CPUS];

static uintptr_t df_stack_top(unsigned cpu)
{
    if (!df_tops[cpu]) {
        int err;
        df_tops[cpu] = vm_stack_alloc(DF_STACK_SIZE / PAGE_SIZE, "the double-fault handler", &err);
        if (!df_tops[cpu])
            panic("traps: no double-fault stack for CPU %u: %s (%d)", cpu, errno_name(err), err);
    }
    return df_tops[cpu];
}
/* For a TSS being built: 0 for the boot CPU until desc_paging_ready has
 * given it its stack (a later rebuild keeps that one). */
static uintptr_t df_top_for_tss(unsigned cpu)
{
    return cpu || df_tops[0] ? df_stack_top(cpu) : 0;
}
/* Whether this kernel's own TSS is in use (bare hardware, the VMI shim),
 * rather than a hypervisor's trap table. */
static bool own_tss;
#ifndef __x86_64__
static struct tss df_tss[MAX_CPUS];
extern char df_task_entry[];
#endif

extern char trap_stubs[];

static void reload_segments(void)
{
#ifdef __x86_64__
    __asm__ __volatile__("pushq %0\n\t"
                         "leaq 1f(%%rip), %%rax\n\t"
                         "pushq %%rax\n\t"
                         "lretq\n"
                         "1:\n\t"
                         "mov %1, %%ds\n\t"
                         "mov %1, %%es\n\t"
                         "mov %1, %%ss\n\t"
                         ::"i"(KERNEL_CS), "r"(KERNEL_DS) : "rax", "memory");
#else
    __asm__ __volatile__("ljmp %0, $1f\n"
                         "1:\n\t"
                         "mov %1, %%ds\n\t"
                         "mov %1, %%es\n\t"
                         "mov %1, %%ss\n\t"
                         "mov %1, %%fs\n\t"
                         ::"i"(KERNEL_CS), "r"(KERNEL_DS) : "memory");
#endif
}

/* A 16-byte (x86_64) or 8-byte (i386) system descriptor for a TSS or LDT. */
static void write_system_desc(struct seg_desc *gdt, unsigned idx, unsigned long base, u32 limit,
                              u32 type)
{
    struct seg_desc d[2];
    d[0] = seg_desc_make((u32)base, limit, type, false, 0, 0);
    write_gdt_entry(gdt, idx, &d[0]);
    if (IS_ENABLED(CONFIG_64BIT)) {
        d[1].lo = (u32)((u64)base >> 32);   /* the upper half of a 16-byte descriptor */
        d[1].hi = 0;
        write_gdt_entry(gdt, idx + 1, &d[1]);
    }
}

/* The code, data and per-CPU entries of a CPU's GDT, written through the
 * cpu ops: what every personality needs (a hypervisor takes the table
 * through calls and may adjust DPLs: Xen's
 * xen/arch/x86/pv/descriptor-tables.c). Not loaded: a CPU loads its own
 * (cpu_gdt_init), or a hypervisor takes it with the rest of a CPU it
 * starts (Xen's VCPUOP_initialise, pv/xen/vcpu.c). */
void cpu_gdt_build(unsigned cpu, struct desc_ptr *gdtr)
{
    struct cpu_local *c = &cpu_locals[cpu];
    const u32 flat = 0xfffff;
    struct seg_desc d;

    if (!gdts[cpu]) {
        paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
        if (!pa)
            panic("desc: no free frame for CPU %u's GDT", cpu);
        gdts[cpu] = phys_to_virt(pa);
    }
    struct seg_desc *gdt = gdts[cpu];
    c->self = c;
    c->id = cpu;
    if (__atomic_fetch_or(&gdt_built, 1u << cpu, __ATOMIC_RELAXED) & (1u << cpu))
        memset(gdt, 0, PAGE_SIZE);   /* CPUs start side by side: one atomic update */
    if (IS_ENABLED(CONFIG_64BIT)) {
        d = seg_desc_make(0, flat, SEG_CODE_RX, true, 0, DESC_L | DESC_G);
        write_gdt_entry(gdt, GDT_KERNEL_CS, &d);
        d = seg_desc_make(0, flat, SEG_CODE_RX, true, 3, DESC_L | DESC_G);
        write_gdt_entry(gdt, GDT_USER_CS64, &d);
    } else {
        d = seg_desc_make(0, flat, SEG_CODE_RX, true, 0, DESC_DB | DESC_G);
        write_gdt_entry(gdt, GDT_KERNEL_CS, &d);
        d = seg_desc_make((u32)(uintptr_t)c, sizeof(*c) - 1, SEG_DATA_RW, true, 0, DESC_DB);
        write_gdt_entry(gdt, GDT_PERCPU, &d);
    }
    d = seg_desc_make(0, flat, SEG_DATA_RW, true, 0, DESC_DB | DESC_G);
    write_gdt_entry(gdt, GDT_KERNEL_DS, &d);
    d = seg_desc_make(0, flat, SEG_CODE_RX, true, 3, DESC_DB | DESC_G);
    write_gdt_entry(gdt, GDT_USER_CS32, &d);
    d = seg_desc_make(0, flat, SEG_DATA_RW, true, 3, DESC_DB | DESC_G);
    write_gdt_entry(gdt, GDT_USER_DS, &d);

    gdtr->limit = GDT_ENTRIES * sizeof(struct seg_desc) - 1;
    gdtr->base = (unsigned long)gdt;
}

/* A CPU's GDT, built and loaded on that CPU. */
void cpu_gdt_init(unsigned cpu)
{
    struct desc_ptr gdtr;
    cpu_gdt_build(cpu, &gdtr);
    load_gdt(&gdtr);
}

/* The task state segment: the stack for entries from a less privileged
 * ring, and on x86_64 the double fault's IST stack; on i386 a second TSS
 * for the double-fault task. Bare hardware only: a hypervisor keeps the
 * TSS itself and takes the kernel stack through set_kernel_stack. */
static void tss_init(unsigned cpu)
{
    struct cpu_local *c = &cpu_locals[cpu];
    struct seg_desc *gdt = gdts[cpu];

    /* No I/O bitmap: its offset points past the TSS limit. */
    memset(&c->tss, 0, sizeof(c->tss));
    c->tss.iomap_base = sizeof(c->tss);
    own_tss = true;
#ifdef __x86_64__
    c->tss.ist[0] = (u64)df_top_for_tss(cpu);
#else
    c->tss.ss0 = KERNEL_DS;
#endif
    write_system_desc(gdt, GDT_TSS, (unsigned long)&c->tss, sizeof(c->tss) - 1, SYS_TSS_AVAIL);
#ifndef __x86_64__
    struct tss *t = &df_tss[cpu];
    memset(t, 0, sizeof(*t));
    t->eip = (u32)(uintptr_t)df_task_entry;
    t->esp = (u32)df_top_for_tss(cpu);
    if (cpu)   /* a started CPU: paging is on, and its own root is loaded */
        t->cr3 = (u32)read_pt_base();
    t->eflags = 0x2;   /* reserved bit 1; interrupts off */
    t->cs = KERNEL_CS;
    t->ds = t->es = t->ss = t->fs = KERNEL_DS;
    t->gs = PERCPU_SEL;
    t->iomap_base = sizeof(*t);
    write_system_desc(gdt, GDT_DF_TSS, (unsigned long)t, sizeof(*t) - 1, SYS_TSS_AVAIL);
#endif
    load_tr(TSS_SEL);
}

void cpu_tables_init(unsigned cpu)
{
    cpu_gdt_init(cpu);
    reload_segments();
    tss_init(cpu);
    percpu_init(cpu);
}

/* The GDT of a CPU, for the LDT code and for `monitor`. */
struct seg_desc *cpu_gdt(unsigned cpu)
{
    return gdts[cpu];
}

void cpu_set_ldt_desc(unsigned cpu, const void *base, unsigned entries)
{
    if (entries)
        write_system_desc(gdts[cpu], GDT_LDT, (unsigned long)base, entries * 8 - 1, SYS_LDT);
}

/* The double fault on its own stack: IST 1 on x86_64; on i386 a task gate
 * (only the TSS selector counts) to the double-fault TSS. */
static void df_gate_set(void)
{
#ifdef __x86_64__
    idt[8].ist = 1;
#else
    idt[8] = (struct gate_desc){ .selector = DF_TSS_SEL, .type_attr = 0x80 | SYS_TASK_GATE };
#endif
}

void idt_init(void)
{
    /*T:515 Where the CPU goes with the vector: IDT entry 0x24, like every
     * other, is an interrupt gate to stub 0x24 of trap_stubs
     * (arch/x86/<arch>/entry.S, TRAP_STUB_SIZE bytes apart), in the
     * kernel's code segment, DPL 0. An interrupt gate, not a trap gate:
     * the CPU clears EFLAGS.IF as it enters (SDM Vol. 3A, 6.12.1.3), so
     * the handler runs with interrupts off and iret's restored EFLAGS turns
     * them back on. Built in place: the table is the kernel's own memory until
     * load_idt hands it over whole (include/proteus/pvops.h). Each gate
     * is written as its 32-bit words (SDM Vol. 3A, 6.11 figure 6-2, and
     * 6.14.1 figure 6-8 for the 16-byte form): offset 15:0 and the
     * selector; offset 31:16, P, DPL, the type and (x86_64) the IST
     * index; offset 63:32 and a reserved word. Field by field through
     * the packed struct it was 15 instructions a gate on i386, and a call
     * through the ops per gate 23. */
    const u32 attr = (0x80 | SYS_INTR_GATE) << 8;   /* present, DPL 0 */
    /* The stubs' bits 63:32 are one value: the image, linked with the
     * small code model, lies below 4 GiB. */
    const u32 high = (u32)((u64)(unsigned long)trap_stubs >> 32);
    for (unsigned v = 0; v < 256; v++) {
        u32 addr = (u32)(unsigned long)trap_stubs + v * TRAP_STUB_SIZE;
        u32 *w = (u32 *)&idt[v];
        w[0] = (u32)KERNEL_CS << 16 | (addr & 0xffff);
        w[1] = (addr & 0xffff0000u) | attr;
#ifdef __x86_64__
        w[2] = high;
        w[3] = 0;
#endif
    }
    (void)high;
    BUILD_BUG_ON(sizeof(struct gate_desc) != 2 * sizeof(unsigned long));
    if (df_tops[0])
        df_gate_set();
    idt_load();
}

/* The one IDT, on this CPU (every CPU shares it). */
void idt_load(void)
{
    struct desc_ptr idtr = { sizeof(idt) - 1, (unsigned long)idt };
    load_idt(&idtr);
}

/* Once the kernel's page tables exist, where this kernel's TSS is in use:
 * give the boot CPU its double-fault stack (from the stack window,
 * guarded) and point the gate at it; the IDT is handed over again, as any
 * change to it is (include/proteus/pvops.h, load_idt). */
void desc_paging_ready(void)
{
    if (!own_tss)
        return;
#ifdef __x86_64__
    cpu_locals[0].tss.ist[0] = (u64)df_stack_top(0);
#else
    df_tss[0].esp = (u32)df_stack_top(0);
    df_tss[0].cr3 = (u32)read_pt_base();
#endif
    df_gate_set();
    idt_load();
}

#ifndef __x86_64__
/* The CPU saved the interrupted state in the task it left (this CPU's own
 * TSS), so the report is built from there. */
void double_fault_task(void);
void double_fault_task(void)
{
    struct cpu_local *c = &cpu_locals[0];
    struct trap_frame f;
    memset(&f, 0, sizeof(f));
    f.vector = 8;
    f.ip = c->tss.eip;
    f.cs = c->tss.cs;
    f.flags = c->tss.eflags;
    f.eax = c->tss.eax;
    f.ebx = c->tss.ebx;
    f.ecx = c->tss.ecx;
    f.edx = c->tss.edx;
    f.esi = c->tss.esi;
    f.edi = c->tss.edi;
    f.ebp = c->tss.ebp;
    f.sp = c->tss.esp;
    f.ss = c->tss.ss;
    fatal_exception(&f);
}
#endif
