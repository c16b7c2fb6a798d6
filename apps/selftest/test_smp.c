/*
 * The kernel's side of more than one CPU (kernel/smp.c, kernel/sched.c),
 * whichever personality started them: every CPU it was to start is
 * online, a call to each runs there, each has its FPU and SSE on, calls to
 * every other CPU are all answered; threads run on every CPU at once,
 * where they are pinned, take their FPU state with them when they move,
 * keep their own newlib state, share a mutex without losing an increment
 * and wake each other across CPUs without losing a wake-up. The cases ask
 * only include/proteus/smp.h and thread.h (and the nosmp and maxcpus=
 * options), so they hold natively, under Xen PV and wherever vcpu.start
 * is implemented; on one CPU each says SKIP.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arch/cpu.h>
#include <arch/extable.h>
#include <arch/x86.h>
#include <proteus/errno.h>
#include <proteus/options.h>
#include <proteus/percpu.h>
#include <proteus/pvops.h>
#include <proteus/smp.h>
#include <proteus/sync.h>
#include <proteus/thread.h>
#include "selftest.h"

/* Generous: under TCG on a loaded host a halted vCPU can take a while to
 * be scheduled again. smp_call_on reports a call not answered by then. */
#define CALL_TIMEOUT_NS (2000ULL * 1000000)
#define CALLS_PER_CPU 1000

/* How many CPUs the kernel was to start: all it counted, unless nosmp or
 * maxcpus=N (a number of at least 1; anything else is ignored) left some
 * off (kernel/smp.c). */
static unsigned cpus_to_start(void)
{
    unsigned possible = smp_cpus_possible();
    if (kernel_option_bool("nosmp", false))
        return 1;
    const char *opt = kernel_option("maxcpus");
    if (!opt || !*opt)
        return possible;
    char *end;
    unsigned long n = strtoul(opt, &end, 10);
    if (*end || *opt < '0' || *opt > '9' || n == 0)
        return possible;
    return n < possible ? (unsigned)n : possible;
}

static bool one_cpu(void)
{
    if (smp_cpus_online() > 1)
        return false;
    test_skip("one CPU (%u online of %u possible, %u to start)", smp_cpus_online(),
              smp_cpus_possible(), cpus_to_start());
    return true;
}

/* Where a call ran. Static: a call that timed out may still run later
 * (include/proteus/smp.h), so its argument must outlive the case. */
static struct {
    volatile unsigned cpu, runs;
} where;

static void note_cpu(void *arg)
{
    where.cpu = smp_this_cpu();
    where.runs++;
}

/* Every CPU the kernel was to start is online (the first ones it counted,
 * by number), and smp_call_on(cpu) runs the function on that CPU, once; a
 * CPU left off, or a number past the last, is refused. */
static void test_cpus_online(void)
{
    if (one_cpu())
        return;
    unsigned started = cpus_to_start(), online = smp_cpus_online();
    CHECK(online == started, "%u CPUs online, %u started (%u possible)", online, started,
          smp_cpus_possible());
    for (unsigned cpu = 0; cpu < started; cpu++) {
        CHECK(smp_cpu_online(cpu), "CPU %u is not online", cpu);
        where.cpu = ~0u;
        where.runs = 0;
        int err = smp_call_on(cpu, note_cpu, NULL, CALL_TIMEOUT_NS);
        CHECK(err == 0, "smp_call_on(%u) returned %s (%d)", cpu, errno_name(err), err);
        CHECK(where.runs == 1, "the call to CPU %u ran %u times", cpu, where.runs);
        CHECK(where.cpu == cpu, "the call to CPU %u ran on CPU %u", cpu, where.cpu);
    }
    int err = smp_call_on(started, note_cpu, NULL, CALL_TIMEOUT_NS);
    CHECK(err == -ENODEV, "smp_call_on(%u), a CPU not started, returned %d", started, err);
    test_pass();
}

/* What each CPU's FPU did: probe_fpu's answer (0, or -EFAULT for #NM:
 * CR0.TS set), CR0 as the cpu ops read it, and an SSE2 round trip. */
static struct {
    volatile int x87;
    volatile unsigned long cr0;
    volatile uint32_t sse;
} fpu;

