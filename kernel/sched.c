/*
 * Threads and the scheduler, on every CPU. One run queue for all CPUs,
 * round-robin, under one lock (sched_lock); each CPU has an idle thread
 * (the boot CPU's is the boot context) that halts through the irq ops when
 * nothing it may run is runnable. Everything that wakes a thread (a timer,
 * a wait queue) only moves it to the run queue and, if a CPU that may run
 * it is idle, sends that CPU a reschedule IPI; switching happens in
 * schedule_locked(), called with sched_lock held and interrupts off, which
 * saves the FPU state of the old thread and installs the new one's, its
 * LDT, %fs and newlib reentrancy structure.
 *
 * Why one queue and not one per CPU: Proteus runs one app with a handful
 * of threads on at most MAX_CPUS CPUs. A shared queue balances by itself
 * (an idle CPU takes the next thread, whichever CPU woke it) with no
 * stealing or migration logic, and sched_lock is held for a few hundred
 * instructions per switch. `make bench` measures the cost (smp section:
 * the cross-CPU wake-up and the yield rate on 1, 2 and 4 CPUs; figures in
 * docs/benchmarks.md); per-CPU queues are the change to make when those
 * figures show contention (docs/smp.md).
 *
 * The lock is handed across the switch: the CPU that switches away from a
 * thread holds sched_lock until it runs on the next thread's stack and has
 * marked the old one off-CPU (finish_switch), so no other CPU can pick a
 * thread whose stack is still in use.
 *
 * Affinity: a thread may run on the CPUs in its `allowed` mask (all, by
 * default); a CPU picks the first queued thread it may run.
 *
 * Preemption, when on, is a 10 ms slice per CPU, armed only while a
 * thread that CPU may run is waiting (so a lone thread takes no timer
 * interrupts): the slice timer sets need_resched, and the interrupt exit
 * path (sched_preempt_point) switches if the interrupted code had
 * interrupts enabled.
 */
#include <arch/cpu.h>
#include <arch/thread.h>
#include <proteus/api.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/ldt.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/string.h>
#include <proteus/smp.h>
#include <proteus/sync.h>
#include <proteus/thread.h>
#include <proteus/timer.h>
#include <proteus/vm.h>
#include "sched_internal.h"

#define SLICE_NS 10000000ULL

enum thread_state { T_RUNNABLE, T_RUNNING, T_BLOCKED, T_EXITED };
static const char *const state_names[] = { "runnable", "running", "blocked", "exited" };

struct thread {
    unsigned long sp;              /* saved by arch_switch_stack */
    u64 id;
    enum thread_state state;
    bool on_cpu;                   /* its stack is still in use */
    u32 allowed;                   /* CPUs it may run on (bit n: CPU n) */
    unsigned cpu;                  /* where it runs, or last ran */
    bool exited, join_taken;
    char name[THREAD_NAME_MAX];
    vaddr_t stack_top;             /* 0: the stack its CPU's boot ran on (idle) */
    size_t stack_pages;
    thread_fn fn;
    void *arg, *retval;
    struct list node;              /* run queue or a wait queue */
    struct list all;               /* every thread, for thread_for_each */
    struct timer sleep_timer;
    struct timer wait_timer;       /* a timed wait on a wait queue */
    spinlock_t *wait_lock;         /* that queue's lock, while waiting */
    bool timed_out;
    struct waitq exit_wq;
    u64 switches_in;
    struct seg_desc *ldt;          /* NULL: no LDT; else one page */
    unsigned ldt_used;             /* entries loaded (highest in use + 1) */
    u16 fs_sel;                    /* %fs while switched out */
    void *reent;
    u8 fpu[FPU_STATE_SIZE] __aligned(16);
    u8 reent_space[PROTEUS_REENT_SPACE] __aligned(16);
};
BUILD_BUG_ON(sizeof(struct thread) > PAGE_SIZE);

#define ALL_CPUS (~0u)
BUILD_BUG_ON(MAX_CPUS > 32);   /* CPU masks are one u32 */

static spinlock_t sched_lock = SPINLOCK_INIT;
static spinlock_t thread_lock = SPINLOCK_INIT;   /* lifetimes: exit, join, the list */
static struct list runq = LIST_INIT(runq);
static struct list all_threads = LIST_INIT(all_threads);
static bool preempt_on;
static u64 next_id;
u64 thread_switches;

