/*
 * pvbench: what a platform operation costs, for `make bench`. It times the
 * operations the patching is for: an irq_save/irq_restore pair, a
 * page-table entry write, and a thread switch (two threads yielding to
 * each other). The same program is run with pvpatch=off (indirect calls),
 * patched (the default), and built with CONFIG_PVOPS=0 (no layer at all);
 * tests/bench/run.sh puts the three side by side. Cycles are TSC cycles
 * (under QEMU's -icount shift=0: guest instructions, exactly repeatable).
 *
 * Booted as a Xen PV guest it adds what Xen makes different: the
 * page-table hypercalls that 1,000 page mappings cost with and without
 * batching, the cost of one entry write alone and inside a lazy batch, and
 * the cost of reading the clock (pvclock) against reading the TSC; a
 * grant and its end (no peer mapping it); and as a domU, a xenstore read
 * and its reply (the round trip through xenstored in dom0).
 *
 * With more than one CPU it adds the SMP figures: an empty call to CPU 1
 * and back (the IPI round trip), a wake-up across CPUs (a thread on CPU 1
 * woken through a condition variable, answering the same way), a TLB
 * shootdown of 1 and of 512 pages, and how many thread switches each CPU
 * makes per millisecond while every CPU switches at once (two threads
 * pinned to each, yielding to each other), which shows what the one
 * scheduler lock costs as CPUs are added (run with -smp 1, 2, 4).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arch/paging.h>
#include <proteus/bootinfo.h>
#include <proteus/percpu.h>
#include <proteus/pvops.h>
#include <proteus/smp.h>
#include <proteus/sync.h>
#include <proteus/thread.h>
#include <proteus/vm.h>
#include <pv/xen.h>
#include <pv/xen_grant.h>
#include <pv/xenstore.h>

#define ROUNDS 5

static double best_of(double (*fn)(unsigned), unsigned n)
{
    double best = 1e30;
    for (int r = 0; r < ROUNDS; r++) {
        double c = fn(n);
        if (c < best)
            best = c;
    }
    return best;
}

static double irq_pair(unsigned n)
{
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++) {
        unsigned long f = irq_save();
        irq_restore(f);
    }
    return (double)(read_tsc() - t0) / n;
}

/* A real page-table entry: the one mapping a page of the MMIO window,
 * written alternately to map frame A and frame B (a hypervisor checks each
 * write, so it must be a valid one). */
static uint64_t *pte;
static uint64_t pte_val[2];
#define BENCH_VA (VM_MMIO_END - 32 * 1024 * 1024)

static int pte_setup(paddr_t a, paddr_t b)
{
    struct vm_walk_step steps[4];
    if (vm_map(BENCH_VA, a, PAGE_SIZE, VM_READ | VM_WRITE))
        return -1;
    int n = vm_walk(BENCH_VA, steps);
    if (n < 1 || steps[n - 1].level != 1)
        return -1;
    pte = (uint64_t *)((uint8_t *)phys_to_virt(steps[n - 1].table) + steps[n - 1].index * 8);
    pte_val[0] = steps[n - 1].entry;
    pte_val[1] = (pte_val[0] & ~PTE_ADDR_MASK) | b;
    return 0;
}

static double pte_write(unsigned n)
{
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        pt_set_entry(pte, pte_val[i & 1], 1);
    return (double)(read_tsc() - t0) / n;
}

static double pte_write_lazy(unsigned n)
{
    uint64_t t0 = read_tsc();
    mmu_lazy_enter();
    for (unsigned i = 0; i < n; i++)
        pt_set_entry(pte, pte_val[i & 1], 1);
    mmu_lazy_leave();
    return (double)(read_tsc() - t0) / n;
}

static double clock_read(unsigned n)
{
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        (void)clock_ns();
    return (double)(read_tsc() - t0) / n;
}

static double tsc_read(unsigned n)
{
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        (void)read_tsc();
    return (double)(read_tsc() - t0) / n;
}

static volatile int stop;

static void *pinger(void *arg)
{
    while (!stop)
        thread_yield();
    return NULL;
}

static double switch_cost(unsigned n)
{
    uint64_t s0 = thread_switches, t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        thread_yield();
    uint64_t switches = thread_switches - s0;
    return switches ? (double)(read_tsc() - t0) / switches : 0;
}

/* Xen: the page-table hypercalls of mapping 1,000 pages one vm_map at a
 * time, in one lazy section of the caller's (batched, then with each
 * update its own hypercall), and with no section but the one each vm_map
 * opens for itself (the tour's chapter 4, exercise 2). */
#define MAP_PAGES 1000
static paddr_t frames[MAP_PAGES];