__attribute__((target("sse2"))) static uint32_t sse_round_trip(uint32_t v)
{
    uint32_t out;
    __asm__ __volatile__("movd %1, %%xmm3\n\t"
                         "pshufd $0, %%xmm3, %%xmm3\n\t"
                         "psrldq $4, %%xmm3\n\t"
                         "movd %%xmm3, %0"
                         : "=r"(out)
                         : "r"(v)
                         : "xmm3");
    return out;
}

/* Runs in the target's IPI handler, on whatever FPU state is loaded
 * there: that of its idle thread, since no thread of this case runs. */
static void use_fpu(void *arg)
{
    fpu.cr0 = read_cr0();
    fpu.x87 = probe_fpu();
    if (fpu.x87 == 0 && cpu_features.sse2)
        fpu.sse = sse_round_trip(0x600dcafe);
}

/* Every CPU started as vcpu.start promises (include/proteus/pvops.h): the
 * x87 usable (CR0.TS clear, EM clear) and, where the CPU has it, SSE2. */
static void test_fpu_each_cpu(void)
{
    if (one_cpu())
        return;
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!smp_cpu_online(cpu))
            continue;
        fpu.x87 = 1;
        fpu.cr0 = ~0ul;
        fpu.sse = 0;
        int err = smp_call_on(cpu, use_fpu, NULL, CALL_TIMEOUT_NS);
        CHECK(err == 0, "smp_call_on(%u) returned %s (%d)", cpu, errno_name(err), err);
        CHECK(fpu.x87 == 0, "an x87 instruction on CPU %u faulted (%d): CR0 0x%lx", cpu, fpu.x87,
              fpu.cr0);
        CHECK(!(fpu.cr0 & (X86_CR0_TS | X86_CR0_EM)), "CPU %u has CR0 0x%lx (TS or EM set)", cpu,
              fpu.cr0);
        CHECK(!cpu_features.sse2 || fpu.sse == 0x600dcafe, "an SSE2 round trip on CPU %u gave "
              "0x%x", cpu, fpu.sse);
    }
    test_pass();
}

static volatile unsigned answered[MAX_CPUS];
static volatile unsigned wrong_cpu;

static void count_call(void *arg)
{
    unsigned cpu = (unsigned)(uintptr_t)arg;
    if (smp_this_cpu() != cpu)
        wrong_cpu++;
    answered[cpu]++;
}

/* CALLS_PER_CPU rounds of a call to every other CPU: each call answered
 * in time, on its CPU. */
static void test_ipi_all(void)
{
    if (one_cpu())
        return;
    unsigned self = smp_this_cpu(), online = smp_cpus_online();
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        answered[cpu] = 0;
    wrong_cpu = 0;
    u64 start = clock_ns();
    for (unsigned i = 0; i < CALLS_PER_CPU; i++) {
        for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
            if (cpu == self || !smp_cpu_online(cpu))
                continue;
            int err = smp_call_on(cpu, count_call, (void *)(uintptr_t)cpu, CALL_TIMEOUT_NS);
            CHECK(err == 0, "call %u to CPU %u returned %s (%d)", i + 1, cpu, errno_name(err),
                  err);
        }
    }
    u64 ns = clock_ns() - start;
    unsigned calls = CALLS_PER_CPU * (online - 1);
    printf("selftest: %u calls to %u other CPUs, %llu us each on average\n", calls, online - 1,
           (unsigned long long)(ns / calls / 1000));
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        unsigned expected = cpu == self || !smp_cpu_online(cpu) ? 0 : CALLS_PER_CPU;
        CHECK(answered[cpu] == expected, "CPU %u ran %u calls, expected %u", cpu, answered[cpu],
              expected);
    }
    CHECK(wrong_cpu == 0, "%u calls ran on another CPU than their target", wrong_cpu);
    test_pass();
}

/* Fatal (fatal_tests[], test_memory.c): the stop a fatal error sends the
 * other CPUs (VEC_IPI_STOP, kernel/smp.c), sent to CPU 1 alone. CPU 1 must
 * stop there, silently (natively cli; hlt; a Xen PV vCPU cannot execute
 * those and has them emulated, pv/xen/priv_op.c), and answer no call
 * afterwards. The case ends the machine itself, with status 0 if CPU 1
 * stopped: CPU 1 still counts as online, and the next TLB shootdown would
 * wait for it in vain. */
