/*T:745
 * Xen PV vCPU ops: how many vCPUs Xen gave the domain, and starting one.
 * Natively a CPU is woken with INIT-SIPI-SIPI and climbs from real mode
 * through a trampoline; a PV vCPU is described instead, whole, and then
 * let run: VCPUOP_initialise takes its initial state, a struct
 * vcpu_guest_context (Xen's public arch-x86/xen.h), and VCPUOP_up starts
 * it (vcpu.h). What the kernel puts in it, field by field:
 *
 *   user_regs       where it starts and on which stack: xen_ap_start(cpu)
 *                   on the stack smp_init gave it, in Xen's flat kernel
 *                   code and stack segments (FLAT_KERNEL_CS/SS); on i386
 *                   the kernel's data segments and the per-CPU one in %gs
 *   flags           VGCF_in_kernel (a 64-bit vCPU started in user mode
 *                   would need a user page table), and the failsafe
 *                   callback entered with events masked, as vCPU 0 has it
 *   trap_ctxt       vCPU 0's trap table, by vector (pv/xen/cpu.c)
 *   gdt_frames      its own GDT (gdts[cpu], arch/x86/desc.c), written
 *                   through update_descriptor and mapped read-only first:
 *                   Xen takes a frame as a GDT only if no writable mapping
 *                   of it exists (xen/arch/x86/pv/descriptor-tables.c)
 *   kernel_ss/sp    the stack for entries from a less privileged ring,
 *                   until the scheduler sets its own (stack_switch)
 *   ctrlreg[3]      the page-table root vCPU 0 runs on, Xen's pinned tree,
 *                   as a machine frame in xen_pfn_to_cr3's packing: a shift
 *                   on x86_64 (arch-x86/xen-x86_64.h); on 32-bit PAE the
 *                   frame number rotated so that its bits above 20 land in
 *                   CR3's low bits and a table above 4 GiB fits
 *                   (arch-x86/xen-x86_32.h, "extended-cr3")
 *   callbacks       the event and failsafe entries vCPU 0 registered with
 *                   callback_op (pv/xen/events.c); no syscall one
 *   gs_base_kernel  x86_64: the CPU's per-CPU area, so that this_cpu()
 *                   works from its first instruction
 *   eflags          dom0's I/O privilege: PHYSDEVOP_set_iopl is per vCPU,
 *                   and Xen takes a new vCPU's virtual IOPL from here
 *                   (xen/arch/x86/domain.c, arch_set_info_guest)
 *   ctrlreg[0]      TS clear; Xen owns the rest of CR0 and CR4
 */

#include "xen.h"
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/x86.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/string.h>
#include <proteus/vm.h>
#include <xen/errno.h>

BUILD_BUG_ON(MAX_CPUS > XEN_LEGACY_MAX_VCPUS);   /* the fallback is a shared_info slot */

bool xen_percpu_ready;
struct vcpu_info *xen_vcpu_info_of[MAX_CPUS];

/* One page holds every vCPU's vcpu_info, each 64-byte aligned, so none
 * crosses a page boundary (Xen refuses one that does). */
BUILD_BUG_ON(MAX_CPUS * 64 > PAGE_SIZE);
BUILD_BUG_ON(sizeof(struct vcpu_info) > 64);
static struct vcpu_info *vcpu_info_page;
static int kernel_errno(long err);

/*T:750
 * Besides its vcpu_guest_context (the top of this file), a new vCPU
 * needs its vcpu_info and a first frame on its stack. Events are masked
 * in the vCPU's vcpu_info before it runs, and stay so
 * until the kernel's code on it unmasks them. Its vcpu_info is registered
 * in the kernel's memory first (VCPUOP_register_vcpu_info: a 64-byte
 * structure of its own, none crossing a page), as vCPU 0's is at boot;
 * where Xen refuses, it keeps its slot in shared_info, which Xen's first
 * XEN_LEGACY_MAX_VCPUS vCPUs have (the kernel runs at most MAX_CPUS,
 * fewer, checked at build time). The new vCPU enters
 * C directly (xen_ap_start): its first frame is laid out by first_frame,
 * below, a zero return address that ends a backtrace and, on i386, the
 * argument. There it finishes what
 * vcpu.start promises (include/proteus/pvops.h): percpu_init's check, the
 * FPU and SSE as on vCPU 0 (CR0.TS through fpu_taskswitch), no periodic
 * tick; IPIs reach it through event channels bound to it on first use
 * (pv/xen/events.c).
 */