/* Each CPU's own scheduling state, touched by that CPU only (but for the
 * slice timer's pending flag, read by a waker deciding whether to IPI). */
struct sched_cpu {
    struct timer slice;
    struct thread *switched_from;   /* finish_switch() clears its on_cpu */
    u32 kicks;                      /* CPUs to send a reschedule IPI to */
};
static struct sched_cpu sched_cpus[MAX_CPUS];
/* Under sched_lock: the CPUs running their idle thread, and those of them
 * sent a reschedule IPI they have not acted on yet (so that a burst of
 * wake-ups spreads over the idle CPUs instead of all going to one). */
static u32 idle_cpus, kicked_cpus;
static bool resched_ipi_ready;

static u32 bit(unsigned cpu)
{
    return 1u << cpu;
}

struct thread *thread_current(void)
{
    return this_cpu()->current;
}

const char *thread_name(const struct thread *t)
{
    return t->name;
}

u64 thread_id(const struct thread *t)
{
    return t->id;
}

/* Called with sched_lock held: whether a queued thread may run here. */
static bool runnable_for(unsigned cpu)
{
    struct list *pos;
    list_for_each(pos, &runq)
        if (container_of(pos, struct thread, node)->allowed & bit(cpu))
            return true;
    return false;
}

/* Called with sched_lock held: take the first queued thread this CPU may
 * run, or NULL. */
static struct thread *pick(unsigned cpu)
{
    struct list *pos;
    list_for_each(pos, &runq) {
        struct thread *t = container_of(pos, struct thread, node);
        if (t->allowed & bit(cpu)) {
            list_del(pos);
            return t;
        }
    }
    return NULL;
}

static void start_slice_here(void)
{
    struct timer *slice = &sched_cpus[this_cpu()->id].slice;
    if (!slice->pending)
        timer_arm(slice, clock_ns() + SLICE_NS);
}

/* Reschedule IPIs are noted under sched_lock and sent once it is
 * dropped (sched_unlock): sending one can be slow (a hypercall, an APIC
 * register write an emulator takes its own lock for), and every other CPU
 * that wants the scheduler waits meanwhile. Mutexes and condition
 * variables send theirs later still, once their own lock is dropped too
 * (sched_wake_from_deferred): a thread woken on another CPU would
 * otherwise find that lock still held and spin on it, and under an
 * emulator on a busy host the holder's vCPU may not run again for a
 * millisecond. The ones noted are sent, at the latest, at this CPU's next
 * scheduler operation or interrupt exit. */
static void note_kick(unsigned cpu)
{
    if (resched_ipi_ready)
        sched_cpus[this_cpu()->id].kicks |= bit(cpu);
}

static void send_kicks(void)
{
    if (!resched_ipi_ready)   /* none noted; and before sched_start, no this_cpu() yet */
        return;
    struct sched_cpu *sc = &sched_cpus[this_cpu()->id];
    while (sc->kicks) {
        unsigned cpu = (unsigned)__builtin_ctz(sc->kicks);
        sc->kicks &= ~bit(cpu);
        int err = apic_send_ipi(cpu, VEC_IPI_RESCHED);
        if (err)   /* the thread still runs, once that CPU next looks at the queue */
            printk("sched: reschedule IPI to CPU %u failed: %s (%d)\n", cpu, errno_name(err),
                   err);
    }
}

/* Interrupts are still off here, so the kicks are this CPU's alone. */
static void sched_unlock(void)
{
    spin_unlock(&sched_lock);
    send_kicks();
}

static void sched_unlock_irqrestore(unsigned long flags)
{
    sched_unlock();
    irq_restore(flags);
}

/* Called with sched_lock held, `t` just queued: get a CPU to look at it.
 * An idle CPU that may run it is sent a reschedule IPI (none if it is this
 * one: its idle loop looks at the queue after the interrupt that woke the
 * thread returns). With none idle and preemption on, every busy CPU that
 * may run it starts its slice, so that it runs within one even if no
 * thread yields. */