void test_fatal_stop_cpu1(void)
{
    if (smp_cpus_online() < 2) {
        test_skip("one CPU");
        return;
    }
    int err = apic_send_ipi(1, VEC_IPI_STOP);
    CHECK(err == 0, "apic_send_ipi(1, VEC_IPI_STOP) returned %d", err);
    usleep(200000);
    err = smp_call_on(1, note_cpu, NULL, 500000000);
    printf("selftest: after the stop IPI, a call to CPU 1 returned %s (%d): %s\n",
           errno_name(err), err, err == -ETIMEDOUT ? "stopped" : "still running");
    exit(err == -ETIMEDOUT ? 0 : 1);
}

/* Threads on every CPU. Long enough for a loaded host under TCG; a case
 * that hits it fails, it never hangs the run. */
#define THREAD_TIMEOUT_NS (20000ULL * 1000000)

static struct thread *spawn_on(const char *name, thread_fn fn, void *arg, unsigned cpu)
{
    int err;
    struct thread *t = thread_create_on(name, fn, arg, 8, 1u << cpu, &err);
    if (!t)
        printf("selftest: thread_create_on(%s, CPU %u) failed: %s (%d)\n", name, cpu,
               errno_name(err), err);
    return t;
}

/* One thread pinned to each online CPU; each runs fn(&slot[cpu]). */
struct per_cpu_run {
    unsigned cpu;             /* where it was pinned */
    volatile unsigned ran_on; /* smp_this_cpu() as it saw it */
    volatile long result;     /* the case's own */
    volatile bool done;
    void *ctx;
};

static struct per_cpu_run slot[MAX_CPUS];

static bool run_on_each_cpu(const char *name, thread_fn fn, void *ctx)
{
    struct thread *t[MAX_CPUS] = { 0 };
    bool ok = true;
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        slot[cpu] = (struct per_cpu_run){ .cpu = cpu, .ran_on = ~0u, .ctx = ctx };
        if (smp_cpu_online(cpu) && !(t[cpu] = spawn_on(name, fn, &slot[cpu], cpu)))
            ok = false;
    }
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        if (t[cpu])
            thread_join(t[cpu], NULL);
    return ok;
}

/* Every thread reaches a barrier and waits there (spinning, preemption
 * off) until all have: on fewer CPUs than threads they never all could. */
static volatile unsigned arrived;

static void *meet_everyone(void *arg)
{
    struct per_cpu_run *r = arg;
    r->ran_on = smp_this_cpu();
    unsigned n = smp_cpus_online();
    __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
    u64 deadline = clock_ns() + THREAD_TIMEOUT_NS;
    while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < n && clock_ns() < deadline)
        __asm__ __volatile__("pause");
    r->result = __atomic_load_n(&arrived, __ATOMIC_SEQ_CST);
    r->done = smp_this_cpu() == r->cpu;   /* still there: pinned threads stay */
    return NULL;
}

static void test_thread_each_cpu(void)
{
    if (one_cpu())
        return;
    bool was = thread_preemption();
    thread_set_preemption(false);
    arrived = 0;
    bool ok = run_on_each_cpu("meet", meet_everyone, NULL);
    thread_set_preemption(was);
    CHECK(ok, "could not create a thread on every CPU");
    unsigned n = smp_cpus_online();
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!smp_cpu_online(cpu))
            continue;
        CHECK(slot[cpu].ran_on == cpu, "the thread pinned to CPU %u ran on CPU %u", cpu,
              slot[cpu].ran_on);
        CHECK(slot[cpu].done, "the thread pinned to CPU %u left it", cpu);
        CHECK(slot[cpu].result >= (long)n, "the thread on CPU %u saw %ld of %u threads running at "
              "once within %llu s", cpu, slot[cpu].result, n, THREAD_TIMEOUT_NS / 1000000000);
    }
    test_pass();
}

/* A shared counter incremented COUNTER_TOTAL times, in equal shares, by a
 * thread on each CPU, each increment under one mutex: none is lost. */
#define COUNTER_TOTAL 1000000
static struct mutex counter_lock;
static volatile unsigned long counter;

static void *count_under_lock(void *arg)
{
    struct per_cpu_run *r = arg;
    r->ran_on = smp_this_cpu();
    long share = (long)(uintptr_t)r->ctx;
    for (long i = 0; i < share; i++) {
        mutex_lock(&counter_lock);
        counter = counter + 1;
        mutex_unlock(&counter_lock);
    }
    r->result = share;
    return NULL;
}

