/*
 * Requests from outside to end the machine (kernel/shutdown.c): the
 * toolstack's `xl shutdown` or `xl reboot` under Xen, a sysrq key. The
 * platform code that hears one calls shutdown_request; the kernel tells
 * the app as POSIX would tell a process (SIGTERM, docs/lifecycle.md) and
 * ends the machine itself if the app has not within the grace time.
 */
#ifndef PROTEUS_SHUTDOWN_H
#define PROTEUS_SHUTDOWN_H

#include <proteus/types.h>

enum shutdown_kind {
    SHUTDOWN_KIND_NONE = 0,
    SHUTDOWN_KIND_POWEROFF = 1,
    SHUTDOWN_KIND_REBOOT = 2,
};

/* How long the app has to exit once told (kernel option shutdown_grace=,
 * in seconds). */
#define SHUTDOWN_GRACE_DEFAULT_S 10
/* The status of an app the kernel ended for a request: 128 + SIGTERM, as
 * a shell reports a process that SIGTERM ended. */
#define SHUTDOWN_FORCED_STATUS 143

/* From a thread (never an interrupt handler): `from` says who asked. The
 * first request wins; later ones are said and ignored. */
void shutdown_request(enum shutdown_kind kind, const char *from);
/* The request in force, SHUTDOWN_KIND_NONE if none: the platform's exit
 * (power.exit) ends the machine the way it asks. */
enum shutdown_kind shutdown_requested(void);
const char *shutdown_kind_name(enum shutdown_kind kind);
void shutdown_set_grace(unsigned seconds);

#endif
