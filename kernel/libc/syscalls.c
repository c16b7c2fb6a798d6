/*
 * newlib's system calls that Proteus provides: the heap, the clocks,
 * sleeping and the end of the machine, on the kernel API (the calls on
 * descriptors are in fd.c).
 * newlib is built with --disable-newlib-supplied-syscalls and calls these
 * by name. This file is compiled as app code (newlib's headers and errno),
 * not kernel code. The calls Proteus does not provide are in enosys.c;
 * docs/libc.md lists them all.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <proteus/api.h>
#include "glue.h"

/* Two errno variables matter: the app reads its reentrancy structure's
 * (the errno macro), while newlib's *_r wrappers read the plain global
 * after calling these. Setting both serves direct calls (open(), write())
 * and wrapped ones (fopen(), printf()) alike. */
void libc_set_errno(int e)
{
    errno = e;
#undef errno
    extern int errno;
    errno = e;
#define errno (*__errno())
}

/* newlib, built for a bare *-elf target, calls these under their POSIX
 * names (write, not _write); _exit keeps its underscore. */
int gettimeofday(struct timeval *tv, void *tz);
void _init(void);
void _fini(void);

void *sbrk(ptrdiff_t incr)
{
    int err;
    void *old = proteus_sbrk((long)incr, &err);
    if (old == (void *)-1)
        libc_set_errno(-err);
    return old;
}

void _exit(int status)
{
    proteus_exit(status);
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    uint64_t ns;
    if (!ts) {
        libc_set_errno(EFAULT);
        return -1;
    }
    if (id == CLOCK_MONOTONIC) {
        ns = proteus_clock_ns();
    } else if (id == CLOCK_REALTIME) {
        ns = proteus_wallclock_ns();
    } else {
        libc_set_errno(EINVAL);
        return -1;
    }
    ts->tv_sec = (time_t)(ns / 1000000000u);
    ts->tv_nsec = (long)(ns % 1000000000u);
    return 0;
}

/* Both clocks count nanoseconds (the TSC or a hypervisor's clock, scaled),
 * and the wall clock is the monotonic one plus the time at boot. */
int clock_getres(clockid_t id, struct timespec *ts)
{
    if (id != CLOCK_MONOTONIC && id != CLOCK_REALTIME) {
        libc_set_errno(EINVAL);
        return -1;
    }
    if (ts) {
        ts->tv_sec = 0;
        ts->tv_nsec = 1;
    }
    return 0;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    if (tv) {
        uint64_t ns = proteus_wallclock_ns();
        tv->tv_sec = (time_t)(ns / 1000000000u);
        tv->tv_usec = (suseconds_t)(ns % 1000000000u / 1000u);
    }
    return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L || req->tv_sec < 0) {
        libc_set_errno(EINVAL);
        return -1;
    }
    uint64_t now = proteus_clock_ns(), deadline = UINT64_MAX;
    /* a request past 2^64 ns (584 years) sleeps forever, never briefly */
    if ((uint64_t)req->tv_sec < (UINT64_MAX - now) / 1000000000u)
        deadline = now + (uint64_t)req->tv_sec * 1000000000u + (uint64_t)req->tv_nsec;
    proteus_sleep_until_ns(deadline);
    if (rem) {
        rem->tv_sec = 0;
        rem->tv_nsec = 0;
    }
    return 0;
}

/* <unistd.h> declares these, but newlib for a bare target has neither:
 * both are nanosleep. There are no signals to cut a sleep short, so
 * sleep() always returns 0 (nothing left), and usleep() takes any count,
 * a million microseconds or more included, as glibc does. */
unsigned sleep(unsigned seconds)
{
    struct timespec ts = { (time_t)seconds, 0 };
    nanosleep(&ts, NULL);
    return 0;
}

int usleep(useconds_t us)
{
    struct timespec ts = { (time_t)(us / 1000000u), (long)(us % 1000000u) * 1000 };
    return nanosleep(&ts, NULL);
}

/* POSIX.1-2017, times(): the clock ticks (CLOCKS_PER_SEC, which clock()
 * assumes) since boot, and the same count as the app's user time, since
 * the kernel keeps no account of idle time: clock() therefore counts time
 * asleep too. No children, no system time of its own. */
clock_t times(struct tms *t)
{
    clock_t ticks = (clock_t)(proteus_clock_ns() / (1000000000u / CLOCKS_PER_SEC));
    if (t) {
        t->tms_utime = ticks;
        t->tms_stime = t->tms_cutime = t->tms_cstime = 0;
    }
    return ticks;
}

/* __libc_init_array calls these around the constructors; Proteus has no
 * crti/crtn, so there is nothing for them to do. */
void _init(void) {}
void _fini(void) {}
