/*
 * The app's descriptor table (kernel/libc/fd.c): one table for the
 * console (0, 1, 2 at start), sockets (net/lwip/sockets.c) and files
 * (kernel/libc/files.c), so that read, write, close, poll and the rest
 * take any descriptor, as on a POSIX system. Each kind of descriptor
 * brings its operations; the table keeps the numbers and the sharing.
 *
 * A descriptor names an open file description (POSIX.1-2017, XBD 3.253):
 * dup() makes a second name for the same one, and the kind's close runs
 * when the last name goes and no call is still using it. App code (newlib
 * headers) only.
 */
#ifndef PROTEUS_FDTABLE_H
#define PROTEUS_FDTABLE_H

#include <stdint.h>
#include <sys/types.h>

struct stat;
struct pollfd;

/* FD_SETSIZE of newlib's <sys/select.h>, so that select() can name every
 * descriptor. */
#define FD_TABLE_SIZE 64

struct fd_ops {
    const char *kind;   /* "console", "socket", "file", "disk" */
    /* Each returns what POSIX's call of the same name returns, or -errno
     * (never sets errno). A NULL op fails as POSIX says a descriptor of
     * that kind fails: lseek ESPIPE, read/write EBADF... (fd.c). */
    ssize_t (*read)(intptr_t h, void *buf, size_t len);
    ssize_t (*write)(intptr_t h, const void *buf, size_t len);
    off_t (*lseek)(intptr_t h, off_t off, int whence);
    int (*fstat)(intptr_t h, struct stat *st);
    int (*fsync)(intptr_t h);
    /* F_GETFL / F_SETFL's O_NONBLOCK (the status flags live with the
     * kind: lwIP keeps a socket's); NULL: no flag can be set. */
    int (*getfl)(intptr_t h);
    int (*setfl)(intptr_t h, int flags);
    /* The last reference is gone. */
    int (*close)(intptr_t h);
    /* poll, one of two ways: `ready` answers for one descriptor at once
     * and never waits (the console, files); `poll_many` polls several of
     * its kind together, fds[i].fd holding handles, and may wait up to
     * timeout_ms (sockets: lwIP's own wait). */
    short (*ready)(intptr_t h, short events);
    int (*poll_many)(struct pollfd *fds, unsigned n, int timeout_ms);
};

/* Put (ops, h) in the lowest free slot: the descriptor, or -EMFILE (and
 * the caller still owns h). */
int fd_install(const struct fd_ops *ops, intptr_t h);

/* A use of descriptor fd: fd_get gives its ops and handle and holds the
 * description until fd_put, so that a close() on another thread cannot
 * free it underneath. -EBADF for a descriptor not open. */
struct ofd;
struct ofd *fd_get(int fd, const struct fd_ops **ops, intptr_t *h);
void fd_put(struct ofd *o);

/* Report error `e` (an errno value) to whoever called the libc: both
 * errno variables newlib reads (kernel/libc/syscalls.c). */
void libc_set_errno(int e);

/* fd_get that also wants the kind: -ENOTSOCK (or `wrong`) for a
 * descriptor of another kind, -EBADF for one not open. */
int fd_get_kind(int fd, const struct fd_ops *want, int wrong, struct ofd **o, intptr_t *h);

#endif