static void kick_for(const struct thread *t)
{
    unsigned me = this_cpu()->id;
    u32 idle = idle_cpus & t->allowed;
    if (idle & bit(me))
        return;
    u32 waiting = idle & ~kicked_cpus;
    if (waiting) {
        unsigned cpu = (unsigned)__builtin_ctz(waiting);
        kicked_cpus |= bit(cpu);
        note_kick(cpu);
        return;
    }
    if (idle || !preempt_on)
        return;   /* a kicked idle CPU comes, or the thread waits for a yield */
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!(t->allowed & smp_online_mask() & bit(cpu)))
            continue;
        if (cpu == me)
            start_slice_here();
        else if (!READ_ONCE(sched_cpus[cpu].slice.pending))
            note_kick(cpu);
    }
}

/* Called with sched_lock held. */
static void enqueue(struct thread *t)
{
    t->state = T_RUNNABLE;
    list_add_tail(&runq, &t->node);
    kick_for(t);
}

/* VEC_IPI_RESCHED: an idle CPU's halt ends and its idle loop looks at the
 * queue; a busy one starts its slice if preemption is on. No sched_lock:
 * a slice that finds nothing to switch to when it ends does nothing
 * (sched_preempt_point looks under the lock). */
static void resched_ipi(unsigned vector, void *ctx)
{
    apic_eoi(vector);
    struct cpu_local *c = this_cpu();
    if (c->current != c->idle && READ_ONCE(preempt_on))
        start_slice_here();
}

static void finish_switch(void)
{
    struct sched_cpu *sc = &sched_cpus[this_cpu()->id];
    if (sc->switched_from) {
        WRITE_ONCE(sc->switched_from->on_cpu, false);
        sc->switched_from = NULL;
    }
}

/* Switch to the next runnable thread (or idle). The caller has already put
 * the current thread where it belongs: on the run queue, on a wait queue,
 * or nowhere (exited). */
static void schedule_locked(void)
{
    struct cpu_local *c = this_cpu();
    struct sched_cpu *sc = &sched_cpus[c->id];
    struct thread *prev = c->current;
    struct thread *next = pick(c->id);
    if (!next)
        next = c->idle;

    if (next == prev) {
        prev->state = T_RUNNING;
        return;
    }
    if (prev == c->idle)
        prev->state = T_RUNNABLE;   /* the idle thread is always ready */
    if (next == c->idle)
        idle_cpus |= bit(c->id);
    else
        idle_cpus &= ~bit(c->id);
    next->state = T_RUNNING;
    next->on_cpu = true;
    next->cpu = c->id;
    next->switches_in++;
    thread_switches++;
    c->current = next;
    c->need_resched = false;
    if (preempt_on && runnable_for(c->id))
        timer_arm(&sc->slice, clock_ns() + SLICE_NS);
    else
        timer_cancel(&sc->slice);
    if (next->stack_top)
        set_kernel_stack(next->stack_top);
    prev->fs_sel = arch_read_fs();
    if (prev->ldt != next->ldt || prev->ldt_used != next->ldt_used)
        load_ldt(next->ldt, next->ldt_used);
    if (next->fs_sel != prev->fs_sel && arch_load_fs(next->fs_sel))
        arch_load_fs(next->fs_sel = ARCH_DEFAULT_FS);
    fpu_save(prev->fpu);
    fpu_restore(next->fpu);
    c->reent = next->reent;
    sc->switched_from = prev;
    arch_switch_stack(&prev->sp, next->sp);
    finish_switch();   /* now running as prev again, switched to by someone */
}

static void slice_expired(struct timer *t)
{
    this_cpu()->need_resched = true;
}

void sched_preempt_point(bool interrupted_with_irqs_on)
{
    struct cpu_local *c = this_cpu();
    send_kicks();   /* what a handler woke (a device, a timer) */
    if (!c->need_resched || !preempt_on || !interrupted_with_irqs_on || c->current == c->idle)
        return;
    spin_lock(&sched_lock);
    c->need_resched = false;
    if (runnable_for(c->id)) {
        enqueue(c->current);
        schedule_locked();
    }
    sched_unlock();
}