static void test_mutex_counter(void)
{
    if (one_cpu())
        return;
    unsigned n = smp_cpus_online();
    long share = COUNTER_TOTAL / n;
    mutex_init(&counter_lock, false);
    counter = 0;
    u64 t0 = clock_ns();
    CHECK(run_on_each_cpu("count", count_under_lock, (void *)(uintptr_t)share),
          "could not create a thread on every CPU");
    u64 ns = clock_ns() - t0;
    printf("selftest: %ld increments from each of %u CPUs in %llu ms\n", share, n,
           (unsigned long long)(ns / 1000000));
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        CHECK(!smp_cpu_online(cpu) || slot[cpu].ran_on == cpu, "the thread of CPU %u ran on %u",
              cpu, slot[cpu].ran_on);
    CHECK(counter == (unsigned long)share * n, "the counter is %lu after %u x %ld increments",
          counter, n, share);
    test_pass();
}

/* Ping-pong between a thread on the first and one on the last CPU:
 * `wakeups` wake-ups in all (the wakeups= argument; 10^4 in a full run,
 * where under TCG on a loaded host one can take 0.4 ms; the row
 * smp-wakeups-{arch} asks for 10^5), each across CPUs. A wait that runs
 * out of time although its turn had come is a wake-up the scheduler lost. */
static unsigned long wakeups;
static struct mutex pp_lock;
static struct condvar pp_cond;
static volatile unsigned long pp_turns;   /* even: ping's turn, odd: pong's */
static volatile unsigned pp_lost, pp_stuck;

static void *ping_pong(void *arg)
{
    unsigned parity = (unsigned)(uintptr_t)arg;
    mutex_lock(&pp_lock);
    while (pp_turns < wakeups && !pp_stuck) {
        while (pp_turns % 2 != parity && pp_turns < wakeups && !pp_stuck) {
            int err = condvar_wait_until(&pp_cond, &pp_lock, clock_ns() + THREAD_TIMEOUT_NS / 10);
            if (err == -ETIMEDOUT && pp_turns % 2 == parity)
                pp_lost++;   /* the signal came, the wake-up did not */
            else if (err == -ETIMEDOUT)
                pp_stuck = 1;
        }
        if (pp_turns < wakeups && !pp_stuck) {
            pp_turns++;
            condvar_signal(&pp_cond);
        }
    }
    mutex_unlock(&pp_lock);
    return NULL;
}

static void test_cross_cpu_wakeups(void)
{
    if (one_cpu())
        return;
    unsigned last = 0;
    for (unsigned cpu = 1; cpu < MAX_CPUS; cpu++)
        if (smp_cpu_online(cpu))
            last = cpu;
    long asked = selftest_param("wakeups", 10000);
    CHECK(asked >= 2, "wakeups=%ld: at least 2", asked);
    wakeups = (unsigned long)asked;
    mutex_init(&pp_lock, false);
    condvar_init(&pp_cond);
    pp_turns = 0;
    pp_lost = pp_stuck = 0;
    u64 t0 = clock_ns();
    struct thread *a = spawn_on("ping", ping_pong, (void *)0, 0);
    struct thread *b = spawn_on("pong", ping_pong, (void *)1, last);
    CHECK(a && b, "could not create the two threads");
    thread_join(a, NULL);
    thread_join(b, NULL);
    u64 ns = clock_ns() - t0;
    printf("selftest: %lu wake-ups between CPU 0 and CPU %u, %llu ns each\n", pp_turns, last,
           (unsigned long long)(ns / (pp_turns ? pp_turns : 1)));
    CHECK(!pp_stuck, "the ping-pong stopped at turn %lu: neither thread could go on", pp_turns);
    CHECK(pp_lost == 0, "%u of %lu wake-ups were lost (the waiter ran out of time with its "
          "turn come)", pp_lost, pp_turns);
    CHECK(pp_turns == wakeups, "%lu turns, expected %lu", pp_turns, wakeups);
    test_pass();
}

/* A thread moved by its own affinity to each CPU in turn is there when
 * thread_set_affinity returns, and its FPU state went with it: the x87
 * control word and MXCSR are the thread's, set to values no idle thread
 * has (round toward zero), and the other CPU's own state would show its
 * defaults. */
