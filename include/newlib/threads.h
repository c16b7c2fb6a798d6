/*
 * Stands in for newlib's <threads.h> (C11 threads), which cannot compile
 * for a bare target: it includes <machine/_threads.h>, which only a few
 * newlib ports provide. Fail with the reason instead. This directory
 * comes before newlib's headers on the app include path; see docs/libc.md.
 */
#error "Proteus has no C11 threads; use POSIX threads (<pthread.h>) or <proteus/thread.h> (docs/libc.md, docs/threads.md)"
