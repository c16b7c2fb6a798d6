/*
 * newlib's <sched.h>, plus the two calls it leaves out for a bare target:
 * sched_yield (declared only with _POSIX_PRIORITY_SCHEDULING or
 * _POSIX_THREADS) and sched_getcpu (a GNU extension programs use to see
 * where they run). Both are kernel/libc/pthread.c's. This directory comes
 * before newlib's headers on the app include path.
 */
#ifndef PROTEUS_NEWLIB_SCHED_H
#define PROTEUS_NEWLIB_SCHED_H

#include_next <sched.h>

#ifdef __cplusplus
extern "C" {
#endif

int sched_yield(void);     /* let another runnable thread run; always 0 */
int sched_getcpu(void);    /* the CPU the caller runs on, 0 the boot CPU */

#ifdef __cplusplus
}
#endif

#endif
