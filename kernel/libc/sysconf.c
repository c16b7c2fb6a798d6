/*
 * sysconf(), getpagesize() and gethostname(): the limits and facts that
 * ported code asks the system for, answered from the kernel API.
 * newlib's <unistd.h> names them (_SC_*) but leaves them to the system.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>
#include <proteus/fdtable.h>
#include <proteus/api.h>
#include "glue.h"

int getpagesize(void);

/* The name gethostname() gives: there is no network configuration to
 * take one from. */
#define PROTEUS_HOST_NAME "proteus"

/* POSIX.1-2017, sysconf(): a limit or a fact the system has, -1 without
 * touching errno for a limit it does not have or an option it does not
 * support, and -1 with EINVAL for a name it does not know. */
long sysconf(int name)
{
    uint64_t total, free_now;

    switch (name) {
    case _SC_PAGESIZE:              /* _SC_PAGE_SIZE is the same name */
        return PROTEUS_PAGE_SIZE;
    case _SC_NPROCESSORS_CONF:
        return (long)proteus_cpus_configured();
    case _SC_NPROCESSORS_ONLN:
        return (long)proteus_cpus_online();
    case _SC_PHYS_PAGES:
    case _SC_AVPHYS_PAGES:
        proteus_memory_pages(&total, &free_now);
        /* an i386 long cannot count 8 TiB of pages; none is that large */
        return (long)(name == _SC_PHYS_PAGES ? total : free_now);
    case _SC_CLK_TCK:               /* times() counts in these (syscalls.c) */
        return CLOCKS_PER_SEC;
    case _SC_ARG_MAX:               /* options, arguments and environment */
        return PROTEUS_ARG_MAX;
    case _SC_OPEN_MAX:              /* the descriptor table (fd.c) */
        return FD_TABLE_SIZE;
    case _SC_HOST_NAME_MAX:         /* POSIX's least, _POSIX_HOST_NAME_MAX */
        return 255;
    case _SC_NGROUPS_MAX:           /* no supplementary groups */
        return 0;
    case _SC_LINE_MAX:              /* POSIX's least, _POSIX2_LINE_MAX */
        return 2048;
    case _SC_CHILD_MAX:             /* no other processes, and no limit to tell */
    case _SC_ATEXIT_MAX:            /* newlib's atexit list grows on the heap */
        return -1;
    /* Options: the value the app was compiled with (the build defines
     * _POSIX_TIMERS and _POSIX_MONOTONIC_CLOCK so that newlib's <time.h>
     * declares clock_gettime), or -1 when not supported. */
    case _SC_MONOTONIC_CLOCK:
        return _POSIX_MONOTONIC_CLOCK;
    case _SC_TIMERS:                /* clock_gettime and nanosleep; no timer_create */
        return _POSIX_TIMERS;
    case _SC_VERSION:               /* newlib defines no _POSIX_VERSION here */
        return 200809L;             /* POSIX.1-2008, whose 2017 edition is cited */
    case _SC_THREADS:               /* kernel/libc/pthread.c */
        return 200809L;
    case _SC_THREAD_KEYS_MAX:
        return PTHREAD_KEYS_MAX;
    case _SC_THREAD_THREADS_MAX:
        return PTHREAD_THREADS_MAX;
    case _SC_THREAD_DESTRUCTOR_ITERATIONS:
        return PTHREAD_DESTRUCTOR_ITERATIONS;
    case _SC_JOB_CONTROL:
    case _SC_SAVED_IDS:
        return -1;
    default:
        libc_set_errno(EINVAL);
        return -1;
    }
}

/* Not in POSIX any more (SUSv2 had it); kept for the code that calls it. */
int getpagesize(void)
{
    return PROTEUS_PAGE_SIZE;
}

/* POSIX.1-2017, gethostname(): a name that does not fit is cut, and it is
 * unspecified whether the result is then terminated; this one is. */
int gethostname(char *name, size_t len)
{
    if (len == 0)
        return 0;
    strncpy(name, PROTEUS_HOST_NAME, len - 1);
    name[len - 1] = '\0';
    return 0;
}
