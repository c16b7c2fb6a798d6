/*
 * Kernel console output. printk() formats with lib/format.c and writes
 * through the console ops under a lock, so lines from interrupt handlers and
 * threads do not interleave mid-line.
 */
#ifndef PROTEUS_PRINTK_H
#define PROTEUS_PRINTK_H

#include <proteus/types.h>
/* The console's other half: input and its set-up after the interrupt
 * controller (console_late_init). */
#include <proteus/console.h>

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
/* Quiet boot (`quiet` on the command line) suppresses pr_info lines. */
extern bool printk_quiet;
#define pr_info(...) do { if (!printk_quiet) printk(__VA_ARGS__); } while (0)

#endif
