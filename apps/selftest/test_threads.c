/*
 * Tests of threads: create and join, round-robin yield order, sleeping
 * order, mutexes and condition variables under contention, preemption
 * that can be turned on and off, and the per-thread state switched on a
 * context switch (errno through newlib's reentrancy structure, FPU/SSE
 * registers, stacks with their own guard pages).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arch/cpu.h>
#include <proteus/api.h>
#include <proteus/smp.h>
#include <proteus/sync.h>
#include <proteus/thread.h>
#include <proteus/vm.h>
#include "selftest.h"

static struct thread *spawn(const char *name, thread_fn fn, void *arg)
{
    int err;
    struct thread *t = thread_create(name, fn, arg, 8, &err);
    if (!t)
        printf("selftest: thread_create(%s) failed: %d\n", name, err);
    return t;
}

static void *square(void *arg)
{
    intptr_t v = (intptr_t)arg;
    return (void *)(v * v);
}

static void test_create_join(void)
{
    struct thread *t[4];
    for (intptr_t i = 0; i < 4; i++)
        CHECK((t[i] = spawn("square", square, (void *)(i + 2))) != NULL, "create failed");
    for (intptr_t i = 0; i < 4; i++) {
        void *ret;
        CHECK(thread_join(t[i], &ret) == 0, "join %ld failed", (long)i);
        CHECK((intptr_t)ret == (i + 2) * (i + 2), "thread %ld returned %ld", (long)i,
              (long)(intptr_t)ret);
    }
    CHECK(thread_join(thread_current(), NULL) == -EINVAL, "joining oneself was allowed");
    test_pass();
}

static char order[32];
static int order_len;

static void *yielder(void *arg)
{
    for (int i = 0; i < 3; i++) {
        order[order_len++] = *(const char *)arg;
        thread_yield();
    }
    return NULL;
}

/* Round-robin is an order on one CPU: the three run where this case does
 * (with more CPUs they would otherwise run side by side). */
static struct thread *spawn_here(const char *name, thread_fn fn, void *arg)
{
    int err;
    struct thread *t = thread_create_on(name, fn, arg, 8, 1u << smp_this_cpu(), &err);
    if (!t)
        printf("selftest: thread_create_on(%s) failed: %d\n", name, err);
    return t;
}

static void test_yield_order(void)
{
    order_len = 0;
    struct thread *a = spawn_here("A", yielder, "A"), *b = spawn_here("B", yielder, "B"),
                  *c = spawn_here("C", yielder, "C");
    CHECK(a && b && c, "create failed");
    thread_join(a, NULL);
    thread_join(b, NULL);
    thread_join(c, NULL);
    order[order_len] = '\0';
    CHECK(!strcmp(order, "ABCABCABC"), "round-robin order was %s", order);
    test_pass();
}

/* One sleeper of test_sleep_order: its deadline is absolute, taken from one
 * clock reading for all three, so a late start cannot reorder them. */
struct sleeper {
    uint64_t deadline;
    char tag;
    bool slept;   /* the deadline was still ahead when it went to sleep */
};

static void *sleeper(void *arg)
{
    struct sleeper *s = arg;
    s->slept = proteus_clock_ns() < s->deadline;
    thread_sleep_until(s->deadline);
    int i = __atomic_fetch_add(&order_len, 1, __ATOMIC_RELAXED);
    order[i] = s->tag;
    if (proteus_clock_ns() < s->deadline)
        s->tag = '!';   /* woke early: reported below */
    return NULL;
}

/* Deadline order is what the timer queue promises, on one CPU: sleepers on
 * different CPUs each wake on time, but which of two CPUs records first is
 * up to the host's scheduling of the vCPUs (under TCG on a loaded host a
 * vCPU can stand still for longer than the 10 ms between deadlines). A
 * round only counts when all three went to sleep before their deadlines;
 * a host stall during the spawns (all deadlines already past) is retried. */
