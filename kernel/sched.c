/*
 * Threads and the scheduler. One run queue, round-robin; an idle thread
 * (the boot context) halts through the irq ops when nothing is runnable.
 * Everything that wakes a thread (a timer, a wait queue) only moves it to
 * the run queue; switching happens in schedule_locked(), called with
 * sched_lock held and interrupts off, which saves the FPU state and the
 * newlib reentrancy pointer of the old thread and installs the new one's.
 *
 * Preemption, when on, is a 10 ms slice armed only while another thread is
 * runnable (so a lone thread takes no timer interrupts): the slice timer
 * sets need_resched, and the interrupt exit path (sched_preempt_point)
 * switches if the interrupted code had interrupts enabled.
 */
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
    bool exited, join_taken;
    char name[THREAD_NAME_MAX];
    vaddr_t stack_top;             /* 0: the boot stack (idle) */
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

static spinlock_t sched_lock = SPINLOCK_INIT;
static spinlock_t thread_lock = SPINLOCK_INIT;   /* lifetimes: exit, join, the list */
static struct list runq = LIST_INIT(runq);
static struct list all_threads = LIST_INIT(all_threads);
static struct timer slice_timer;
static bool preempt_on;
static u64 next_id;
static struct thread *switched_from;   /* finish_switch() clears its on_cpu */
u64 thread_switches;

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

/* Called with sched_lock held. With preemption on, a thread that becomes
 * runnable while another runs must get the CPU within a slice even if the
 * running one never yields: start the slice if it is not running. */
static void enqueue(struct thread *t)
{
    t->state = T_RUNNABLE;
    list_add_tail(&runq, &t->node);
    struct cpu_local *c = this_cpu();
    if (preempt_on && c->current != c->idle && !slice_timer.pending)
        timer_arm(&slice_timer, clock_ns() + SLICE_NS);
}

static void finish_switch(void)
{
    if (switched_from) {
        WRITE_ONCE(switched_from->on_cpu, false);
        switched_from = NULL;
    }
}

/* Switch to the next runnable thread (or idle). The caller has already put
 * the current thread where it belongs: on the run queue, on a wait queue,
 * or nowhere (exited). */
static void schedule_locked(void)
{
    struct cpu_local *c = this_cpu();
    struct thread *prev = c->current;
    struct list *n = list_pop(&runq);
    struct thread *next = n ? container_of(n, struct thread, node) : c->idle;

    if (next == prev) {
        prev->state = T_RUNNING;
        return;
    }
    if (prev == c->idle)
        prev->state = T_RUNNABLE;   /* the idle thread is always ready */
    next->state = T_RUNNING;
    next->on_cpu = true;
    next->switches_in++;
    thread_switches++;
    c->current = next;
    c->need_resched = false;
    if (preempt_on && !list_empty(&runq))
        timer_arm(&slice_timer, clock_ns() + SLICE_NS);
    else
        timer_cancel(&slice_timer);
    if (next->stack_top)
        set_kernel_stack(next->stack_top);
    prev->fs_sel = arch_read_fs();
    if (prev->ldt != next->ldt || prev->ldt_used != next->ldt_used)
        load_ldt(next->ldt, next->ldt_used);
    if (next->fs_sel != prev->fs_sel && arch_load_fs(next->fs_sel))
        arch_load_fs(next->fs_sel = ARCH_DEFAULT_FS);
    fpu_save(prev->fpu);
    fpu_restore(next->fpu);
    libc_switch_reent(next->reent);
    switched_from = prev;
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
    if (!c->need_resched || !preempt_on || !interrupted_with_irqs_on || c->current == c->idle)
        return;
    spin_lock(&sched_lock);
    c->need_resched = false;
    if (!list_empty(&runq)) {
        enqueue(c->current);
        schedule_locked();
    }
    spin_unlock(&sched_lock);
}

void thread_set_preemption(bool on)
{
    unsigned long f = spin_lock_irqsave(&sched_lock);
    preempt_on = on;
    if (on && !list_empty(&runq))
        timer_arm(&slice_timer, clock_ns() + SLICE_NS);
    else if (!on)
        timer_cancel(&slice_timer);
    spin_unlock_irqrestore(&sched_lock, f);
}

bool thread_preemption(void)
{
    return preempt_on;
}

void thread_yield(void)
{
    unsigned long f = spin_lock_irqsave(&sched_lock);
    if (!list_empty(&runq)) {
        enqueue(thread_current());
        schedule_locked();
    }
    spin_unlock_irqrestore(&sched_lock, f);
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
    spin_unlock(&sched_lock);
}

