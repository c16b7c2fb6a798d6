/*
 * Ending the machine on a fatal kernel error. panic() prints the message
 * and a backtrace, then ends the machine with PANIC_EXIT_STATUS so that
 * whoever runs it (the boot tests, a supervisor) sees a failure.
 */
#ifndef PROTEUS_PANIC_H
#define PROTEUS_PANIC_H

#include <proteus/types.h>

#define PANIC_EXIT_STATUS 99

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
void backtrace_print(unsigned long fp);
/* For reports built by hand (the fault handler): panic_begin() makes
 * printk lock-free and stops a second failure from recursing; panic_end()
 * ends the machine. */
void panic_begin(void);
__noreturn void panic_end(void);

#define BUG_ON(c) do { if (unlikely(c)) panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); } while (0)

#endif