static uint64_t map_1000(bool one_section)
{
    vaddr_t va = BENCH_VA + PAGE_SIZE;
    uint64_t before = xen_mmu_hypercalls;
    if (one_section)
        mmu_lazy_enter();
    for (unsigned i = 0; i < MAP_PAGES; i++)
        vm_map(va + i * PAGE_SIZE, frames[i], PAGE_SIZE, VM_READ | VM_WRITE);
    if (one_section)
        mmu_lazy_leave();
    uint64_t calls = xen_mmu_hypercalls - before;
    vm_unmap(va, MAP_PAGES * PAGE_SIZE);
    return calls;
}

/* A grant of one frame and its end, nobody mapping it: two entry writes
 * and the reference list under its lock. */
static paddr_t grant_frame;
static double grant_end_cost(unsigned n)
{
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++) {
        grant_ref_t ref;
        if (xen_grant_access(0, grant_frame >> PAGE_SHIFT, true, &ref) || xen_grant_end(ref))
            return -1;
    }
    return (double)(read_tsc() - t0) / n;
}

/* A read of a short key: the request in the ring, xenstored's answer. */
static double xenstore_read_cost(unsigned n)
{
    char buf[16];
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        if (xenstore_read(XS_NO_TRANSACTION, "domid", buf, sizeof(buf)) < 0)
            return -1;
    return (double)(read_tsc() - t0) / n;
}

static void xen_figures(void)
{
    for (unsigned i = 0; i < MAP_PAGES; i++)
        if (!(frames[i] = page_alloc(PAGE_DIRECT))) {
            printf("pvbench: no memory for the mapping figures\n");
            return;
        }
    uint64_t batched = map_1000(true), per_map = map_1000(false);
    xen_mmu_set_batching(false);
    uint64_t unbatched = map_1000(true);
    xen_mmu_set_batching(true);
    for (unsigned i = 0; i < MAP_PAGES; i++)
        page_free(frames[i]);
    printf("pvbench: xen_map_1000 %llu hypercalls batched, %llu unbatched\n",
           (unsigned long long)batched, (unsigned long long)unbatched);
    printf("pvbench: xen_map_1000_per_map %llu hypercalls (a lazy section per vm_map only)\n",
           (unsigned long long)per_map);
    printf("pvbench: pte_write_lazy %.2f cycles\n", best_of(pte_write_lazy, 20000));
    if (xen_grant_count() && (grant_frame = page_alloc(PAGE_DIRECT))) {
        printf("pvbench: grant_end %.2f cycles\n", best_of(grant_end_cost, 2000));
        page_free(grant_frame);
    }
    if (xenstore_available())
        printf("pvbench: xenstore_read %.2f cycles\n", best_of(xenstore_read_cost, 200));
}

/* An empty call on CPU 1 and its answer: the IPI there, the handler,
 * the mailbox back (kernel/smp.c). */
static void nothing(void *arg)
{
}

static double ipi_round_trip(unsigned n)
{
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        if (smp_call_on(1, nothing, NULL, 1000000000ULL))
            return 1e30;
    return (double)(read_tsc() - t0) / n;
}

/* A wake-up across CPUs: main (CPU 0) hands a turn to a thread pinned to
 * CPU 1 and waits for it back; half a round trip is one wake-up, with
 * the reschedule IPI, the halted CPU's start and the switch in it. */
static struct mutex turn_lock = MUTEX_INIT(turn_lock);
static struct condvar turn_cond;
static volatile unsigned long turn;   /* odd: CPU 1's */
static volatile bool turns_over;

static void *answerer(void *arg)
{
    mutex_lock(&turn_lock);
    while (!turns_over) {
        if (turn % 2) {
            turn++;
            condvar_signal(&turn_cond);
        }
        condvar_wait(&turn_cond, &turn_lock);
    }
    mutex_unlock(&turn_lock);
    return NULL;
}

static double wakeup_cost(unsigned n)
{
    uint64_t t0 = read_tsc();
    mutex_lock(&turn_lock);
    for (unsigned i = 0; i < n; i++) {
        turn++;
        condvar_signal(&turn_cond);
        while (turn % 2)
            condvar_wait(&turn_cond, &turn_lock);
    }
    mutex_unlock(&turn_lock);
    return (double)(read_tsc() - t0) / (2.0 * n);
}

static vaddr_t shootdown_va;
static size_t shootdown_len;

static double shootdown_cost(unsigned n)
{
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        smp_tlb_shootdown(shootdown_va, shootdown_len);
    return (double)(read_tsc() - t0) / n;
}