static void test_sleep_order(void)
{
    for (int round = 0; round < 3; round++) {
        struct sleeper s[3] = { { .tag = '3' }, { .tag = '1' }, { .tag = '2' } };
        uint64_t t0 = proteus_clock_ns();
        for (int i = 0; i < 3; i++)
            s[i].deadline = t0 + (uint64_t)(s[i].tag - '0') * 10000000u;
        order_len = 0;
        struct thread *t[3];
        for (int i = 0; i < 3; i++)
            t[i] = spawn_here("sleeper", sleeper, &s[i]);
        for (int i = 0; i < 3; i++)
            CHECK(t[i] && thread_join(t[i], NULL) == 0, "thread %d failed", i);
        uint64_t took = proteus_clock_ns() - t0;
        order[order_len] = '\0';
        for (int i = 0; i < 3; i++)
            CHECK(s[i].tag != '!', "a sleeper woke before its deadline (order %s)", order);
        if (!(s[0].slept && s[1].slept && s[2].slept))
            continue;
        CHECK(!strcmp(order, "123"), "threads woke in order %s, expected 123", order);
        CHECK(took >= 30000000u && took < 120000000u,
              "three sleeps of at most 30 ms took %llu ns", (unsigned long long)took);
        test_pass();
        return;
    }
    CHECK(false, "in 3 rounds the spawns never finished before the first deadline (10 ms)");
}

static struct mutex counter_lock;
static long counter;