void thread_set_preemption(bool on)
{
    unsigned long f = spin_lock_irqsave(&sched_lock);
    struct timer *slice = &sched_cpus[this_cpu()->id].slice;
    preempt_on = on;
    /* other CPUs start or stop their slices at their next switch */
    if (on && runnable_for(this_cpu()->id))
        timer_arm(slice, clock_ns() + SLICE_NS);
    else if (!on)
        timer_cancel(slice);
    sched_unlock_irqrestore(f);
}

bool thread_preemption(void)
{
    return preempt_on;
}

void thread_yield(void)
{
    unsigned long f = spin_lock_irqsave(&sched_lock);
    if (runnable_for(this_cpu()->id)) {
        enqueue(thread_current());
        schedule_locked();
    }
    sched_unlock_irqrestore(f);
}

/* Block the current thread until something enqueues it again. Called with
 * interrupts off and no spinlock held but sched_lock's. */
static void block_locked(void)
{
    thread_current()->state = T_BLOCKED;
    schedule_locked();
}

static void sleep_wake(struct timer *t)
{
    struct thread *th = container_of(t, struct thread, sleep_timer);
    spin_lock(&sched_lock);
    if (th->state == T_BLOCKED)
        enqueue(th);
    sched_unlock();
}

void thread_sleep_until(u64 deadline)
{
    struct thread *self = thread_current();
    unsigned long f = irq_save();
    /* The timer is armed on this CPU, whose interrupts stay off until the
     * thread is blocked and switched away from: it cannot fire before. */
    while (clock_ns() < deadline) {
        timer_arm(&self->sleep_timer, deadline);
        spin_lock(&sched_lock);
        block_locked();
        sched_unlock();
    }
    irq_restore(f);
}

/* waitq support (kernel/sync.c): the same block and wake, on other lists. */
void sched_block_on(struct list *waiters, spinlock_t *lock)
{
    struct thread *self = thread_current();
    list_add_tail(waiters, &self->node);
    spin_lock(&sched_lock);
    self->state = T_BLOCKED;
    spin_unlock(lock);
    schedule_locked();
    sched_unlock();
    spin_lock(lock);
}

/* A timed wait ran out: take the thread off its wait queue (under that
 * queue's lock, as a waker would) and make it runnable. A waker that got
 * there first has already made it runnable, and then this does nothing. */
static void wait_timeout(struct timer *t)
{
    struct thread *th = container_of(t, struct thread, wait_timer);
    spinlock_t *lock = READ_ONCE(th->wait_lock);
    if (!lock)
        return;
    spin_lock(lock);
    if (th->wait_lock == lock && th->state == T_BLOCKED && list_linked(&th->node)) {
        list_del(&th->node);
        th->timed_out = true;
        spin_lock(&sched_lock);
        enqueue(th);
        sched_unlock();
    }
    spin_unlock(lock);
}

/* sched_block_on with a deadline (0: none); false if it ran out. */
bool sched_block_on_until(struct list *waiters, spinlock_t *lock, u64 deadline)
{
    struct thread *self = thread_current();
    list_add_tail(waiters, &self->node);
    self->wait_lock = lock;
    self->timed_out = false;
    if (deadline)   /* on this CPU, interrupts off: it fires once we are blocked */
        timer_arm(&self->wait_timer, deadline);
    spin_lock(&sched_lock);
    self->state = T_BLOCKED;
    spin_unlock(lock);
    schedule_locked();
    sched_unlock();
    if (deadline)
        timer_cancel(&self->wait_timer);
    spin_lock(lock);
    self->wait_lock = NULL;
    return !self->timed_out;
}

bool sched_wake_from(struct list *waiters)
{
    bool woke = sched_wake_from_deferred(waiters);
    send_kicks();
    return woke;
}

bool sched_wake_from_deferred(struct list *waiters)
{
    struct list *n = list_pop(waiters);
    if (!n)
        return false;
    spin_lock(&sched_lock);
    enqueue(container_of(n, struct thread, node));
    spin_unlock(&sched_lock);
    return true;
}

void sched_send_wakeups(void)
{
    send_kicks();
}

/* The CPU mask as thread_set_affinity takes it: online CPUs only; 0 if
 * none is left. */
static u32 usable_cpus(u32 cpus)
{
    return cpus == THREAD_ANY_CPU ? cpus : cpus & smp_online_mask();
}

