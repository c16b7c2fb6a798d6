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
    if (start == 1)
        return;
    int err = irq_register(VEC_IPI_CALL, ipi_call, NULL, "ipi-call");
    if (!err)
        err = irq_register(VEC_IPI_STOP, ipi_stop, NULL, "ipi-stop");
    if (err)
        panic("smp: cannot register the call and stop IPIs (vectors 0x%x, 0x%x): %s",
              VEC_IPI_CALL, VEC_IPI_STOP, errno_name(err));
    for (unsigned cpu = 1; cpu < start; cpu++) {
        vaddr_t stack = vm_stack_alloc(AP_STACK_PAGES, "cpu-boot", &err);
        if (!stack) {
            printk("smp: no stack for CPU %u: %s; it stays off\n", cpu, errno_name(err));
            continue;
        }
        struct vcpu_start_info info = {
            .entry = smp_ap_main,
            .arg = (void *)(uintptr_t)cpu,
            .stack_top = (void *)stack,
        };
        err = vcpu_start(cpu, &info);
        if (err == -ENOSYS) {
            /* the personality starts no CPU on this machine and has said why */
            vm_stack_free(stack, AP_STACK_PAGES);
            break;
        }
        if (err) {
            printk("smp: CPU %u did not start (%s: %s, %d); going on without it\n", cpu,
                   pv_ops.vcpu.name, errno_name(err), err);
            vm_stack_free(stack, AP_STACK_PAGES);
            continue;
        }
        u64 deadline = clock_ns() + AP_DEADLINE_NS;
        while (!smp_cpu_online(cpu) && clock_ns() < deadline)
            __asm__ __volatile__("pause");
        if (!smp_cpu_online(cpu))
            printk("smp: CPU %u started but did not reach the kernel within %llu ms; going on "
                   "without it\n", cpu, AP_DEADLINE_NS / 1000000);
    }
}
