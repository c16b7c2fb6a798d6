/*
 * Ending the machine when someone outside asks (include/proteus/shutdown.h).
 * An appliance's app may have state to save first, so it is told the way
 * POSIX tells a process that the system is going down: SIGTERM, through
 * newlib's handler table (kernel/libc/signals.c, libc_deliver_sigterm).
 * The handler runs in a thread of its own ("shutdown"), as a signal sent
 * to a multithreaded process runs in one of its threads; it typically
 * sets a flag the app's loop sees, and the app exits. The machine then
 * ends the way the request asked (power.exit reads shutdown_requested).
 *
 * The time is bounded: an app with no handler is ended at once, one that
 * ignores SIGTERM or does not exit within the grace time is ended then,
 * with SHUTDOWN_FORCED_STATUS either way and a line that says why.
 */
#include <proteus/api.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/shutdown.h>
#include <proteus/thread.h>
#include <proteus/timer.h>

static enum shutdown_kind requested;
static unsigned grace_s = SHUTDOWN_GRACE_DEFAULT_S;

const char *shutdown_kind_name(enum shutdown_kind kind)
{
    return kind == SHUTDOWN_KIND_POWEROFF ? "poweroff"
           : kind == SHUTDOWN_KIND_REBOOT ? "reboot"
                                          : "none";
}

enum shutdown_kind shutdown_requested(void)
{
    return __atomic_load_n(&requested, __ATOMIC_ACQUIRE);
}

void shutdown_set_grace(unsigned seconds)
{
    grace_s = seconds;
}

static void *tell_app(void *arg)
{
    enum shutdown_kind kind = (enum shutdown_kind)(uintptr_t)arg;
    int how = libc_deliver_sigterm();
    if (how == 0) {
        printk("proteus: the app has no SIGTERM handler: ending it for the %s (status %d)\n",
               shutdown_kind_name(kind), SHUTDOWN_FORCED_STATUS);
        kernel_exit(SHUTDOWN_FORCED_STATUS);
    }
    if (how < 0)
        printk("proteus: the app ignores SIGTERM: the %s follows in %u s\n",
               shutdown_kind_name(kind), grace_s);
    thread_sleep_until(clock_ns() + (u64)grace_s * 1000000000ULL);
    printk("proteus: the app did not exit within %u s of the %s request: ending it (status %d)\n",
           grace_s, shutdown_kind_name(kind), SHUTDOWN_FORCED_STATUS);
    kernel_exit(SHUTDOWN_FORCED_STATUS);
}

void shutdown_request(enum shutdown_kind kind, const char *from)
{
    enum shutdown_kind none = SHUTDOWN_KIND_NONE;
    if (!__atomic_compare_exchange_n(&requested, &none, kind, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        printk("proteus: %s asks for a %s; a %s is under way already\n", from,
               shutdown_kind_name(kind), shutdown_kind_name(none));
        return;
    }
    printk("proteus: %s asks for a %s: telling the app (SIGTERM, %u s to exit)\n", from,
           shutdown_kind_name(kind), grace_s);
    int err;
    if (!thread_create("shutdown", tell_app, (void *)(uintptr_t)kind, THREAD_DEFAULT_STACK_PAGES,
                       &err)) {
        printk("proteus: no thread to tell the app (%s): ending it now (status %d)\n",
               errno_name(err), SHUTDOWN_FORCED_STATUS);
        kernel_exit(SHUTDOWN_FORCED_STATUS);
    }
}
