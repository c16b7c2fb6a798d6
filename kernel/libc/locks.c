/*
 * newlib's locks, built with --enable-newlib-retargetable-locking, mapped
 * onto Proteus mutexes so that malloc, stdio and atexit are safe with
 * several threads. newlib names its static locks __lock___<name> and
 * expects the system to define them; dynamic ones (one per FILE) come and
 * go through __retarget_lock_init/close. newlib 3.3, sys/lock.h.
 */
#include <stdlib.h>
#include <sys/lock.h>
#include <proteus/sync.h>

struct __lock {
    struct mutex m;
};

#define STATIC_LOCK(name, rec)                                                    \
    struct __lock __lock_##name = { { SPINLOCK_INIT, NULL, 0, rec,                \
                                      { LIST_INIT(__lock_##name.m.waiters.waiters) } } }

STATIC_LOCK(__sinit_recursive_mutex, true);
STATIC_LOCK(__sfp_recursive_mutex, true);
STATIC_LOCK(__atexit_recursive_mutex, true);
STATIC_LOCK(__at_quick_exit_mutex, false);
STATIC_LOCK(__malloc_recursive_mutex, true);
STATIC_LOCK(__env_recursive_mutex, true);
STATIC_LOCK(__tz_mutex, false);
STATIC_LOCK(__dd_hash_mutex, false);
STATIC_LOCK(__arc4random_mutex, false);

static void init(_LOCK_T *lock, bool recursive)
{
    /* newlib cannot report a failure here; without memory the lock is
     * NULL and every operation on it does nothing, as in a one-thread
     * newlib, rather than fault. */
    struct __lock *l = malloc(sizeof(*l));
    if (l)
        mutex_init(&l->m, recursive);
    *lock = l;
}

void __retarget_lock_init(_LOCK_T *lock) { init(lock, false); }
void __retarget_lock_init_recursive(_LOCK_T *lock) { init(lock, true); }
void __retarget_lock_close(_LOCK_T lock) { free(lock); }
void __retarget_lock_close_recursive(_LOCK_T lock) { free(lock); }

void __retarget_lock_acquire(_LOCK_T lock)
{
    if (lock)
        mutex_lock(&lock->m);
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
    if (lock)
        mutex_lock(&lock->m);
}

int __retarget_lock_try_acquire(_LOCK_T lock)
{
    return lock ? mutex_trylock(&lock->m) : 1;
}

int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
    return lock ? mutex_trylock(&lock->m) : 1;
}

void __retarget_lock_release(_LOCK_T lock)
{
    if (lock)
        mutex_unlock(&lock->m);
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
    if (lock)
        mutex_unlock(&lock->m);
}
