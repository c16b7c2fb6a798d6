/*
 * Tickless timers. Pending timers sit on one list sorted by deadline; the
 * platform's one-shot timer is armed for the head only. The interrupt
 * handler runs every expired timer, then re-arms for the new head (or
 * disarms). Nothing fires periodically: an idle machine takes no timer
 * interrupts at all.
 */
#include <arch/cpu.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/pvops.h>
#include <proteus/spinlock.h>
#include <proteus/timer.h>

u64 timer_interrupts;
static struct list pending = LIST_INIT(pending);
static spinlock_t lock = SPINLOCK_INIT;

static void program_hardware(void)
{
    if (list_empty(&pending))
        timer_arm_oneshot(0);
    else
        timer_arm_oneshot(container_of(pending.next, struct timer, node)->deadline ?: 1);
}

void timer_setup(struct timer *t, void (*fn)(struct timer *t))
{
    list_init(&t->node);
    t->fn = fn;
    t->pending = false;
    t->background = false;
    t->deadline = 0;
}

void timer_arm(struct timer *t, u64 deadline)
{
    unsigned long f = spin_lock_irqsave(&lock);
    if (t->pending)
        list_del(&t->node);
    t->deadline = deadline;
    t->pending = true;
    struct list *pos;
    list_for_each(pos, &pending)
        if (container_of(pos, struct timer, node)->deadline > deadline)
            break;
    list_insert_before(pos, &t->node);
    if (pending.next == &t->node)
        program_hardware();
    spin_unlock_irqrestore(&lock, f);
}

bool timer_cancel(struct timer *t)
{
    unsigned long f = spin_lock_irqsave(&lock);
    bool was = t->pending;
    if (was) {
        bool head = pending.next == &t->node;
        list_del(&t->node);
        t->pending = false;
        if (head)
            program_hardware();
    }
    spin_unlock_irqrestore(&lock, f);
    return was;
}

bool timer_wakeup_pending(void)
{
    bool any = false;
    unsigned long f = spin_lock_irqsave(&lock);
    struct list *pos;
    list_for_each(pos, &pending)
        if (!container_of(pos, struct timer, node)->background)
            any = true;
    spin_unlock_irqrestore(&lock, f);
    return any;
}

static void timer_irq(unsigned vector, void *ctx)
{
    timer_interrupts++;
    apic_eoi(vector);
    spin_lock(&lock);
    u64 now = clock_ns();
    while (!list_empty(&pending)) {
        struct timer *t = container_of(pending.next, struct timer, node);
        if (t->deadline > now)
            break;
        list_del(&t->node);
        t->pending = false;
        spin_unlock(&lock);
        t->fn(t);   /* may re-arm itself */
        spin_lock(&lock);
        now = clock_ns();
    }
    program_hardware();
    spin_unlock(&lock);
}

void timer_init(void)
{
    int err = irq_register(VEC_TIMER, timer_irq, NULL, "timer");
    if (err)
        panic("timer: cannot register vector 0x%x: %s (%d)", VEC_TIMER, errno_name(err), err);
}