int xen_vcpu_info_register(unsigned cpu)
{
    if (cpu >= MAX_CPUS)
        return -EINVAL;
    if (!vcpu_info_page) {
        paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
        if (!pa) {
            printk("xen: no page for the vCPUs' vcpu_info; they keep their shared_info slots\n");
            return -ENOMEM;
        }
        vcpu_info_page = phys_to_virt(pa);
    }
    struct vcpu_info *v = (struct vcpu_info *)((u8 *)vcpu_info_page + cpu * 64);
    u64 ma = xen_virt_to_machine(v);
    struct vcpu_register_vcpu_info r = { .mfn = ma >> PAGE_SHIFT, .offset = (u32)(ma & (PAGE_SIZE - 1)) };
    long err = xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, cpu, &r);
    if (err) {
        printk("xen: VCPUOP_register_vcpu_info for vCPU %u failed: %s (%ld); it keeps its "
               "shared_info slot\n", cpu, xen_errno_name(err), err);
        return kernel_errno(err);
    }
    /* Xen copied the slot's contents there; from now on only this one is
     * kept up to date (events, the pvclock, CR2). */
    __atomic_store_n(&xen_vcpu_info_of[cpu], v, __ATOMIC_RELEASE);
    return 0;
}

bool xen_vcpu_info_registered(unsigned cpu)
{
    return cpu < MAX_CPUS && __atomic_load_n(&xen_vcpu_info_of[cpu], __ATOMIC_ACQUIRE);
}

/* What each started vCPU is to call: vcpu.start's argument is the
 * caller's and need not outlive the call. */
static struct vcpu_start_info ap_info[MAX_CPUS];

static PVOP_ABI unsigned xen_vcpu_count(void)
{
    unsigned n = 0;
    while (n < 4096 && xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, n, 0) >= 0)
        n++;
    return n;
}

/*T:760 The first C a started vCPU runs, on the stack it was given, with
 * events masked, its GDT, trap table and (x86_64) GS base from the
 * context. What is left of vcpu.start's promise: i386's per-CPU segment
 * in %gs checked, the FPU (CR0.TS through fpu_taskswitch), and its timer:
 * xen_time_init_cpu stops this vCPU's periodic tick and binds its own
 * VIRQ_TIMER to VEC_TIMER, as time.init did on vCPU 0. Then smp_ap_main,
 * like every personality's CPUs. */
static __noreturn void xen_ap_start(unsigned cpu)
{
    percpu_init(cpu);          /* loads %gs on i386; checks this_cpu() */
    cpu_enable_fpu();          /* CR0.TS clear (fpu_taskswitch), x87 reset */
    xen_time_init_cpu();
    ap_info[cpu].entry(ap_info[cpu].arg);
    panic("xen: CPU %u returned from its entry", cpu);
}

/* Xen's error as the kernel's errno: the numbers agree up to ERANGE (both
 * follow the historical Unix list); beyond, only ENOSYS is expected. */
static int kernel_errno(long err)
{
    if (err >= -ERANGE)
        return (int)err;
    return err == -XEN_ENOSYS ? -ENOSYS : -EIO;
}

static int vcpu_op(int cmd, unsigned cpu, void *arg, const char *what)
{
    long err = xen_hypercall(__HYPERVISOR_vcpu_op, cmd, cpu, arg);
    if (err)
        printk("xen: %s for vCPU %u failed: %s (%ld)\n", what, cpu, xen_errno_name(err), err);
    return kernel_errno(err);
}

/* The new vCPU's first frame, below info->stack_top: a zero return
 * address and, on i386, the argument, placed so that the stack is as
 * aligned as at any function's entry (16 bytes at the call). */
static unsigned long first_frame(unsigned cpu, void *stack_top)
{
    unsigned long *sp = stack_top;
    if (IS_ENABLED(CONFIG_64BIT)) {
        *--sp = 0;
    } else {
        sp -= 5;
        sp[0] = 0;
        sp[1] = cpu;
    }
    return (unsigned long)sp;
}

/* Everything but the GDT, which is the caller's (it has to be undone if
 * Xen refuses the vCPU). */
static void fill_context(struct vcpu_guest_context *ctx, unsigned cpu, void *stack_top)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->flags = VGCF_in_kernel | VGCF_failsafe_disables_events;
    ctx->user_regs.eip = (unsigned long)xen_ap_start;
    ctx->user_regs.esp = first_frame(cpu, stack_top);
    ctx->user_regs.edi = cpu;   /* x86_64: the first argument; i386 takes it from the stack */
    ctx->user_regs.cs = FLAT_KERNEL_CS;
    ctx->user_regs.ss = FLAT_KERNEL_SS;
    ctx->user_regs.eflags = xen_is_dom0() ? 1u << 12 : 0;   /* IOPL 1, as set_iopl gave vCPU 0 */
    if (!IS_ENABLED(CONFIG_64BIT)) {
        ctx->user_regs.ds = ctx->user_regs.es = ctx->user_regs.fs = KERNEL_DS;
        ctx->user_regs.gs = PERCPU_SEL;
    }
    xen_trap_context(ctx->trap_ctxt);
    ctx->kernel_ss = FLAT_KERNEL_SS;
    ctx->kernel_sp = (unsigned long)stack_top;
    unsigned long root_pfn = (unsigned long)(read_pt_base() >> PAGE_SHIFT);
    ctx->ctrlreg[3] = xen_pfn_to_cr3(xen_pfn_to_mfn(root_pfn));
