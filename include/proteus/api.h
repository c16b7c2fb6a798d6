/*
 * The kernel's interface to the app side of the image: newlib's syscall
 * glue (kernel/libc/) and apps that want more than POSIX. Only plain C
 * types, so that it compiles both in the kernel and against newlib.
 */
#ifndef PROTEUS_API_H
#define PROTEUS_API_H

#include <stdint.h>
#include <stddef.h>

long proteus_console_write(const char *buf, size_t len);
/* Blocks until at least one byte arrives; returns the count. */
long proteus_console_read(char *buf, size_t len);
/* Whether proteus_console_read would return at once (a byte, or the end of
 * input, is there); never waits. For poll(). */
int proteus_console_poll(void);
/* Move the heap break by `delta`; the old break, or (void *)-1 with *err
 * set to a negative errno. */
void *proteus_sbrk(long delta, int *err);
uint64_t proteus_clock_ns(void);              /* monotonic, since boot */
uint64_t proteus_wallclock_ns(void);          /* Unix time */
void proteus_sleep_until_ns(uint64_t deadline);
__attribute__((noreturn)) void proteus_exit(int status);
/* Time this vCPU was ready to run while the hypervisor ran something else
 * (KVM steal time): 0 and *ns, or a negative errno (-ENOSYS) where no
 * interface offers it. */
int proteus_steal_ns(uint64_t *ns);
/* The TSC value read at the first instruction of boot (for `make bench`). */
uint64_t proteus_boot_tsc(void);

/* Whether the platform asked to end the machine (Xen's `xl shutdown`,
 * `xl reboot`; docs/lifecycle.md): 0 not, 1 poweroff, 2 reboot. The app
 * is told by SIGTERM; this says which end follows its exit. */
int proteus_shutdown_requested(void);
/* The app's own xenstore keys (a Xen domU's configuration, written by the
 * toolstack under /local/domain/<domid>/; a path without a leading '/' is
 * relative to that): the value's length with the value and a NUL in buf,
 * or a negative errno: -ENODEV where there is no xenstore, -ENOENT,
 * -EACCES, -ERANGE when len cannot hold it (include/pv/xenstore.h). */
int proteus_xenstore_read(const char *path, char *buf, size_t len);

/* Facts sysconf() reports (kernel/libc/sysconf.c). The page size of the
 * heap and of every mapping, and the most bytes the boot command line,
 * app arguments and environment together can hold. */
#define PROTEUS_PAGE_SIZE 4096
#define PROTEUS_ARG_MAX 1024
/* The CPUs the platform offers, those running kernel code (started at
 * boot: docs/smp.md), and the one the caller runs on (0 is the boot CPU). */
unsigned proteus_cpus_configured(void);
unsigned proteus_cpus_online(void);
unsigned proteus_this_cpu(void);
/* RAM in pages of PROTEUS_PAGE_SIZE: all the frame allocator manages, and
 * what is free now. */
void proteus_memory_pages(uint64_t *total, uint64_t *free_now);
/* End the machine like a fault: print `PANIC: <why>` and a backtrace from
 * the caller, then the panic status (abort(), a fatal signal). */
__attribute__((noreturn)) void proteus_abort(const char *why);

/* newlib's per-thread state, which the kernel keeps for each thread
 * without knowing its layout: kernel/libc/threads.c provides these. */
#define PROTEUS_REENT_SPACE 2048
void *libc_default_reent(void);          /* the main thread's: newlib's own */
void libc_reent_init(void *space);       /* a fresh one in PROTEUS_REENT_SPACE bytes */
void libc_reent_flush(void *space);      /* flush its stdout and stderr */
void libc_reent_fini(void *space);       /* free it; not the current one */
/* Run the app's SIGTERM handler (in the calling thread): 1 when one ran,
 * 0 when SIGTERM has its default action, -1 when the app ignores it
 * (kernel/libc/signals.c; the kernel's shutdown requests use it). */
int libc_deliver_sigterm(void);
/* The current one is this_cpu()->reent, set on every switch; newlib
 * reaches it through __getreent() (kernel/libc/threads.c). */

#endif