static void smp_figures(void)
{
    printf("pvbench: ipi_round_trip %.2f cycles\n", best_of(ipi_round_trip, 200));
    condvar_init(&turn_cond);
    int err;
    struct thread *t = thread_create_on("answerer", answerer, NULL, 4, 1u << 1, &err);
    if (!t) {
        printf("pvbench: cannot create a thread on CPU 1: %d\n", err);
        return;
    }
    /* main stays on CPU 0: else, woken while CPU 0 is not yet idle, it
     * would be taken by CPU 1 and the two would switch there instead */
    thread_set_affinity(thread_current(), 1u << 0);
    printf("pvbench: wakeup_cross_cpu %.2f cycles\n", best_of(wakeup_cost, 200));
    thread_set_affinity(thread_current(), THREAD_ANY_CPU);
    mutex_lock(&turn_lock);
    turns_over = true;
    condvar_broadcast(&turn_cond);
    mutex_unlock(&turn_lock);
    thread_join(t, NULL);
    /* The cost of telling the others, not of the local flush: the range
     * need not be mapped (each CPU flushes what it is told). */
    shootdown_va = BENCH_VA;
    shootdown_len = PAGE_SIZE;
    printf("pvbench: shootdown_1 %.2f cycles\n", best_of(shootdown_cost, 200));
    shootdown_len = 512 * PAGE_SIZE;
    printf("pvbench: shootdown_512 %.2f cycles\n", best_of(shootdown_cost, 200));
}

/* Every CPU switching at once: two threads pinned to each yield to each
 * other for YIELD_MS; the figure is switches per CPU per millisecond. */
#define YIELD_MS 200
static volatile bool yield_go, yield_stop;
static volatile unsigned long yields[MAX_CPUS];

static void *yielder(void *arg)
{
    unsigned cpu = (unsigned)(uintptr_t)arg;
    while (!yield_go)
        thread_yield();
    while (!yield_stop) {
        thread_yield();
        __atomic_add_fetch(&yields[cpu], 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void yield_rate_figure(void)
{
    struct thread *t[2 * MAX_CPUS] = { 0 };
    unsigned n = 0, cpus = 0;
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!smp_cpu_online(cpu))
            continue;
        cpus++;
        yields[cpu] = 0;
        for (int k = 0; k < 2; k++) {
            int err;
            t[n] = thread_create_on("yielder", yielder, (void *)(uintptr_t)cpu, 4, 1u << cpu,
                                    &err);
            if (!t[n]) {
                printf("pvbench: cannot create the yielders: %d\n", err);
                yield_stop = yield_go = true;
                break;
            }
            n++;
        }
    }
    /* main is pinned nowhere: it sleeps on whichever CPU while they run */
    thread_sleep_until(clock_ns() + 10000000);
    uint64_t t0 = clock_ns();
    yield_go = true;
    thread_sleep_until(t0 + YIELD_MS * 1000000ULL);
    yield_stop = true;
    uint64_t ms = (clock_ns() - t0) / 1000000;
    for (unsigned i = 0; i < n; i++)
        thread_join(t[i], NULL);
    unsigned long total = 0;
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        total += yields[cpu];
    printf("pvbench: yield_rate %.1f per CPU per ms on %u CPUs\n",
           ms && cpus ? (double)total / ms / cpus : 0.0, cpus);
}

int main(void)
{
    paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO), pb = page_alloc(PAGE_DIRECT | PAGE_ZERO);
    if (!pa || !pb || pte_setup(pa, pb)) {
        printf("pvbench: no memory\n");
        return 1;
    }
    bool xen = !strcmp(boot_protocol(), "xen-pv");
    printf("pvbench: irq_save_restore %.2f cycles\n", best_of(irq_pair, 20000));
    printf("pvbench: pte_write %.2f cycles\n", best_of(pte_write, xen ? 2000 : 20000));
    printf("pvbench: clock_read %.2f cycles\n", best_of(clock_read, 20000));
    printf("pvbench: tsc_read %.2f cycles\n", best_of(tsc_read, 20000));
    if (xen)
        xen_figures();
    if (smp_cpus_online() > 1)
        smp_figures();
    yield_rate_figure();
    int err;
    /* Both on this CPU: the figure is a switch, not a wake-up elsewhere (an
     * idle CPU would otherwise take the yielder each time). */
    unsigned here = smp_this_cpu();
    thread_set_affinity(thread_current(), 1u << here);
    struct thread *t = thread_create_on("pinger", pinger, NULL, 4, 1u << here, &err);
    if (!t) {
        printf("pvbench: cannot create a thread: %d\n", err);
        return 1;
    }
    printf("pvbench: thread_switch %.2f cycles\n", best_of(switch_cost, 5000));
    stop = 1;
    thread_join(t, NULL);
    thread_set_affinity(thread_current(), THREAD_ANY_CPU);
    pt_set_entry(pte, pte_val[0], 1);
    vm_unmap(BENCH_VA, PAGE_SIZE);
    page_free(pa);
    page_free(pb);
    return 0;
}
