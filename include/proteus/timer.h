/*
 * Sleeping until a deadline on the one-shot platform timer. Tickless: the
 * timer is armed for the next deadline only, and an idle CPU halts.
 */
#ifndef PROTEUS_TIMER_H
#define PROTEUS_TIMER_H

#include <proteus/types.h>

void timer_init(void);
void timer_sleep_until(u64 deadline_ns);
extern u64 timer_interrupts;

#endif
