/*
 * More than one CPU, the kernel's side (include/proteus/smp.h,
 * docs/smp.md): which CPUs to start, the kernel code a started CPU runs,
 * and calls from one CPU to another. Starting a CPU is one high-level
 * platform operation, vcpu.start, so nothing here knows whether it was an
 * INIT-SIPI-SIPI or a hypercall.
 *
 * A call to another CPU is a mailbox per target CPU and an IPI: the
 * caller, holding the target's lock, fills the mailbox, sends VEC_IPI_CALL
 * and waits for the target's handler to mark it done. One call per target
 * at a time; the lock is taken with interrupts off, so a CPU cannot be
 * interrupted into calling the same target twice.
 */
#include <arch/cpu.h>
#include <proteus/cmdline.h>
#include <proteus/errno.h>
#include <proteus/offer.h>
#include <proteus/options.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/smp.h>
#include <proteus/spinlock.h>
#include <proteus/thread.h>
#include <proteus/timekeeping.h>
#include <proteus/vm.h>
#include "sched_internal.h"

/* How long a started CPU has to reach the kernel: generous, because under
 * TCG on a loaded host a CPU's first instructions can take a while. */
#define AP_DEADLINE_NS (2000ULL * 1000000)
#define AP_STACK_PAGES 4

static unsigned possible = 1;
/* Bit n: CPU n runs kernel code. One word, as every CPU mask the kernel
 * keeps (kernel/sched.c, the mmu ops' flush_tlb_others). */
BUILD_BUG_ON(MAX_CPUS > 32);
static volatile u32 online_mask = 1;   /* the boot CPU */

struct mailbox {
    spinlock_t lock;
    void (*fn)(void *arg);
    void *arg;
    volatile u32 seq, done;
};
static struct mailbox mailbox[MAX_CPUS];

unsigned smp_cpus_possible(void)
{
    return possible;
}

u32 smp_online_mask(void)
{
    return __atomic_load_n(&online_mask, __ATOMIC_ACQUIRE);
}

bool smp_cpu_online(unsigned cpu)
{
    return cpu < MAX_CPUS && (smp_online_mask() & (1u << cpu));
}

unsigned smp_cpus_online(void)
{
    unsigned n = 0;
    for (u32 m = smp_online_mask(); m; m &= m - 1)   /* no libgcc: no popcount helper */
        n++;
    return n;
}

unsigned smp_this_cpu(void)
{
    return this_cpu()->id;
}

/* Run what this CPU's mailbox holds, if anything, then say so. From the
 * IPI, and from a CPU waiting with interrupts off for its own call to
 * another: two CPUs calling each other at once would otherwise wait for
 * ever, each for an interrupt the other cannot take. */
static void answer_calls(void)
{
    struct mailbox *m = &mailbox[this_cpu()->id];
    u32 seq = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
    if (seq != m->done) {
        m->fn(m->arg);
        __atomic_store_n(&m->done, seq, __ATOMIC_RELEASE);
    }
}

/* VEC_IPI_CALL */
static void ipi_call(unsigned vector, void *ctx)
{
    answer_calls();
    apic_eoi(vector);
}

struct flush_range {
    vaddr_t va;
    size_t len;
};

static void flush_here(void *arg)
{
    const struct flush_range *r = arg;
    if (r->len > TLB_FLUSH_PAGES_MAX * PAGE_SIZE) {
        flush_tlb_all();
        return;
    }
    for (size_t off = 0; off < r->len; off += PAGE_SIZE)
        flush_tlb_one(r->va + off);
}

void smp_flush_tlb_by_call(u32 cpus, vaddr_t va, size_t len)
{
    struct flush_range r = { va, len };
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!(cpus & (1u << cpu)))
            continue;
        int err = smp_call_on(cpu, flush_here, &r, AP_DEADLINE_NS);
        if (err)
            panic("smp: CPU %u did not flush 0x%lx+0x%zx from its TLB: %s", cpu,
                  (unsigned long)va, len, errno_name(err));
    }
}

void smp_tlb_shootdown(vaddr_t va, size_t len)
{
    if (smp_cpus_online() < 2 || !len)
        return;
    u32 others = smp_online_mask() & ~(1u << this_cpu()->id);
    /* updates still queued in a lazy section (Xen PV) must land first */
    mmu_lazy_flush();
    flush_tlb_others(others, va & ~(vaddr_t)(PAGE_SIZE - 1), len);
}