int thread_set_affinity(struct thread *t, u32 cpus)
{
    cpus = usable_cpus(cpus);
    if (!t || !cpus)
        return -EINVAL;
    unsigned long f = spin_lock_irqsave(&sched_lock);
    t->allowed = cpus;
    if (t->state == T_RUNNABLE)
        kick_for(t);   /* a CPU it may now run on may be idle */
    else if (t == thread_current() && !(cpus & bit(this_cpu()->id))) {
        enqueue(t);    /* move now: a CPU it may run on takes it */
        schedule_locked();
    }
    sched_unlock_irqrestore(f);
    return 0;
}

u32 thread_affinity(const struct thread *t)
{
    return t->allowed;
}

unsigned thread_cpu(const struct thread *t)
{
    return READ_ONCE(t->cpu);
}

static struct thread *thread_alloc(const char *name)
{
    paddr_t pa = page_alloc(PAGE_DIRECT);
    if (!pa)
        return NULL;
    struct thread *t = phys_to_virt(pa);
    /* Zeroed as far as the FPU area: that is copied in below, and the C
     * library's state is zeroed by libc_reent_init before a thread runs
     * app code (the whole page was 1,000 stores of each boot on i386). */
    memset(t, 0, offsetof(struct thread, fpu));
    size_t n = strlen(name);
    if (n >= THREAD_NAME_MAX)
        n = THREAD_NAME_MAX - 1;
    memcpy(t->name, name, n);
    t->name[n] = '\0';
    list_init(&t->node);
    timer_setup(&t->sleep_timer, sleep_wake);
    timer_setup(&t->wait_timer, wait_timeout);
    waitq_init(&t->exit_wq);
    fpu_init_state(t->fpu);
    t->fs_sel = ARCH_DEFAULT_FS;
    t->allowed = THREAD_ANY_CPU;
    unsigned long f = spin_lock_irqsave(&thread_lock);
    t->id = next_id++;
    list_add_tail(&all_threads, &t->all);
    spin_unlock_irqrestore(&thread_lock, f);
    return t;
}

static void thread_free(struct thread *t)
{
    if (t->reent && t->reent != libc_default_reent())
        libc_reent_fini(t->reent);   /* from the joiner: see kernel/libc/threads.c */
    unsigned long f = spin_lock_irqsave(&thread_lock);
    list_del(&t->all);
    spin_unlock_irqrestore(&thread_lock, f);
    if (t->stack_top)
        vm_stack_free(t->stack_top, t->stack_pages);
    if (t->ldt) {
        ldt_release_notice(t->ldt, LDT_ENTRIES);
        page_free(virt_to_phys_direct(t->ldt));
    }
    page_free(virt_to_phys_direct(t));
}

void thread_first_run(void);
void thread_first_run(void)
{
    finish_switch();
    sched_unlock();
    irq_enable();
    struct thread *self = thread_current();
    thread_exit(self->fn(self->arg));
}

/* A thread ready to run but not queued yet. */
static struct thread *thread_new(const char *name, thread_fn fn, void *arg, size_t stack_pages,
                                 int *err)
{
    if (!fn || stack_pages == 0) {
        *err = -EINVAL;
        return NULL;
    }
    struct thread *t = thread_alloc(name ? name : "thread");
    if (!t) {
        *err = -ENOMEM;
        return NULL;
    }
    t->stack_top = vm_stack_alloc(stack_pages, t->name, err);
    if (!t->stack_top) {
        thread_free(t);
        return NULL;
    }
    t->stack_pages = stack_pages;
    t->fn = fn;
    t->arg = arg;
    t->sp = arch_thread_stack_init(t->stack_top);
    libc_reent_init(t->reent_space);
    t->reent = t->reent_space;
    *err = 0;
    return t;
}

struct thread *thread_create_on(const char *name, thread_fn fn, void *arg, size_t stack_pages,
                                u32 cpus, int *err)
{
    u32 allowed = usable_cpus(cpus);
    if (!allowed) {
        *err = -EINVAL;
        return NULL;
    }
    struct thread *t = thread_new(name, fn, arg, stack_pages, err);
    if (!t)
        return NULL;
    t->allowed = allowed;
    unsigned long f = spin_lock_irqsave(&sched_lock);
    enqueue(t);
    sched_unlock_irqrestore(f);
    return t;
}