void thread_sleep_until(u64 deadline)
{
    struct thread *self = thread_current();
    unsigned long f = spin_lock_irqsave(&sched_lock);
    while (clock_ns() < deadline) {
        timer_arm(&self->sleep_timer, deadline);
        block_locked();
    }
    spin_unlock_irqrestore(&sched_lock, f);
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
    spin_unlock(&sched_lock);
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
        spin_unlock(&sched_lock);
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
    spin_lock(&sched_lock);
    self->state = T_BLOCKED;
    if (deadline)
        timer_arm(&self->wait_timer, deadline);
    spin_unlock(lock);
    schedule_locked();
    spin_unlock(&sched_lock);
    if (deadline)
        timer_cancel(&self->wait_timer);
    spin_lock(lock);
    self->wait_lock = NULL;
    return !self->timed_out;
}

bool sched_wake_from(struct list *waiters)
{
    struct list *n = list_pop(waiters);
    if (!n)
        return false;
    spin_lock(&sched_lock);
    enqueue(container_of(n, struct thread, node));
    spin_unlock(&sched_lock);
    return true;
}

static struct thread *thread_alloc(const char *name)
{
    paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
    if (!pa)
        return NULL;
    struct thread *t = phys_to_virt(pa);
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
    spin_unlock(&sched_lock);
    irq_enable();
    struct thread *self = thread_current();
    thread_exit(self->fn(self->arg));
}

struct thread *thread_create(const char *name, thread_fn fn, void *arg, size_t stack_pages,
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
    unsigned long f = spin_lock_irqsave(&sched_lock);
    enqueue(t);
    if (preempt_on)
        timer_arm(&slice_timer, clock_ns() + SLICE_NS);
    spin_unlock_irqrestore(&sched_lock, f);
    *err = 0;
    return t;
}

__noreturn void thread_exit(void *ret)
{
    struct thread *self = thread_current();
    if (self == this_cpu()->idle)
        panic("thread_exit called by the idle thread");
    libc_reent_flush(self->reent);
    irq_disable();
    spin_lock(&thread_lock);
    self->retval = ret;
    self->exited = true;
    waitq_wake_all(&self->exit_wq);
    spin_unlock(&thread_lock);
    spin_lock(&sched_lock);
    self->state = T_EXITED;
    timer_cancel(&self->sleep_timer);
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

/* Called by idle with interrupts off: nothing runnable, no timer, no
 * thread waiting for an interrupt. Halting would hang for good. */
static __noreturn void report_deadlock(void)
{
    panic_begin();
    printk("proteus: deadlock: no thread can run and nothing is pending\n");
    thread_for_each(print_thread_state, NULL);
    panic_end();
}

static __noreturn void idle_loop(void)
{
    for (;;) {
        irq_disable();
        spin_lock(&sched_lock);
        if (!list_empty(&runq)) {
            schedule_locked();
            spin_unlock(&sched_lock);
            irq_enable();
            continue;
        }
        bool stuck = !__atomic_load_n(&irq_waiters, __ATOMIC_SEQ_CST) && !timer_wakeup_pending();
        spin_unlock(&sched_lock);
        if (stuck)
            report_deadlock();
        safe_halt();   /* interrupts on and halt, with no lost wakeup */
    }
}

/* A CPU other than the boot CPU, entering the kernel (kernel/smp.c): its
 * own idle thread, which is what runs there (and what a fault there is
 * reported against) until threads run on every CPU. */
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
    c->idle = c->current = idle;
}

__noreturn void sched_start(thread_fn main_fn, void *arg, size_t stack_pages)
{
    struct cpu_local *c = this_cpu();
    timer_setup(&slice_timer, slice_expired);
    struct thread *idle = thread_alloc("idle");
    if (!idle)
        panic("sched: no memory for the idle thread");
    idle->state = T_RUNNING;
    idle->on_cpu = true;
    idle->reent = libc_default_reent();
    c->idle = c->current = idle;

    int err;
    struct thread *main_thread = thread_create("main", main_fn, arg, stack_pages, &err);
    if (!main_thread)
        panic("sched: cannot create the main thread: %s", errno_name(err));
    /* The app's main thread keeps newlib's own reentrancy structure. */
    libc_reent_fini(main_thread->reent_space);
    main_thread->reent = libc_default_reent();

    irq_disable();
    spin_lock(&sched_lock);
    schedule_locked();   /* to main; idle resumes here when nothing else runs */
    spin_unlock(&sched_lock);
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
