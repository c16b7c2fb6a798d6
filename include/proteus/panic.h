/*
 * Ending the machine on a fatal kernel error. panic() prints the message
 * and a backtrace, then ends the machine with PANIC_EXIT_STATUS so that
 * whoever runs it (the boot tests, a supervisor) sees a failure.
 */
#ifndef PROTEUS_PANIC_H
#define PROTEUS_PANIC_H

#include <proteus/types.h>

/* The statuses a machine ends with (docs/apps.md, "Exit statuses"). An
 * app's status is what it passed to exit(), kept to its low 8 bits as
 * POSIX's wait() keeps them (exit(-1) is 255), so 0-255. A fatal error
 * (a panic, a fault, abort(), a boot that cannot go on) ends with 256,
 * which no app can produce. */
#define EXIT_STATUS_MAX 255
#define PANIC_EXIT_STATUS 256

/* The byte written to QEMU's isa-debug-exit port. QEMU exits with
 * (byte << 1) | 1 (hw/misc/debugexit.c) and the host keeps the low 8
 * bits of that, so a shell sees only 7 bits of it: the line kernel_exit()
 * prints is what carries the whole status (scripts/run.py, the boot
 * tests). A fatal error writes 0xff, so QEMU exits 255 and never 1, the
 * code of a clean exit(0). */
static inline u8 exit_port_byte(int status)
{
    return status >= 0 && status <= EXIT_STATUS_MAX ? (u8)status : 0xff;
}

/* Ends the machine: prints "proteus: exit status N" (followed by
 * " (fatal error)" for PANIC_EXIT_STATUS), the line that tells whoever
 * runs the machine its status, then power_exit(). Every end of the
 * machine after the console is up goes through here. */
__noreturn void kernel_exit(int status);

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
void backtrace_print(unsigned long fp);
/* For reports built by hand (the fault handler): panic_begin() makes
 * printk lock-free and stops a second failure from recursing; panic_end()
 * ends the machine. */
void panic_begin(void);
__noreturn void panic_end(void);

#define BUG_ON(c) do { if (unlikely(c)) panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); } while (0)

#endif
