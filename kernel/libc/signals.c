/*
 * Signals, as far as one process with no other processes and no terminal
 * has them: signal() and raise() keep one handler table and call a
 * handler synchronously; a signal whose action is the default ends up
 * here, in kill(), and so does abort(). A signal whose default action
 * ends a process ends the machine instead, the way a fault does: a
 * message, a backtrace and the panic status (POSIX.1-2017, XBD
 * <signal.h>, the table of default actions; XSH abort()).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <proteus/api.h>
#include <proteus/format.h>
#include "glue.h"

int kill(pid_t pid, int sig);

/* The dispositions, one table for the whole app. newlib keeps its table
 * in each thread's reent (_signal_r, _raise_r), so a handler set by one
 * thread would be unknown to another; POSIX makes dispositions
 * process-wide (XSH 2.4.3), so signal() and raise() are defined here and
 * newlib's are not linked. A handler stays installed when it runs (BSD
 * and glibc semantics; ISO C allows either). */
static _sig_func_ptr handlers[NSIG];   /* zero is SIG_DFL */

/* "app got signal N (SIGNAME)", formatted by the kernel's ksnprintf:
 * newlib's strsignal and a printf into a buffer would bring its string
 * formatter into every image (about 9 KB), for a message at the end of
 * the run. */
static const char *signal_message(int sig)
{
    static const char *const names[NSIG] = {
        [SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
        [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
        [SIGBUS] = "SIGBUS", [SIGSEGV] = "SIGSEGV", [SIGSYS] = "SIGSYS", [SIGPIPE] = "SIGPIPE",
        [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM", [SIGUSR1] = "SIGUSR1",
        [SIGUSR2] = "SIGUSR2", [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
        [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
    };
    static char why[48];   /* 0 < sig < NSIG: checked by the caller */
    ksnprintf(why, sizeof(why), "app got signal %d (%s)", sig,
              names[sig] ? names[sig] : "no default name");
    return why;
}

_sig_func_ptr signal(int sig, _sig_func_ptr func)
{
    if (sig <= 0 || sig >= NSIG || ((sig == SIGKILL || sig == SIGSTOP) && func != SIG_DFL)) {
        libc_set_errno(EINVAL);
        return SIG_ERR;
    }
    return __atomic_exchange_n(&handlers[sig], func, __ATOMIC_ACQ_REL);
}

int raise(int sig)
{
    if (sig <= 0 || sig >= NSIG) {
        libc_set_errno(EINVAL);
        return -1;
    }
    _sig_func_ptr h = __atomic_load_n(&handlers[sig], __ATOMIC_ACQUIRE);
    if (h == SIG_IGN)
        return 0;
    if (h == SIG_DFL)
        return kill(1, sig);
    h(sig);
    return 0;
}

/* abort() in progress: its SIGABRT is reported as abort() itself. */
static volatile bool aborting;

/* POSIX.1-2017, abort(): SIGABRT is raised first, so that a handler runs
 * and may leave by longjmp; if it returns, or SIGABRT is ignored, the
 * process ends all the same. Streams are not flushed (POSIX allows
 * either): another thread may hold their locks. newlib's own abort()
 * would end with _exit(1), a status any app could give. */
void abort(void)
{
    aborting = true;
    raise(SIGABRT);
    proteus_abort("app called abort()");
}

/* The signals whose default action is to ignore them (XBD <signal.h>);
 * stopping is treated the same, since nothing could continue the app. */
static bool ignored_by_default(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT ||
           sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* newlib's raise() calls this for a signal whose handler is SIG_DFL.
 * The app is process 1 and the only one: pid 1, 0 (its process group)
 * and -1 (every process it may signal) all mean itself. */
int kill(pid_t pid, int sig)
{
    if (pid != 1 && pid != 0 && pid != -1) {
        libc_set_errno(ESRCH);
        return -1;
    }
    if (sig < 0 || sig >= NSIG) {
        libc_set_errno(EINVAL);
        return -1;
    }
    if (sig == 0 || ignored_by_default(sig))
        return 0;   /* sig 0 only asks whether the process exists */
    if (sig == SIGABRT && aborting)
        proteus_abort("app called abort()");
    proteus_abort(signal_message(sig));
}

/* sigaction() on top of newlib's handler table. newlib's struct sigaction
 * for a bare target has a plain handler, a mask and SA_NOCLDSTOP, which
 * means nothing without children; the mask means nothing without signals
 * that arrive on their own. SIGKILL and SIGSTOP cannot be caught (EINVAL,
 * as POSIX.1-2017 sigaction() says). */
int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (sig <= 0 || sig >= NSIG || (act && (sig == SIGKILL || sig == SIGSTOP))) {
        libc_set_errno(EINVAL);
        return -1;
    }
    /* signal() only swaps; a query swaps twice */
    _sig_func_ptr prev = signal(sig, act ? act->sa_handler : SIG_DFL);
    if (!act)
        signal(sig, prev);
    if (old) {
        memset(old, 0, sizeof(*old));
        old->sa_handler = prev;
    }
    return 0;
}

/* A signal mask needs signals that arrive on their own, to be held back
 * until unblocked; there are none, and raise() would not consult it. */
int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    libc_set_errno(ENOSYS);
    return -1;
}

/* The kernel's shutdown request (kernel/shutdown.c): SIGTERM to the app,
 * run by raise() like any signal here, in the kernel's "shutdown" thread.
 * Its default action would end the machine as a fatal signal does; for a
 * request to power off that is not an error, so the kernel is told and
 * ends it cleanly instead. */
int libc_deliver_sigterm(void)
{
    _sig_func_ptr h = __atomic_load_n(&handlers[SIGTERM], __ATOMIC_ACQUIRE);
    if (h == SIG_DFL || h == SIG_ERR)
        return 0;
    if (h == SIG_IGN)
        return -1;
    raise(SIGTERM);
    return 1;
}
