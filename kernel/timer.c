/*T:605
 * Tickless timers, one set per CPU. A timer is armed on the CPU that arms
 * it: it goes on that CPU's list, sorted by deadline, and that CPU's
 * one-shot platform timer (each CPU has its own: the local APIC timer, the
 * vCPU's single-shot timer) is armed for the head only. The interrupt
 * handler runs every expired timer of its CPU, then re-arms for the new
 * head (or disarms). Nothing fires periodically: an idle CPU takes no
 * timer interrupts at all.
 *
 * A timer re-armed on another CPU moves there; one cancelled from another
 * CPU is taken off its list, and that CPU's hardware stays armed for the
 * old head (one spurious interrupt, which finds nothing expired and
 * re-arms). timer_cancel waits for the function if it is running on
 * another CPU at that moment, so a cancelled timer's memory may be freed.
 *
 * Locks: each CPU's list has its own, taken with interrupts off, after
 * sched_lock where both are held (kernel/sched.c arms the slice timer
 * under it); a function runs with no timer lock held. Two lists are
 * locked together only to move a timer, lower CPU number first.
 */
#include <arch/cpu.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/pvops.h>
#include <proteus/spinlock.h>
#include <proteus/timer.h>

unsigned long timer_interrupts;   /* one atomic add on both arches */

struct timer_base {
    spinlock_t lock;
    struct list pending;
    struct timer *running;   /* whose function runs now (lock dropped) */
};
static struct timer_base bases[MAX_CPUS];

static struct timer_base *my_base(void)
{
    return &bases[this_cpu()->id];
}

/*T:610 Where the generic code meets the platform: the one call that
 * reaches the time ops' arm_oneshot (timer_arm_oneshot, a patched call
 * site). Only the CPU that owns a list arms its hardware, since each CPU's
 * one-shot timer is its own. The deadline is absolute, on clock_ns()'s
 * scale; 0 means "disarm", so a deadline of 0 (already past) becomes 1,
 * which fires at once. Only the head of the sorted list is ever armed. */
static void program_hardware(struct timer_base *b)
{
    if (b != my_base())
        return;
    if (list_empty(&b->pending))
        timer_arm_oneshot(0);
    else
        timer_arm_oneshot(container_of(b->pending.next, struct timer, node)->deadline ?: 1);
}

void timer_reprogram(void)
{
    unsigned long f = irq_save();
    struct timer_base *b = my_base();
    spin_lock(&b->lock);
    program_hardware(b);
    spin_unlock(&b->lock);
    irq_restore(f);
}

void timer_setup(struct timer *t, void (*fn)(struct timer *t))
{
    list_init(&t->node);
    t->fn = fn;
    t->pending = false;
    t->background = false;
    t->deadline = 0;
    t->cpu = 0;
}

/* With interrupts off: lock the list `t` belongs to (t->cpu changes only
 * under that list's lock, so check again once it is held). */
static struct timer_base *lock_base_of(struct timer *t)
{
    for (;;) {
        unsigned cpu = READ_ONCE(t->cpu);
        spin_lock(&bases[cpu].lock);
        if (READ_ONCE(t->cpu) == cpu)
            return &bases[cpu];
        spin_unlock(&bases[cpu].lock);
    }
}

void timer_arm(struct timer *t, u64 deadline)
{
    unsigned long f = irq_save();
    unsigned me = this_cpu()->id;
    struct timer_base *mine = &bases[me], *old;
    for (;;) {
        unsigned cpu = READ_ONCE(t->cpu);
        old = &bases[cpu];
        if (cpu == me) {
            spin_lock(&mine->lock);
        } else {
            spin_lock(cpu < me ? &old->lock : &mine->lock);
            spin_lock(cpu < me ? &mine->lock : &old->lock);
        }
        if (READ_ONCE(t->cpu) == cpu)
            break;
        spin_unlock(&mine->lock);
        if (old != mine)
            spin_unlock(&old->lock);
    }
    if (t->pending)
        list_del(&t->node);
    WRITE_ONCE(t->cpu, me);
    if (old != mine)
        spin_unlock(&old->lock);
    t->deadline = deadline;
    t->pending = true;
    struct list *pos;
    list_for_each(pos, &mine->pending)
        if (container_of(pos, struct timer, node)->deadline > deadline)
            break;
    list_insert_before(pos, &t->node);
    if (mine->pending.next == &t->node)
        program_hardware(mine);
    spin_unlock(&mine->lock);
    irq_restore(f);
}

bool timer_cancel(struct timer *t)
{
    unsigned long f = irq_save();
    struct timer_base *b = lock_base_of(t);
    bool was = t->pending;
    if (was) {
        bool head = b->pending.next == &t->node;
        list_del(&t->node);
        t->pending = false;
        if (head)
            program_hardware(b);
    }
    spin_unlock(&b->lock);
    if (b != my_base())
        while (READ_ONCE(b->running) == t)
            __asm__ __volatile__("pause");
    irq_restore(f);
    return was;
}

bool timer_wakeup_pending(void)
{
    bool any = false;
    unsigned long f = irq_save();
    for (unsigned cpu = 0; cpu < MAX_CPUS && !any; cpu++) {
        struct timer_base *b = &bases[cpu];
        spin_lock(&b->lock);
        if (b->running && !b->running->background)
            any = true;
        struct list *pos;
        list_for_each(pos, &b->pending)
            if (!container_of(pos, struct timer, node)->background)
                any = true;
        spin_unlock(&b->lock);
    }
    irq_restore(f);
    return any;
}

/*T:615 VEC_TIMER, whichever personality raised it: the local APIC timer,
 * the PIT's IRQ 0 handed on, a Xen VIRQ_TIMER event, the VMI shim's timer.
 * It runs every timer of this CPU whose deadline the clock has reached,
 * reading the clock again after each function, then arms for the new head.
 * An interrupt that comes early (the native count-down arms 0.2 % early;
 * the PIT cannot wait more than 55 ms) finds nothing expired and only
 * re-arms for what is left, so a timer never fires before its deadline. */
static void timer_irq(unsigned vector, void *ctx)
{
    struct timer_base *b = my_base();
    __atomic_fetch_add(&timer_interrupts, 1, __ATOMIC_RELAXED);
    apic_eoi(vector);
    spin_lock(&b->lock);
    u64 now = clock_ns();
    while (!list_empty(&b->pending)) {
        struct timer *t = container_of(b->pending.next, struct timer, node);
        if (t->deadline > now)
            break;
        list_del(&t->node);
        t->pending = false;
        WRITE_ONCE(b->running, t);
        spin_unlock(&b->lock);
        t->fn(t);   /* may re-arm itself */
        spin_lock(&b->lock);
        WRITE_ONCE(b->running, NULL);
        now = clock_ns();
    }
    program_hardware(b);
    spin_unlock(&b->lock);
}

void timer_init(void)
{
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        bases[cpu].lock = (spinlock_t)SPINLOCK_INIT;
        list_init(&bases[cpu].pending);
    }
    int err = irq_register(VEC_TIMER, timer_irq, NULL, "timer");
    if (err)
        panic("timer: cannot register vector 0x%x: %s (%d)", VEC_TIMER, errno_name(err), err);
}
