/*
 * Stands in for newlib's <pthread.h>, which for a bare target declares
 * nothing (its declarations need _POSIX_THREADS), so that code using
 * POSIX threads fails here, with the reason, instead of at its first
 * pthread_create. This directory comes before newlib's headers on the app
 * include path. Proteus's threads: <proteus/thread.h> and
 * <proteus/sync.h>; see docs/libc.md.
 */
#error "Proteus has no POSIX threads yet (they come with SMP support); use <proteus/thread.h> and <proteus/sync.h> instead (docs/libc.md, docs/threads.md)"
