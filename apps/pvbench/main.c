/*
 * pvbench: what a platform operation costs, for `make bench`. It times the
 * operations the patching is for: an irq_save/irq_restore pair, a
 * page-table entry write, and a thread switch (two threads yielding to
 * each other). The same program is run with pvpatch=off (indirect calls),
 * patched (the default), and built with CONFIG_PVOPS=0 (no layer at all);
 * tests/bench/run.sh puts the three side by side. Cycles are TSC cycles
 * (under QEMU's -icount shift=0: guest instructions, exactly repeatable).
 */
#include <stdint.h>
#include <stdio.h>
#include <proteus/pvops.h>
#include <proteus/thread.h>
#include <proteus/vm.h>

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

static uint64_t *scratch;   /* a page that looks like a page table and is not one */

static double pte_write(unsigned n)
{
    uint64_t t0 = read_tsc();
    for (unsigned i = 0; i < n; i++)
        pt_set_entry(&scratch[i & 511], ((uint64_t)i << 12) | 3, 1);
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

int main(void)
{
    paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
    if (!pa) {
        printf("pvbench: no memory\n");
        return 1;
    }
    scratch = phys_to_virt(pa);
    printf("pvbench: irq_save_restore %.2f cycles\n", best_of(irq_pair, 20000));
    printf("pvbench: pte_write %.2f cycles\n", best_of(pte_write, 20000));
    int err;
    struct thread *t = thread_create("pinger", pinger, NULL, 4, &err);
    if (!t) {
        printf("pvbench: cannot create a thread: %d\n", err);
        return 1;
    }
    printf("pvbench: thread_switch %.2f cycles\n", best_of(switch_cost, 5000));
    stop = 1;
    thread_join(t, NULL);
    page_free(pa);
    return 0;
}