/* VEC_IPI_STOP: the end of this CPU's run. */
static void ipi_stop(unsigned vector, void *ctx)
{
    for (;;)
        __asm__ __volatile__("cli; hlt");
}

void smp_stop_others(void)
{
    unsigned me = this_cpu()->id;
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        if (cpu != me && smp_cpu_online(cpu))
            apic_send_ipi(cpu, VEC_IPI_STOP);   /* best effort: the report goes on */
}

int smp_call_on(unsigned cpu, void (*fn)(void *arg), void *arg, u64 timeout_ns)
{
    if (!smp_cpu_online(cpu))
        return -ENODEV;
    unsigned long flags = irq_save();
    if (cpu == this_cpu()->id) {
        fn(arg);
        irq_restore(flags);
        return 0;
    }
    struct mailbox *m = &mailbox[cpu];
    spin_lock(&m->lock);
    m->fn = fn;
    m->arg = arg;
    u32 seq = m->seq + 1;
    __atomic_store_n(&m->seq, seq, __ATOMIC_RELEASE);
    int err = apic_send_ipi(cpu, VEC_IPI_CALL);
    u64 deadline = clock_ns() + timeout_ns;
    while (!err && __atomic_load_n(&m->done, __ATOMIC_ACQUIRE) != seq) {
        if (clock_ns() > deadline) {
            err = -ETIMEDOUT;
            break;
        }
        answer_calls();
        __asm__ __volatile__("pause");
    }
    spin_unlock(&m->lock);
    irq_restore(flags);
    return err;
}

/*T:710 Where every started CPU lands, whichever personality started it:
 * vcpu.start has promised its own GDT, TSS and per-CPU area, the IDT (or
 * trap table), the FPU and its part of the interrupt controller and
 * timer. The kernel checks the per-CPU area is this CPU's, gives it an
 * idle thread (sched_init_cpu), starts its share of each running offer
 * (kvmclock, PV EOI and steal time are registered per vCPU), says it is
 * online (the boot CPU waits for that bit) and enters the scheduler's idle
 * loop, from which it takes threads from the one run queue like CPU 0. */
__noreturn void smp_ap_main(void *arg)
{
    unsigned cpu = (unsigned)(uintptr_t)arg;
    if (this_cpu()->id != cpu)
        panic("smp: CPU %u entered the kernel with the per-CPU area of CPU %u", cpu,
              this_cpu()->id);
    sched_init_cpu();
    offers_start_cpu(cpu);   /* kvmclock, PV EOI, steal time: each vCPU's own */
    __atomic_or_fetch(&online_mask, 1u << cpu, __ATOMIC_RELEASE);
    sched_run_cpu();
}

/* maxcpus=N (N >= 1) caps the count; nosmp is maxcpus=1. */
static unsigned cpu_limit(void)
{
    if (kernel_option_bool("nosmp", false))
        return 1;
    const char *opt = kernel_option("maxcpus");
    if (!opt)
        return MAX_CPUS;
    u64 n;
    if (cmdline_parse_uint(opt, 1, ~0ULL, &n)) {
        printk("smp: maxcpus=%s is not a number of CPUs of at least 1 (ignored)\n", opt);
        return MAX_CPUS;
    }
    return n < MAX_CPUS ? (unsigned)n : MAX_CPUS;
}

/* The call and stop IPIs, once, before the first CPU but the boot CPU
 * runs: a CPU's calls may come as soon as it is online. */
static int register_ipis(void)
{
    static bool call_ready, stop_ready;
    int err = 0;
    if (!call_ready && !(err = irq_register(VEC_IPI_CALL, ipi_call, NULL, "ipi-call")))
        call_ready = true;
    if (!err && !stop_ready && !(err = irq_register(VEC_IPI_STOP, ipi_stop, NULL, "ipi-stop")))
        stop_ready = true;
    if (err)
        printk("smp: cannot register the %s IPI (vector 0x%x): %s (%d)\n",
               call_ready ? "stop" : "call", call_ready ? VEC_IPI_STOP : VEC_IPI_CALL,
               errno_name(err), err);
    return err;
}