struct thread *thread_create(const char *name, thread_fn fn, void *arg, size_t stack_pages,
                             int *err)
{
    return thread_create_on(name, fn, arg, stack_pages, THREAD_ANY_CPU, err);
}

__noreturn void thread_exit(void *ret)
{
    struct thread *self = thread_current();
    if (self == this_cpu()->idle)
        panic("thread_exit called by the idle thread");
    libc_reent_flush(self->reent);
    timer_cancel(&self->sleep_timer);   /* waits if its function runs elsewhere */
    irq_disable();
    spin_lock(&thread_lock);
    self->retval = ret;
    self->exited = true;
    waitq_wake_all(&self->exit_wq);
    spin_unlock(&thread_lock);
    spin_lock(&sched_lock);
    self->state = T_EXITED;
    schedule_locked();
    panic("an exited thread was scheduled again");
}

int thread_join(struct thread *t, void **ret)
{
    if (!t || t == thread_current())
        return -EINVAL;
    unsigned long f = spin_lock_irqsave(&thread_lock);
    if (t->join_taken) {
        spin_unlock_irqrestore(&thread_lock, f);
        return -EINVAL;
    }
    t->join_taken = true;
    while (!t->exited)
        waitq_sleep(&t->exit_wq, &thread_lock);
    spin_unlock_irqrestore(&thread_lock, f);
    while (READ_ONCE(t->on_cpu))   /* SMP: let it finish leaving its stack */
        __asm__ __volatile__("pause");
    if (ret)
        *ret = t->retval;
    thread_free(t);
    return 0;
}

void thread_for_each(void (*fn)(const struct thread_info *ti, void *ctx), void *ctx)
{
    unsigned long f = spin_lock_irqsave(&thread_lock);
    struct list *pos;
    list_for_each(pos, &all_threads) {
        struct thread *t = container_of(pos, struct thread, all);
        struct thread_info ti = { t->id, t->name, state_names[t->state], t->stack_top,
                                  t->stack_pages, t->switches_in };
        fn(&ti, ctx);
    }
    spin_unlock_irqrestore(&thread_lock, f);
}

static unsigned irq_waiters;   /* threads waiting for an interrupt to wake them */

void sched_waiting_for_irq_begin(void)
{
    __atomic_fetch_add(&irq_waiters, 1, __ATOMIC_SEQ_CST);
}

void sched_waiting_for_irq_end(void)
{
    __atomic_fetch_sub(&irq_waiters, 1, __ATOMIC_SEQ_CST);
}

static void print_thread_state(const struct thread_info *ti, void *ctx)
{
    printk("  thread %llu '%s': %s\n", (unsigned long long)ti->id, ti->name, ti->state);
}

/* Called by an idle CPU with interrupts off: every CPU idle, nothing
 * runnable, no timer, no thread waiting for an interrupt. Halting would
 * hang for good. */
static __noreturn void report_deadlock(void)
{
    panic_begin();
    printk("proteus: deadlock: no thread can run and nothing is pending\n");
    thread_for_each(print_thread_state, NULL);
    panic_end();
}

/* The timers are looked at under sched_lock: a timer function that is
 * about to wake a thread is either still pending, or running (both count),
 * or waiting for sched_lock, which this CPU holds. */
static __noreturn void idle_loop(void)
{
    unsigned me = this_cpu()->id;
    for (;;) {
        irq_disable();
        spin_lock(&sched_lock);
        kicked_cpus &= ~bit(me);
        if (runnable_for(me)) {
            schedule_locked();
            sched_unlock();
            irq_enable();
            continue;
        }
        u32 online = smp_online_mask();
        bool stuck = list_empty(&runq) && (idle_cpus & online) == online &&
                     !__atomic_load_n(&irq_waiters, __ATOMIC_SEQ_CST) && !timer_wakeup_pending();
        sched_unlock();
        if (stuck)
            report_deadlock();
        safe_halt();   /* interrupts on and halt, with no lost wakeup */
    }
}

