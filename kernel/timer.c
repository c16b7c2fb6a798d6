/*
 * The timer interrupt and sleeping. With one thread there is one sleeper,
 * so sleeping is: arm the one-shot timer for the deadline, halt until an
 * interrupt, repeat until the clock has passed the deadline. The check and
 * the halt happen with interrupts off until safe_halt, so a timer that
 * fires in between still wakes the halt.
 */
#include <arch/cpu.h>
#include <proteus/panic.h>
#include <proteus/pvops.h>
#include <proteus/timer.h>

u64 timer_interrupts;

static void timer_irq(unsigned vector, void *ctx)
{
    timer_interrupts++;
    irqchip_eoi(vector);
}

void timer_init(void)
{
    int err = irq_register(VEC_TIMER, timer_irq, NULL, "timer");
    if (err)
        panic("timer: cannot register vector 0x%x: %d", VEC_TIMER, err);
}

void timer_sleep_until(u64 deadline)
{
    for (;;) {
        unsigned long flags = irq_save();
        if (clock_ns() >= deadline) {
            irq_restore(flags);
            return;
        }
        timer_arm_oneshot(deadline);
        safe_halt();
        irq_restore(flags);
    }
}
