/*
 * Kernel timers on the one-shot platform timer, tickless: each CPU's
 * hardware is armed for the earliest deadline among the timers armed on
 * that CPU, and a CPU with nothing to do halts until then. A timer's
 * function runs on the CPU that armed it, in interrupt context with
 * interrupts off; it must be short (wake a thread, set a flag).
 */
#ifndef PROTEUS_TIMER_H
#define PROTEUS_TIMER_H

#include <proteus/list.h>

struct timer {
    struct list node;
    u64 deadline;                  /* clock_ns() value */
    void (*fn)(struct timer *t);
    bool pending;
    unsigned cpu;      /* whose list it is on (kernel/timer.c) */
    bool background;   /* never wakes a thread (set after timer_setup):
                          the idle thread's deadlock check ignores it */
};

void timer_init(void);
void timer_setup(struct timer *t, void (*fn)(struct timer *t));
/* Arm (or re-arm) `t` for `deadline`; a deadline in the past fires at the
 * next timer interrupt, at once. */
void timer_arm(struct timer *t, u64 deadline);
/* Disarm; true if it was pending (its function will not run). If the
 * function is running on another CPU, waits for it to return. */
bool timer_cancel(struct timer *t);
/* Arm this CPU's platform timer again for its earliest timer: after the
 * platform lost the timer's state (a Xen domain resumed from a save). */
void timer_reprogram(void);
/* Whether a timer that is not `background` is armed, one that may wake
 * a thread: the idle thread's deadlock check. */
bool timer_wakeup_pending(void);
/* How many timer interrupts have been taken (statistics and tests). */
extern unsigned long timer_interrupts;

#endif