/* A CPU other than the boot CPU, entering the kernel (kernel/smp.c): its
 * own idle thread, which is what runs there when nothing else does (and
 * what a fault in an interrupt handler there is reported against). */
void sched_init_cpu(void)
{
    struct cpu_local *c = this_cpu();
    char name[THREAD_NAME_MAX];
    ksnprintf(name, sizeof(name), "idle/cpu%u", c->id);
    struct thread *idle = thread_alloc(name);
    if (!idle)
        panic("sched: no memory for CPU %u's idle thread", c->id);
    idle->state = T_RUNNING;
    idle->on_cpu = true;
    idle->reent = libc_default_reent();
    idle->allowed = bit(c->id);
    idle->cpu = c->id;
    c->reent = idle->reent;
    c->idle = c->current = idle;
}

/* The reschedule IPI, once: registered when a second CPU is online at
 * sched_start, or, for a CPU started later (smp_start_cpu), just before
 * it is started. Until then no kick is noted or sent. */
static bool sched_started;
static int register_resched_ipi(void)
{
    if (resched_ipi_ready)
        return 0;
    int err = irq_register(VEC_IPI_RESCHED, resched_ipi, NULL, "ipi-resched");
    if (!err)
        resched_ipi_ready = true;
    return err;
}

int sched_prepare_cpu_start(void)
{
    if (!sched_started)
        return 0;   /* the boot's own CPUs: sched_start registers it */
    unsigned long f = irq_save();   /* no wake-up looks at the flag half set */
    int err = register_resched_ipi();
    irq_restore(f);
    if (err)
        printk("sched: cannot register the reschedule IPI (vector 0x%x): %s (%d)\n",
               VEC_IPI_RESCHED, errno_name(err), err);
    return err;
}

/* A started CPU, once online: take threads from now on. */
__noreturn void sched_run_cpu(void)
{
    unsigned long f = spin_lock_irqsave(&sched_lock);
    idle_cpus |= bit(this_cpu()->id);
    sched_unlock_irqrestore(f);
    idle_loop();
}

__noreturn void sched_start(thread_fn main_fn, void *arg, size_t stack_pages)
{
    struct cpu_local *c = this_cpu();
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        timer_setup(&sched_cpus[cpu].slice, slice_expired);
    struct thread *idle = thread_alloc("idle");
    if (!idle)
        panic("sched: no memory for the idle thread");
    idle->state = T_RUNNING;
    idle->on_cpu = true;
    idle->reent = libc_default_reent();
    idle->allowed = bit(c->id);
    c->reent = idle->reent;
    c->idle = c->current = idle;

    int err;
    sched_started = true;
    if (smp_cpus_online() > 1 && (err = register_resched_ipi()))
        panic("sched: cannot register the reschedule IPI (vector 0x%x): %s", VEC_IPI_RESCHED,
              errno_name(err));
    struct thread *main_thread = thread_new("main", main_fn, arg, stack_pages, &err);
    if (!main_thread)
        panic("sched: cannot create the main thread: %s", errno_name(err));
    /* The app's main thread keeps newlib's own reentrancy structure. */
    libc_reent_fini(main_thread->reent_space);
    main_thread->reent = libc_default_reent();

    /* Queued and switched to under one hold of the lock, with this CPU
     * counted idle: main starts here, not on a CPU that happened to look
     * at the queue first. */
    irq_disable();
    spin_lock(&sched_lock);
    idle_cpus |= bit(c->id);
    enqueue(main_thread);
    schedule_locked();   /* to main; idle resumes here when nothing else runs */
    sched_unlock();
    irq_enable();
    idle_loop();
}

/* The current thread's LDT (kernel/ldt.c), created on first use when
 * `create`; NULL if it has none (or no memory: *err = -ENOMEM). */
struct seg_desc *sched_current_ldt(bool create, unsigned **used, int *err)
{
    struct thread *self = thread_current();
    *used = &self->ldt_used;
    *err = 0;
    if (!self->ldt && create) {
        paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
        if (!pa) {
            *err = -ENOMEM;
            return NULL;
        }
        self->ldt = phys_to_virt(pa);
        ldt_alloc_notice(self->ldt, LDT_ENTRIES);
    }
    return self->ldt;
}