static void *incrementer(void *arg)
{
    for (int i = 0; i < 2000; i++) {
        mutex_lock(&counter_lock);
        long v = counter;
        if (i % 100 == 0)
            thread_yield();   /* give the others a chance to collide */
        counter = v + 1;
        mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void test_mutex(void)
{
    mutex_init(&counter_lock, false);
    counter = 0;
    struct thread *t[4];
    for (int i = 0; i < 4; i++)
        CHECK((t[i] = spawn("inc", incrementer, NULL)) != NULL, "create failed");
    for (int i = 0; i < 4; i++)
        thread_join(t[i], NULL);
    CHECK(counter == 8000, "counter is %ld, expected 8000", counter);
    CHECK(mutex_unlock(&counter_lock) == -EPERM, "unlocking a free mutex was allowed");
    test_pass();
}

static struct mutex q_lock;
static struct condvar q_nonempty;
static int queue[8], q_count, consumed_sum;

static void *consumer(void *arg)
{
    for (int got = 0; got < 20; got++) {
        mutex_lock(&q_lock);
        while (q_count == 0)
            condvar_wait(&q_nonempty, &q_lock);
        consumed_sum += queue[--q_count];
        mutex_unlock(&q_lock);
    }
    return NULL;
}

static void test_condvar(void)
{
    mutex_init(&q_lock, false);
    condvar_init(&q_nonempty);
    q_count = consumed_sum = 0;
    struct thread *c = spawn("consumer", consumer, NULL);
    CHECK(c != NULL, "create failed");
    for (int i = 1; i <= 20; i++) {
        mutex_lock(&q_lock);
        queue[q_count++] = i;
        condvar_signal(&q_nonempty);
        mutex_unlock(&q_lock);
        if (i % 3 == 0)
            thread_yield();
        while (q_count == 8)
            thread_yield();
    }
    CHECK(thread_join(c, NULL) == 0, "join failed");
    CHECK(consumed_sum == 210, "consumed %d, expected 210", consumed_sum);
    test_pass();
}

static struct mutex to_lock;
static struct condvar to_cond;

static void *late_signaller(void *arg)
{
    thread_sleep_until(proteus_clock_ns() + 10000000u);
    mutex_lock(&to_lock);
    condvar_signal(&to_cond);
    mutex_unlock(&to_lock);
    return NULL;
}

static void test_condvar_timeout(void)
{
    mutex_init(&to_lock, false);
    condvar_init(&to_cond);
    mutex_lock(&to_lock);
    uint64_t t0 = proteus_clock_ns();
    int r = condvar_wait_until(&to_cond, &to_lock, t0 + 20000000u);
    uint64_t waited = proteus_clock_ns() - t0;
    mutex_unlock(&to_lock);
    CHECK(r == -ETIMEDOUT, "an unsignalled wait returned %d, not -ETIMEDOUT", r);
    CHECK(waited >= 20000000u && waited < 100000000u, "a 20 ms timed wait took %llu ns",
          (unsigned long long)waited);
    /* signalled before the deadline: 0, well before it */
    struct thread *t = spawn("signaller", late_signaller, NULL);
    CHECK(t != NULL, "create failed");
    mutex_lock(&to_lock);
    t0 = proteus_clock_ns();
    r = condvar_wait_until(&to_cond, &to_lock, t0 + 2000000000u);
    waited = proteus_clock_ns() - t0;
    mutex_unlock(&to_lock);
    thread_join(t, NULL);
    CHECK(r == 0, "a signalled wait returned %d", r);
    CHECK(waited < 1000000000u, "a wait signalled after 10 ms took %llu ns",
          (unsigned long long)waited);
    test_pass();
}

static volatile int spin_progress[2];
static volatile int spin_stop;

static void *spinner(void *arg)
{
    int me = (int)(intptr_t)arg;
    while (!spin_stop)
        spin_progress[me]++;   /* never yields, never sleeps */
    return NULL;
}

static void test_preemption(void)
{
    spin_stop = 0;
    spin_progress[0] = spin_progress[1] = 0;
    thread_set_preemption(true);
    struct thread *a = spawn("spin0", spinner, (void *)0), *b = spawn("spin1", spinner, (void *)1);
    CHECK(a && b, "create failed");
    /* main sleeps; the spinners share the CPU only if the slice preempts */
    uint64_t until = proteus_clock_ns() + 100000000u;
    while (proteus_clock_ns() < until && (!spin_progress[0] || !spin_progress[1]))
        thread_sleep_until(proteus_clock_ns() + 5000000u);
    int both = spin_progress[0] && spin_progress[1];
    spin_stop = 1;
    thread_join(a, NULL);
    thread_join(b, NULL);
    thread_set_preemption(false);
    CHECK(both, "with preemption on, spinner progress was %d and %d", spin_progress[0],
          spin_progress[1]);
    CHECK(!thread_preemption(), "preemption did not turn off");
    test_pass();
}

static volatile int starve_stop;

static void *lone_spinner(void *arg)
{
    while (!starve_stop)
        ;
    return NULL;
}

/* With preemption on, a thread that wakes while another spins alone gets
 * the CPU within a slice (the slice must start when it becomes runnable).
 * A virtual CPU can itself lose the host's CPU for tens of ms (seen on the
 * nested KVM host, itself a TCG guest: 34 ms once), which says nothing
 * about the scheduler; a scheduler that never starts the slice is late
 * every time, so the test tries five times and fails only then. */
static void test_wakeup_under_preemption(void)
{
    uint64_t late = 0;
    for (int i = 0; i < 5; i++) {
        starve_stop = 0;
        thread_set_preemption(true);
        struct thread *t = spawn("lone", lone_spinner, NULL);
        CHECK(t != NULL, "create failed");
        uint64_t t0 = proteus_clock_ns();
        thread_sleep_until(t0 + 5000000u);   /* the spinner runs alone meanwhile */
        late = proteus_clock_ns() - t0 - 5000000u;
        starve_stop = 1;
        thread_join(t, NULL);
        thread_set_preemption(false);
        if (late < 30000000u) {
            test_pass();
            return;
        }
    }
    CHECK(0, "woke %llu ns late behind a spinning thread, five times in five",
          (unsigned long long)late);
}

static void test_condvar_unheld(void)
{
    struct mutex m;
    struct condvar c;
    mutex_init(&m, false);
    condvar_init(&c);
    CHECK(condvar_wait_until(&c, &m, proteus_clock_ns() + 1000000u) == -EPERM,
          "waiting with a mutex not held was not refused");
    CHECK(m.owner == NULL && m.depth == 0, "the refused wait changed the mutex");
    CHECK(mutex_trylock(&m), "the mutex cannot be taken after the refused wait");
    mutex_unlock(&m);
    test_pass();
}

static void *set_errno(void *arg)
{
    errno = EDOM;
    thread_yield();
    return (void *)(intptr_t)(errno == EDOM);
}

static void test_errno_per_thread(void)
{
    errno = 0;
    struct thread *t = spawn("errno", set_errno, NULL);
    CHECK(t != NULL, "create failed");
    thread_yield();
    CHECK(errno == 0, "main's errno became %d after another thread set EDOM", errno);
    void *ret;
    thread_join(t, &ret);
    CHECK(ret == (void *)1, "the thread's own errno was lost across a switch");
    test_pass();
}

/* Holds a pattern in %xmm5 and checks it over and over while preemption
 * switches between two such threads at arbitrary instructions: only a
 * context switch that saves and restores SSE state keeps both intact. */
static volatile int xmm_stop;

__attribute__((target("sse2"))) static void *xmm_holder(void *arg)
{
    uint32_t pattern = (uint32_t)(uintptr_t)arg, bad = 0;
    unsigned long rounds = 0;
    while (!xmm_stop) {
        __asm__ __volatile__(
            "movd %[p], %%xmm5\n\t"
            "pshufd $0, %%xmm5, %%xmm5\n\t"
            "mov $200000, %%ecx\n"
            "1:\n\t"
            "movd %%xmm5, %%eax\n\t"
            "cmp %[p], %%eax\n\t"
            "jne 2f\n\t"
            "dec %%ecx\n\t"
            "jnz 1b\n\t"
            "jmp 3f\n"
            "2:\n\t"
            "incl %[bad]\n"
            "3:\n"
            : [bad] "+m"(bad)
            : [p] "r"(pattern)
            : "eax", "ecx", "xmm5", "cc");
        rounds++;
    }
    return (void *)(uintptr_t)(bad == 0 && rounds > 0);
}

static void test_fpu_per_thread(void)
{
    if (!cpu_features.sse2) {
        test_skip("the CPU has no SSE2");
        return;
    }
    uint64_t switches = thread_switches;
    xmm_stop = 0;
    thread_set_preemption(true);
    struct thread *a = spawn("xmmA", xmm_holder, (void *)0x5a5a1234),
                  *b = spawn("xmmB", xmm_holder, (void *)0x0f0f9876);
    CHECK(a && b, "create failed");
    thread_sleep_until(proteus_clock_ns() + 60000000u);
    xmm_stop = 1;
    void *ra, *rb;
    thread_join(a, &ra);
    thread_join(b, &rb);
    thread_set_preemption(false);
    CHECK(thread_switches - switches >= 4, "only %llu switches: preemption did not interleave",
          (unsigned long long)(thread_switches - switches));
    CHECK(ra == (void *)1 && rb == (void *)1, "an %%xmm5 pattern changed across a preemption");
    test_pass();
}

static void *where_is_my_stack(void *arg)
{
    volatile int local;
    vaddr_t page = (vaddr_t)&local & ~(vaddr_t)(PAGE_SIZE - 1);
    while (vm_probe(page - PAGE_SIZE))
        page -= PAGE_SIZE;
    return (void *)vm_guard_owner(page - PAGE_SIZE);
}

static void test_thread_stack_guard(void)
{
    struct thread *t = spawn("guarded", where_is_my_stack, NULL);
    CHECK(t != NULL, "create failed");
    void *owner;
    thread_join(t, &owner);
    CHECK(owner && !strcmp(owner, "guarded"), "the stack's guard page belongs to %s",
          owner ? (char *)owner : "nobody");
    test_pass();
}

/* Stack slots are reused for any stack that fits: sizes 1..70 in turn
 * (each larger than every slot freed before it) must not run out of
 * slots, and each stack must sit right above its own guard page. */
static void test_stack_sizes(void)
{
    for (size_t pages = 1; pages <= 70; pages++) {
        int err;
        struct thread *t = thread_create("sized", where_is_my_stack, NULL, pages, &err);
        CHECK(t != NULL, "a thread with %zu stack pages: error %d", pages, err);
        void *owner;
        thread_join(t, &owner);
        CHECK(owner && !strcmp(owner, "sized"), "with %zu pages the guard page belongs to %s",
              pages, owner ? (char *)owner : "nobody");
    }
    test_pass();
}

static volatile int small_release;

static void *small_waiter(void *arg)
{
    while (!small_release)
        thread_yield();
    return NULL;
}

/* As many small threads alive at once as there are stack slots: the one
 * too many fails with -EAGAIN (not -ENOMEM), and once they are joined a
 * larger stack still finds a slot. */
static void test_stack_slots_full(void)
{
    static struct thread *t[80];
    int n = 0, err = 0;
    small_release = 0;
    while (n < 80 && (t[n] = thread_create("small", small_waiter, NULL, 1, &err)))
        n++;
    small_release = 1;
    for (int i = 0; i < n; i++)
        thread_join(t[i], NULL);
    CHECK(n < 80, "80 threads alive at once: the stack slot table has no limit?");
    CHECK(err == -EAGAIN, "thread %d of many small ones failed with %d, not -EAGAIN", n, err);
    CHECK(n >= 32, "only %d threads could be alive at once", n);
    struct thread *big = thread_create("big", where_is_my_stack, NULL, 64, &err);
    CHECK(big != NULL, "after %d small threads a 64-page one failed: %d", n, err);
    void *owner;
    thread_join(big, &owner);
    CHECK(owner && !strcmp(owner, "big"), "the large stack's guard page belongs to %s",
          owner ? (char *)owner : "nobody");
    test_pass();
}

static void *allocator(void *arg)
{
    for (int i = 0; i < 300; i++) {
        char *p = malloc(64 + (size_t)(i % 7) * 100);
        if (!p)
            return (void *)0;
        memset(p, i, 64);
        if (i % 25 == 0)
            thread_yield();
        free(p);
    }
    return (void *)1;
}

static void test_malloc_threads(void)
{
    thread_set_preemption(true);
    struct thread *t[3];
    for (int i = 0; i < 3; i++)
        t[i] = spawn("malloc", allocator, NULL);
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        void *r = NULL;
        if (!t[i] || thread_join(t[i], &r) || r != (void *)1)
            ok = 0;
    }
    thread_set_preemption(false);
    CHECK(ok, "malloc/free from several preempted threads failed");
    test_pass();
}

/* A thread that uses stdio has its own stdout (newlib's reentrancy
 * structure): what it leaves in the buffer, such as a partial line, must
 * be flushed when it returns, and returning must not bring the machine
 * down. The boot rows look for the whole line on the console. Joining
 * frees the thread's stdio buffers and locks. */
static void *stdio_user(void *arg)
{
    if (arg) {
        printf("selftest: a thread's own line\n");
        printf("selftest: a thread's partial line");
    } else {
        printf("%s", "");   /* sets up stdout and its buffer, prints nothing */
    }
    return NULL;
}

static void test_stdio_exit(void)
{
    struct thread *t = spawn("stdio", stdio_user, (void *)1);
    CHECK(t != NULL, "create failed");
    CHECK(thread_join(t, NULL) == 0, "join failed");
    printf(", completed by main\n");
    /* newlib 3.3's mallinfo() disagrees with its own header on x86_64
     * (int fields vs size_t), so the heap break is the measure: 100 threads
     * that each kept a 1 KiB buffer would move it by about 100 KiB. */
    char *before = sbrk(0);
    for (int i = 0; i < 100; i++) {
        t = spawn("stdio", stdio_user, NULL);
        CHECK(t && thread_join(t, NULL) == 0, "create or join %d failed", i);
    }
    long grew = (long)((char *)sbrk(0) - before);
    CHECK(grew < 16 * 1024, "100 threads that used stdio grew the heap by %ld bytes", grew);
    test_pass();
}

static void test_create_bad(void)
{
    int err;
    CHECK(thread_create("x", NULL, NULL, 8, &err) == NULL && err == -EINVAL,
          "a thread without a function was created");
    CHECK(thread_create("x", square, NULL, 0, &err) == NULL && err == -EINVAL,
          "a thread with a 0-page stack was created");
    test_pass();
}

const struct test_case thread_tests[] = {
    { "threads.create_join", test_create_join },
    { "threads.create_bad_args", test_create_bad },
    { "threads.yield_round_robin", test_yield_order },
    { "threads.sleep_order", test_sleep_order },
    { "threads.mutex", test_mutex },
    { "threads.condvar", test_condvar },
    { "threads.condvar_timeout", test_condvar_timeout },
    { "threads.preemption", test_preemption },
    { "threads.wakeup_under_preemption", test_wakeup_under_preemption },
    { "threads.condvar_unheld", test_condvar_unheld },
    { "threads.errno_per_thread", test_errno_per_thread },
    { "threads.fpu_per_thread", test_fpu_per_thread },
    { "threads.stack_guard", test_thread_stack_guard },
    { "threads.stack_sizes", test_stack_sizes },
    { "threads.stack_slots_full", test_stack_slots_full },
    { "threads.malloc_locked", test_malloc_threads },
    { "threads.stdio_exit", test_stdio_exit },
    { NULL, NULL },
};