static uint16_t x87_cw(void)
{
    uint16_t cw;
    __asm__ __volatile__("fnstcw %0" : "=m"(cw));
    return cw;
}

static uint32_t mxcsr(void)
{
    uint32_t v = 0;
    if (cpu_features.sse)
        __asm__ __volatile__("stmxcsr %0" : "=m"(v));
    return v;
}

static void *travel(void *arg)
{
    struct per_cpu_run *r = arg;
    uint16_t cw = (uint16_t)(x87_cw() | 0x0c00);         /* RC = toward zero */
    uint32_t mx = cpu_features.sse ? (mxcsr() | 0x6000) : 0;
    __asm__ __volatile__("fldcw %0" ::"m"(cw));
    if (cpu_features.sse)
        __asm__ __volatile__("ldmxcsr %0" ::"m"(mx));
    r->result = 0;
    for (unsigned round = 0; round < 3 && !r->result; round++) {
        for (unsigned cpu = 0; cpu < MAX_CPUS && !r->result; cpu++) {
            if (!smp_cpu_online(cpu))
                continue;
            int err = thread_set_affinity(thread_current(), 1u << cpu);
            if (err)
                r->result = err;
            else if ((r->ran_on = smp_this_cpu()) != cpu)
                r->result = 1000 + cpu;
            else if (x87_cw() != cw || mxcsr() != mx)
                r->result = 2000 + cpu;
        }
    }
    r->done = true;
    return NULL;
}

static void test_affinity_moves(void)
{
    if (one_cpu())
        return;
    struct thread *t = spawn_on("travel", travel, &slot[0], 0);
    CHECK(t, "could not create the thread");
    thread_join(t, NULL);
    CHECK(slot[0].done, "the thread did not finish");
    CHECK(slot[0].result < 1000 || slot[0].result >= 2000,
          "moved to CPU %ld, the thread ran on CPU %u", slot[0].result - 1000, slot[0].ran_on);
    CHECK(slot[0].result < 2000, "after the move to CPU %ld the FPU control words were x87 "
          "0x%x MXCSR 0x%x, not the thread's", slot[0].result - 2000, x87_cw(), mxcsr());
    CHECK(slot[0].result == 0, "thread_set_affinity failed: %s (%ld)",
          errno_name((int)slot[0].result), slot[0].result);
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (smp_cpu_online(cpu))
            continue;
        int err = thread_set_affinity(thread_current(), 1u << cpu);
        CHECK(err == -EINVAL, "pinning to CPU %u, not online, returned %d", cpu, err);
        break;
    }
    test_pass();
}

/* Every CPU's own one-shot timer (kernel/timer.c: a timer is armed on
 * the CPU that arms it): a thread pinned to each CPU sleeps 2 ms five
 * times, each sleep ending after its deadline and within a generous
 * bound, and the CPU took timer interrupts meanwhile (natively its local
 * APIC timer, under Xen PV its own VIRQ_TIMER, under the VMI shim the
 * shim's timer on that CPU). */
#define NAP_NS 2000000ULL

static void *nap_here(void *arg)
{
    struct per_cpu_run *r = arg;
    r->ran_on = smp_this_cpu();
    r->result = 0;
    for (int i = 0; i < 5 && !r->result; i++) {
        u64 deadline = clock_ns() + NAP_NS;
        thread_sleep_until(deadline);
        u64 now = clock_ns();
        if (now < deadline)
            r->result = -1;
        else if (now - deadline > THREAD_TIMEOUT_NS / 4)
            r->result = (long)((now - deadline) / 1000000);
        else if (smp_this_cpu() != r->cpu)
            r->result = -2;
    }
    return NULL;
}

static void test_timer_each_cpu(void)
{
    if (one_cpu())
        return;
    CHECK(run_on_each_cpu("nap", nap_here, NULL), "could not create a thread on every CPU");
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!smp_cpu_online(cpu))
            continue;
        CHECK(slot[cpu].ran_on == cpu, "the thread pinned to CPU %u ran on CPU %u", cpu,
              slot[cpu].ran_on);
        CHECK(slot[cpu].result != -1, "a sleep on CPU %u ended before its deadline", cpu);
        CHECK(slot[cpu].result != -2, "the thread on CPU %u woke on another CPU", cpu);
        CHECK(slot[cpu].result == 0, "a 2 ms sleep on CPU %u ended %ld ms late", cpu,
              slot[cpu].result);
    }
    test_pass();
}

