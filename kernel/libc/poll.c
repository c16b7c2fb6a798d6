/*
 * poll() and select() over the one descriptor table (kernel/libc/fd.c):
 * the console, files and sockets in one call, as on a POSIX system
 * (POSIX.1-2017, XSH poll(), pselect()).
 *
 * Kinds answer in one of two ways (include/proteus/fdtable.h). The
 * console and files say at once whether they are ready (`ready`); sockets
 * are polled together by lwIP (`poll_many`), which waits on the stack's
 * own events. A call that mixes a socket with a console that is not yet
 * readable lets lwIP wait in slices of MIX_SLICE_MS and looks at the
 * console between them: the console has no event lwIP could wait on. A
 * call with only sockets waits for the whole timeout in lwIP.
 * App code by build (newlib's headers and errno).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <poll.h>
#include <proteus/api.h>
#include <proteus/fdtable.h>
#include "glue.h"

#define MIX_SLICE_MS 10

struct entry {
    struct ofd *o;
    const struct fd_ops *ops;
    intptr_t h;
};

static int ms_left(uint64_t deadline)
{
    uint64_t now = proteus_clock_ns();
    if (now >= deadline)
        return 0;
    uint64_t ms = (deadline - now + 999999) / 1000000;
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    if (nfds > FD_TABLE_SIZE) {
        libc_set_errno(EINVAL);   /* XSH poll(): nfds beyond OPEN_MAX */
        return -1;
    }
    if (nfds && !fds) {
        libc_set_errno(EFAULT);
        return -1;
    }
    struct entry e[FD_TABLE_SIZE];
    struct pollfd sub[FD_TABLE_SIZE];
    unsigned nsub = 0;
    const struct fd_ops *many = NULL;   /* the one kind polled together */
    for (nfds_t i = 0; i < nfds; i++) {
        e[i].o = NULL;
        fds[i].revents = 0;
        if (fds[i].fd < 0)
            continue;
        e[i].o = fd_get(fds[i].fd, &e[i].ops, &e[i].h);
        if (e[i].o && e[i].ops->poll_many) {
            if (!many)
                many = e[i].ops;
            /* Only sockets poll together today; a second such kind would
             * need its own pass (and is refused rather than ignored). */
            if (e[i].ops != many) {
                for (nfds_t j = 0; j <= i; j++)
                    if (e[j].o)
                        fd_put(e[j].o);
                libc_set_errno(EINVAL);
                return -1;
            }
        }
    }

    uint64_t deadline = timeout < 0 ? UINT64_MAX
                                    : proteus_clock_ns() + (uint64_t)timeout * 1000000;
    int ready;
    for (;;) {
        ready = 0;
        bool waits_on_console = false;
        nsub = 0;
        for (nfds_t i = 0; i < nfds; i++) {
            if (fds[i].fd < 0)
                continue;
            if (!e[i].o) {
                fds[i].revents = POLLNVAL;
            } else if (e[i].ops->poll_many) {
                sub[nsub].fd = (int)e[i].h;
                sub[nsub].events = fds[i].events;
                sub[nsub].revents = 0;
                nsub++;
                continue;
            } else if (e[i].ops->ready) {
                fds[i].revents = e[i].ops->ready(e[i].h, fds[i].events);
                if (!fds[i].revents && (fds[i].events & POLLIN))
                    waits_on_console = true;
            } else {
                fds[i].revents = fds[i].events & (POLLIN | POLLOUT);   /* never blocks */
            }
            if (fds[i].revents)
                ready++;
        }
        int left = timeout < 0 ? -1 : ms_left(deadline);
        int slice = ready ? 0 : waits_on_console ? (left < 0 || left > MIX_SLICE_MS ? MIX_SLICE_MS : left) : left;
        if (nsub) {
            int n = many->poll_many(sub, nsub, slice);
            if (n < 0) {
                ready = n;
                break;
            }
            unsigned k = 0;
            for (nfds_t i = 0; i < nfds; i++) {
                if (fds[i].fd < 0 || !e[i].o || !e[i].ops->poll_many)
                    continue;
                fds[i].revents = sub[k++].revents;
                if (fds[i].revents)
                    ready++;
            }
        } else if (!ready && slice) {
            uint64_t now = proteus_clock_ns();
            proteus_sleep_until_ns(slice < 0 ? UINT64_MAX : now + (uint64_t)slice * 1000000);
        }
        if (ready || (timeout >= 0 && ms_left(deadline) == 0))
            break;
    }
    for (nfds_t i = 0; i < nfds; i++)
        if (e[i].o)
            fd_put(e[i].o);
    if (ready < 0) {
        libc_set_errno(-ready);
        return -1;
    }
    return ready;
}

/* XSH pselect(): select() is poll() on the descriptors the sets name;
 * a descriptor not open is EBADF, as select says (poll's POLLNVAL). */
int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
    if (nfds < 0 || nfds > FD_TABLE_SIZE) {
        libc_set_errno(EINVAL);
        return -1;
    }
    if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)) {
        libc_set_errno(EINVAL);
        return -1;
    }
    struct pollfd p[FD_TABLE_SIZE];
    nfds_t n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        short ev = (short)((rd && FD_ISSET(fd, rd) ? POLLIN : 0) |
                           (wr && FD_ISSET(fd, wr) ? POLLOUT : 0) |
                           (ex && FD_ISSET(fd, ex) ? POLLPRI : 0));
        if (ev)
            p[n++] = (struct pollfd){ fd, ev, 0 };
    }
    int timeout = -1;
    if (tv) {
        uint64_t ms = (uint64_t)tv->tv_sec * 1000 + ((uint64_t)tv->tv_usec + 999) / 1000;
        timeout = ms > INT32_MAX ? INT32_MAX : (int)ms;
    }
    uint64_t t0 = proteus_clock_ns();
    int r = poll(p, n, timeout);
    if (r < 0)
        return -1;
    for (nfds_t i = 0; i < n; i++) {
        if (p[i].revents & POLLNVAL) {
            libc_set_errno(EBADF);
            return -1;
        }
    }
    if (rd)
        FD_ZERO(rd);
    if (wr)
        FD_ZERO(wr);
    if (ex)
        FD_ZERO(ex);
    int count = 0;
    for (nfds_t i = 0; i < n; i++) {
        /* an error or hang-up makes a descriptor "ready" for whichever
         * set asked (XSH pselect(): a read would not block) */
        short bad = p[i].revents & (POLLERR | POLLHUP);
        if (rd && (p[i].events & POLLIN) && (p[i].revents & POLLIN || bad)) {
            FD_SET(p[i].fd, rd);
            count++;
        }
        if (wr && (p[i].events & POLLOUT) && (p[i].revents & POLLOUT || bad)) {
            FD_SET(p[i].fd, wr);
            count++;
        }
        if (ex && (p[i].events & POLLPRI) && (p[i].revents & POLLPRI)) {
            FD_SET(p[i].fd, ex);
            count++;
        }
    }
    if (tv) {
        /* the time left, as Linux reports it (POSIX leaves it open) */
        uint64_t us = (uint64_t)tv->tv_sec * 1000000 + (uint64_t)tv->tv_usec;
        uint64_t spent = (proteus_clock_ns() - t0) / 1000;
        us = spent < us ? us - spent : 0;
        tv->tv_sec = (time_t)(us / 1000000);
        tv->tv_usec = (suseconds_t)(us % 1000000);
    }
    return count;
}
