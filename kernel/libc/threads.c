/*
 * newlib's side of threads: each thread's reentrancy structure (errno,
 * stdio state, strtok's pointer, ...) lives in kernel-owned memory, set up
 * and found here, where newlib's own headers give its layout.
 */
#include <reent.h>
#include <stdio.h>
#include <string.h>
#include <proteus/api.h>
#include <proteus/percpu.h>

_Static_assert(sizeof(struct _reent) <= PROTEUS_REENT_SPACE,
               "newlib's struct _reent no longer fits PROTEUS_REENT_SPACE");

static struct _reent *boot_reent;

void *libc_default_reent(void)
{
    if (!boot_reent)
        boot_reent = _impure_ptr;
    return boot_reent;
}

void libc_reent_init(void *space)
{
    struct _reent *r = space;
    memset(r, 0, sizeof(*r));
    _REENT_INIT_PTR(r);
}

/* In the exiting thread: push out what its own stdout and stderr still
 * hold (a partial line). These two are the thread's own streams; files it
 * opened belong to newlib's global list and outlive it. (newlib 3.3's
 * _fflush_r takes no NULL for "all streams": that is fflush(NULL) alone.) */
void libc_reent_flush(void *space)
{
    struct _reent *r = space;
    if (!r->__sdidinit)
        return;
    _fflush_r(r, r->_stdout);
    _fflush_r(r, r->_stderr);
}

/* From another thread, once the owner is gone (at its exit it still uses
 * its streams to the last). It closes the streams, freeing their buffers
 * and locks, and frees what else newlib allocated for the thread; for the
 * main thread's (_impure_ptr) _reclaim_reent does nothing. */
void libc_reent_fini(void *space)
{
    /* Its stdin, stdout and stderr are the thread's own FILEs over the
     * app's descriptors 0-2, which other threads still use: closing the
     * FILEs must not close the descriptors (kernel/libc/fd.c). */
    struct _reent *r = space;
    if (r->__sdidinit) {
        r->_stdin->_close = NULL;
        r->_stdout->_close = NULL;
        r->_stderr->_close = NULL;
    }
    _reclaim_reent(space);
}

/* newlib is built with __DYNAMIC_REENT__ (scripts/build-newlib.sh), so
 * its _REENT is a call to this: the structure of the thread running on
 * this CPU, which the scheduler keeps in the per-CPU area on every switch.
 * A single global pointer (_impure_ptr) cannot serve two CPUs running two
 * threads. Before the first switch there is only the boot reent. */
struct _reent *__getreent(void)
{
    struct _reent *r = this_cpu()->reent;
    return r ? r : _impure_ptr;
}
