/*
 * Console input without a tick. A reader tries the console's non-blocking
 * read op; when nothing is there it sleeps on `readers` until the driver's
 * input interrupt calls console_input_ready(). The try and the sleep happen
 * under `lock` with interrupts off, and the wakeup takes the same lock, so
 * input that arrives between them wakes the reader instead of being lost
 * (the pattern of kernel/sync.c). Only a console with no input interrupt
 * falls back to polling.
 */
#include <proteus/console.h>
#include <proteus/pvops.h>
#include <proteus/sync.h>
#include <proteus/thread.h>

#define POLL_NS 1000000ULL   /* 1 ms, only without an input interrupt */

static spinlock_t lock = SPINLOCK_INIT;
static struct waitq readers = WAITQ_INIT(readers);
static bool input_irq;
static void (*late_init)(void);

void console_set_late_init(void (*fn)(void))
{
    late_init = fn;
}

void console_late_init(void)
{
    if (late_init)
        late_init();
}

void console_input_irq_available(bool available)
{
    unsigned long f = spin_lock_irqsave(&lock);
    input_irq = available;
    /* Readers asleep for an interrupt that will no longer come go back
     * to polling. */
    if (!available)
        waitq_wake_all(&readers);
    spin_unlock_irqrestore(&lock, f);
}

bool console_input_has_irq(void)
{
    return READ_ONCE(input_irq);
}

void console_input_ready(void)
{
    unsigned long f = spin_lock_irqsave(&lock);
    waitq_wake_all(&readers);
    spin_unlock_irqrestore(&lock, f);
}

long console_input_read(char *buf, size_t len)
{
    if (len == 0)
        return 0;
    unsigned long f = spin_lock_irqsave(&lock);
    int n;
    while ((n = console_read(buf, len)) <= 0) {
        if (input_irq) {
            /* No timer wakes this reader: tell the idle thread's deadlock
             * check that an interrupt will (include/proteus/thread.h). */
            sched_waiting_for_irq_begin();
            waitq_sleep(&readers, &lock);
            sched_waiting_for_irq_end();
            continue;
        }
        /* No input interrupt (a console that has none, or one not routed
         * yet): there is no event to wait for, so look again in 1 ms.
         * This is the one case in which a blocked read() takes timer
         * interrupts. */
        spin_unlock_irqrestore(&lock, f);
        thread_sleep_until(clock_ns() + POLL_NS);
        f = spin_lock_irqsave(&lock);
    }
    spin_unlock_irqrestore(&lock, f);
    return n;
}
