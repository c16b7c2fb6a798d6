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
 * It also times an EOI with nothing in service, arming the one-shot timer
 * and loading a one-entry LDT: the ops of docs/side-by-side.md that have
 * no figure above, and, where there is a network device, sending one
 * Ethernet frame. Booted with maxcpus=1 on a machine with more CPUs, it
 * starts CPU 1 itself and times that (vcpu_start, to the CPU online).
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
#include <stdlib.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <proteus/bootinfo.h>
#include <proteus/errno.h>
#include <proteus/ldt.h>
#include <proteus/netdev.h>
#include <proteus/percpu.h>
#include <proteus/pvops.h>
#include <proteus/smp.h>
#include <proteus/sync.h>
#include <proteus/thread.h>
#include <proteus/timer.h>
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

/* An EOI with nothing in service, interrupts off so that nothing comes
 * into service meanwhile: what the EOI op costs (a write to the local
 * APIC's EOI register natively, an MSR write under x2APIC, a shim call,
 * nothing under Xen PV), not what the interrupt costs. */
static double eoi_cost(unsigned n)
{
    unsigned long f = irq_save();
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        apic_eoi(VEC_TIMER);
    uint64_t t = read_tsc() - t0;
    irq_restore(f);
    return (double)t / n;
}

/* Arming the one-shot timer for a deadline an hour away, interrupts off;
 * then the kernel's own next deadline is armed again. */
static double arm_oneshot_cost(unsigned n)
{
    unsigned long f = irq_save();
    uint64_t later = clock_ns() + 3600ULL * 1000000000ULL;
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        timer_arm_oneshot(later + i);
    uint64_t t = read_tsc() - t0;
    irq_restore(f);
    timer_reprogram();
    return (double)t / n;
}

/* Loading this thread's one-entry LDT again, as a switch to a thread
 * with an LDT does (lldt natively, MMUEXT_SET_LDT under Xen PV, the
 * shim's SET_LDT). Interrupts off: a switch meanwhile would load it too. */
static const void *bench_ldt;
static unsigned bench_ldt_entries;
static double ldt_load_cost(unsigned n)
{
    unsigned long f = irq_save();
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        load_ldt(bench_ldt, bench_ldt_entries);
    uint64_t t = read_tsc() - t0;
    irq_restore(f);
    return (double)t / n;
}

static void ldt_figure(void)
{
    /* x86_64: a base from a descriptor has 32 bits, and the image lies
     * below 4 GiB; i386: a segment may not reach the kernel image, which
     * holds the app's data too, so the heap */
    static uint8_t low[64];
    uint8_t *seg = IS_ENABLED(CONFIG_64BIT) ? low : malloc(64);
    if (!seg) {
        printf("pvbench: no memory for the LDT figure\n");
        return;
    }
    struct ldt_info in = { .entry = 1, .base = (uint32_t)(uintptr_t)seg, .limit = 63,
                           .contents = LDT_DATA, .seg_32bit = true };
    int err = ldt_set(&in);
    if (err) {
        printf("pvbench: cannot install an LDT entry: %s (%d)\n", errno_name(err), err);
        return;
    }
    bench_ldt = ldt_current_table();
    bench_ldt_entries = ldt_entries_used();
    printf("pvbench: ldt_load %.2f cycles\n", best_of(ldt_load_cost, 2000));
    err = ldt_clear(1);
    if (err)
        printf("pvbench: cannot clear the LDT entry: %s (%d)\n", errno_name(err), err);
    else if (seg != low)
        free(seg);
}

/* One Ethernet frame sent: the netdev class, the driver, the ring and the
 * doorbell (virtio's notify, netfront's event channel), waiting only when
 * the queue is full. A broadcast of the IEEE's local experimental
 * EtherType 0x88B5, which no stack answers and QEMU's user network and a
 * Xen bridge drop or pass harmlessly. */
static struct netdev *bench_nd;
static double frame_send_cost(unsigned n)
{
    uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    memcpy(frame + 6, bench_nd->mac, 6);
    frame[12] = 0x88;
    frame[13] = 0xb5;
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++) {
        int err;
        while ((err = netdev_send(bench_nd, frame, sizeof(frame))) == -EAGAIN)
            thread_yield();
        if (err)
            return -1;
    }
    return (double)(read_tsc() - t0) / n;
}

static void frame_figure(void)
{
    if (!netdev_count() || !(bench_nd = netdev_get(0)) || !bench_nd->link_up)
        return;   /* no network device: the figure needs one (make bench gives it) */
    double c = best_of(frame_send_cost, 200);
    if (c < 0)
        printf("pvbench: sending a frame on %s failed\n", bench_nd->name);
    else
        printf("pvbench: frame_send %.2f cycles\n", c);
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

/* Booted with maxcpus=1 on a machine with more CPUs: start CPU 1 now
 * (kernel/smp.c, smp_start_cpu: the vcpu.start op, then the wait until
 * it runs kernel code), so that the SMP figures below have it. */
static void vcpu_start_figure(void)
{
    if (smp_cpus_possible() < 2 || smp_cpu_online(1))
        return;
    uint64_t t0 = read_tsc();
    int err = smp_start_cpu(1);
    uint64_t t = read_tsc() - t0;
    if (err)
        printf("pvbench: starting CPU 1 failed: %s (%d)\n", errno_name(err), err);
    else
        printf("pvbench: vcpu_start %llu cycles (to online)\n", (unsigned long long)t);
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
    printf("pvbench: eoi %.2f cycles\n", best_of(eoi_cost, 2000));
    printf("pvbench: arm_oneshot %.2f cycles\n", best_of(arm_oneshot_cost, 2000));
    ldt_figure();
    frame_figure();
    if (xen)
        xen_figures();
    vcpu_start_figure();
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