/* Preemption on every CPU: two threads pinned to one CPU spin without
 * yielding; with preemption on, that CPU's own slice timer must let both
 * make progress. Each CPU in turn; 2 s each at most, and a CPU whose two
 * spinners do not both move within it fails the case. */
static volatile bool spin_stop;
static volatile unsigned long spun[2];

static void *spin_here(void *arg)
{
    unsigned k = (unsigned)(uintptr_t)arg;
    while (!spin_stop)
        spun[k]++;
    return NULL;
}

static void test_preemption_each_cpu(void)
{
    if (one_cpu())
        return;
    bool was = thread_preemption();
    thread_set_preemption(true);
    unsigned failed_cpu = MAX_CPUS;
    for (unsigned cpu = 0; cpu < MAX_CPUS && failed_cpu == MAX_CPUS; cpu++) {
        if (!smp_cpu_online(cpu))
            continue;
        spin_stop = false;
        spun[0] = spun[1] = 0;
        struct thread *a = spawn_on("spin-a", spin_here, (void *)0, cpu);
        struct thread *b = spawn_on("spin-b", spin_here, (void *)1, cpu);
        if (!a || !b) {
            spin_stop = true;
            failed_cpu = cpu;
        }
        u64 until = clock_ns() + 2000000000ULL;
        while (a && b && clock_ns() < until && (!spun[0] || !spun[1]))
            thread_sleep_until(clock_ns() + 5000000);
        if (!spun[0] || !spun[1])
            failed_cpu = cpu;
        spin_stop = true;
        if (a)
            thread_join(a, NULL);
        if (b)
            thread_join(b, NULL);
    }
    thread_set_preemption(was);
    CHECK(failed_cpu == MAX_CPUS, "on CPU %u two spinning threads made %lu and %lu rounds in 2 s "
          "with preemption on", failed_cpu, spun[0], spun[1]);
    test_pass();
}

/* newlib's per-thread state (errno, strtok's position) is each thread's
 * own while threads run side by side on all CPUs: it is reached through
 * the running thread (__DYNAMIC_REENT__), not one global pointer. */
#define REENT_ROUNDS 20000

static void *own_newlib_state(void *arg)
{
    struct per_cpu_run *r = arg;
    r->ran_on = smp_this_cpu();
    char text[64];
    long bad = 0;
    for (int i = 0; i < REENT_ROUNDS && !bad; i++) {
        int mine = (int)(r->cpu * 100000 + i + 1);
        errno = mine;
        snprintf(text, sizeof(text), "cpu%u %d end", r->cpu, i);
        char *w1 = strtok(text, " "), *w2 = strtok(NULL, " "), *w3 = strtok(NULL, " ");
        if (errno != mine)
            bad = 1;
        else if (!w1 || !w2 || !w3 || strtol(w2, NULL, 10) != i || strcmp(w3, "end") ||
                 strtok(NULL, " "))
            bad = 2;
    }
    r->result = bad;
    return NULL;
}

static void test_newlib_state(void)
{
    if (one_cpu())
        return;
    CHECK(run_on_each_cpu("reent", own_newlib_state, NULL), "could not create the threads");
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!smp_cpu_online(cpu))
            continue;
        CHECK(slot[cpu].result != 1, "the thread on CPU %u saw another thread's errno", cpu);
        CHECK(slot[cpu].result != 2, "the thread on CPU %u got another thread's strtok state",
              cpu);
    }
    test_pass();
}

const struct test_case smp_tests[] = {
    { "smp.cpus_online", test_cpus_online },
    { "smp.fpu_each_cpu", test_fpu_each_cpu },
    { "smp.ipi_all", test_ipi_all },
    { "smp.thread_each_cpu", test_thread_each_cpu },
    { "smp.timer_each_cpu", test_timer_each_cpu },
    { "smp.mutex_counter", test_mutex_counter },
    { "smp.cross_cpu_wakeups", test_cross_cpu_wakeups },
    { "smp.affinity_moves", test_affinity_moves },
    { "smp.preemption_each_cpu", test_preemption_each_cpu },
    { "smp.newlib_state", test_newlib_state },
    { NULL, NULL },
};