int smp_start_cpu(unsigned cpu)
{
    static bool starting;
    if (cpu == 0 || cpu >= possible)
        return -ENODEV;
    if (smp_cpu_online(cpu))
        return -EEXIST;
    if (__atomic_exchange_n(&starting, true, __ATOMIC_ACQUIRE))
        return -EBUSY;   /* one at a time: a personality may reuse one trampoline */
    int err = register_ipis();   /* says why it failed */
    if (!err)
        err = sched_prepare_cpu_start();   /* likewise */
    if (err)
        goto out;
    vaddr_t stack = vm_stack_alloc(AP_STACK_PAGES, "cpu-boot", &err);
    if (!stack) {
        printk("smp: no stack for CPU %u: %s (%d); it stays off\n", cpu, errno_name(err), err);
        goto out;
    }
    struct vcpu_start_info info = {
        .entry = smp_ap_main,
        .arg = (void *)(uintptr_t)cpu,
        .stack_top = (void *)stack,
    };
    err = vcpu_start(cpu, &info);
    if (err) {
        /* -ENOSYS: the personality starts no CPU on this machine and has said why */
        if (err != -ENOSYS)
            printk("smp: CPU %u did not start (%s: %s, %d); going on without it\n", cpu,
                   pv_ops.vcpu.name, errno_name(err), err);
        vm_stack_free(stack, AP_STACK_PAGES);
        goto out;
    }
    u64 deadline = clock_ns() + AP_DEADLINE_NS;
    while (!smp_cpu_online(cpu) && clock_ns() < deadline)
        __asm__ __volatile__("pause");
    if (!smp_cpu_online(cpu)) {
        /* its stack stays: the CPU may still arrive and run on it */
        printk("smp: CPU %u started but did not reach the kernel within %llu ms; going on "
               "without it\n", cpu, AP_DEADLINE_NS / 1000000);
        err = -ETIMEDOUT;
    }
out:
    __atomic_store_n(&starting, false, __ATOMIC_RELEASE);
    return err;
}

/*T:705 The kernel's half of bringing CPUs up, the same on every
 * personality (kernel_main's step 9, interrupts on, on the boot CPU):
 *
 *   boot CPU (CPU 0)                         CPU n
 *   n_cpus = vcpu_count(), capped by MAX_CPUS and maxcpus= / nosmp
 *   register VEC_IPI_CALL, VEC_IPI_STOP (only if another CPU is to run)
 *   for n in 1 .. n_cpus-1:
 *     stack = vm_stack_alloc(4 pages)
 *     vcpu_start(n, {smp_ap_main, n, stack})
 *       (the personality's business) -----> arrives on `stack`, in
 *                                           smp_ap_main(n), interrupts off
 *     spin until bit n of online_mask,
 *     at most 2 s                     <---- sets bit n of online_mask,
 *                                           enters its idle loop
 *   (a CPU that never sets it is reported
 *    and the boot goes on without it)
 *
 * One CPU at a time: the next is started only once this one is online or
 * given up, so each personality may reuse one trampoline page or context
 * for all of them. The loop's body is smp_start_cpu, which a thread may
 * also call later for a CPU the boot left off (the monitor's `cpu start
 * N`, after maxcpus=1: the tour's chapter 7, exercise 1). */
void smp_init(void)
{
    unsigned counted = vcpu_count(), limit = cpu_limit();
    possible = counted ? counted : 1;
    if (possible > MAX_CPUS) {
        printk("smp: %s counts %u CPUs; this kernel runs at most %u (MAX_CPUS): the rest stay "
               "off\n", pv_ops.vcpu.name, possible, MAX_CPUS);
        possible = MAX_CPUS;
    }
    unsigned start = possible;
    if (start > limit) {
        start = limit;
        if (kernel_option_bool("nosmp", false))
            pr_info("smp: nosmp: 1 of %u CPUs used\n", possible);
        else
            pr_info("smp: maxcpus=%s: %u of %u CPUs used\n", kernel_option("maxcpus"), start,
                    possible);
    }
    if (start > 1 && register_ipis())
        panic("smp: no CPU but the boot CPU can run without the call and stop IPIs");
    for (unsigned cpu = 1; cpu < start; cpu++)
        if (smp_start_cpu(cpu) == -ENOSYS)
            break;   /* the personality starts no CPU on this machine, and has said why */
}