#ifdef __x86_64__   /* the fields differ: a far pointer on i386, an address on x86_64 */
    ctx->event_callback_eip = (unsigned long)xen_event_entry;
    ctx->failsafe_callback_eip = (unsigned long)xen_failsafe_entry;
    ctx->gs_base_kernel = (unsigned long)&cpu_locals[cpu];
#else
    ctx->event_callback_cs = FLAT_KERNEL_CS;
    ctx->event_callback_eip = (unsigned long)xen_event_entry;
    ctx->failsafe_callback_cs = FLAT_KERNEL_CS;
    ctx->failsafe_callback_eip = (unsigned long)xen_failsafe_entry;
#endif
}

/* VCPUOP_initialise. Out of line, so that a boot row can stand in for a
 * Xen that refuses a vCPU (tests/boot/tests.cfg, xen-smp4-refused: this
 * patched to answer 0 without asking, VCPUOP_up then finds the vCPU not
 * initialised). */
static __attribute__((noinline, noclone)) int
xen_vcpu_initialise(unsigned cpu, struct vcpu_guest_context *ctx)
{
    return vcpu_op(VCPUOP_initialise, cpu, ctx, "VCPUOP_initialise");
}

/*T:755 vcpu.start under Xen PV. Called for one CPU at a time (smp_init,
 * on vCPU 0):
 *
 *   vCPU 0 (kernel)                 Xen                      vCPU n
 *   VCPUOP_is_up(n): 0, not running
 *   build GDT n, remap it read-only
 *   fill vcpu_guest_context: EIP =
 *     xen_ap_start, ESP, trap table,
 *     GDT frames, CR3 (MFN), callbacks
 *   VCPUOP_register_vcpu_info(n)
 *   mask events in its vcpu_info
 *   VCPUOP_initialise(n, &ctx) -----> checks and keeps it
 *                                     (refuses a GDT frame still
 *                                     mapped writable anywhere)
 *   VCPUOP_up(n) ------------------> makes vCPU n runnable --> xen_ap_start(n)
 *   return 0; smp_init spins on                              in ring 1 (i386) or
 *     the online bit             <-------------------------- 3 (x86_64), smp_ap_main
 *
 * No trampoline, no real mode, no APIC: the vCPU starts in the kernel's
 * own mode at a C function, because Xen loads the whole context itself
 * (xen/include/public/vcpu.h, VCPUOP_initialise and VCPUOP_up; struct
 * vcpu_guest_context in xen/include/public/arch-x86/xen.h). */
static PVOP_ABI int xen_vcpu_start(unsigned cpu, const struct vcpu_start_info *info)
{
    /* 5 KB on x86_64: not on a stack, and from free frames at the first
     * start, not in every image's BSS */
    static struct vcpu_guest_context *ctx;
    if (cpu == 0 || cpu >= MAX_CPUS)
        return -EINVAL;
    if (!ctx && !(ctx = page_alloc_bytes(sizeof(*ctx)))) {
        printk("xen: no %zu bytes of free frames for a vCPU's start context\n", sizeof(*ctx));
        return -ENOMEM;
    }
    long up = xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, cpu, 0);
    if (up) {
        if (up < 0)
            printk("xen: VCPUOP_is_up for vCPU %u: %s (%ld)\n", cpu, xen_errno_name(up), up);
        return up < 0 ? -EINVAL : -EBUSY;   /* no such vCPU, or one running already */
    }
    ap_info[cpu] = *info;

    /* Its own GDT, read-only before Xen takes it (cpu_gdt_build also sets
     * the per-CPU area's self pointer and number). */
    struct desc_ptr gdtr;
    cpu_gdt_build(cpu, &gdtr);
    const void *gdt = (const void *)gdtr.base;
    xen_remap(gdt, false);
    fill_context(ctx, cpu, info->stack_top);
    ctx->gdt_frames[0] = (unsigned long)(xen_virt_to_machine(gdt) >> PAGE_SHIFT);
    ctx->gdt_ents = (gdtr.limit + 1u) / sizeof(struct seg_desc);

    xen_vcpu_info_register(cpu);   /* or it keeps its slot, said */
    xen_vcpu_info(cpu)->evtchn_upcall_mask = 1;
    xen_evtchn_cpu_running(cpu, true);
    int err = xen_vcpu_initialise(cpu, ctx);
    if (err)
        xen_remap(gdt, true);   /* Xen let go of it (pv_destroy_gdt), or never took it */
    else
        err = vcpu_op(VCPUOP_up, cpu, NULL, "VCPUOP_up");
    if (err)
        xen_evtchn_cpu_running(cpu, false);
    return err;
}

const struct pv_vcpu_ops xen_vcpu_ops = {
    .name = "xen-vcpu_op",
    .count = xen_vcpu_count,
    .start = xen_vcpu_start,
};
