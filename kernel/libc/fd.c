/*
 * The app's descriptor table (include/proteus/fdtable.h) and the calls
 * that take any descriptor: read, write, close, lseek, fstat, isatty,
 * fsync, dup, dup2 and fcntl. Each slot points at an open file
 * description (POSIX.1-2017, XBD 3.253: the offset and status flags
 * behind one or more descriptors); the description holds its kind's
 * operations and handle. The console is one description behind 0, 1 and
 * 2 at start; sockets and files install theirs.
 *
 * Lifetime: a description counts the slots that name it and the calls
 * using it (fd_get ... fd_put); the kind's close runs when both reach
 * zero, so a close() on one thread never frees what a read() on another
 * is still inside. App code by build (newlib's headers and errno).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <poll.h>
#include <proteus/api.h>
#include <proteus/fdtable.h>
#include <proteus/spinlock.h>
#include "glue.h"

struct ofd {
    const struct fd_ops *ops;
    intptr_t h;
    unsigned refs;     /* slots naming it + calls inside it */
};

/* ---- the console ------------------------------------------------------- */

static ssize_t con_read(intptr_t h, void *buf, size_t len)
{
    (void)h;
    return proteus_console_read(buf, len);
}

static ssize_t con_write(intptr_t h, const void *buf, size_t len)
{
    (void)h;
    return proteus_console_write(buf, len);
}

/* A terminal (XSH fstat(): st_mode's file type; the rest has no meaning
 * for the console). newlib line-buffers a stream on a character device
 * that isatty() calls a terminal. */
static int con_fstat(intptr_t h, struct stat *st)
{
    (void)h;
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFCHR | S_IRUSR | S_IWUSR | S_IWGRP;
    return 0;
}

static short con_ready(intptr_t h, short events)
{
    (void)h;
    short r = events & POLLOUT;   /* the console always takes output */
    if ((events & POLLIN) && proteus_console_poll())
        r |= POLLIN;
    return r;
}

static int con_close(intptr_t h)
{
    (void)h;
    return 0;
}

static const struct fd_ops console_ops = {
    .kind = "console",
    .read = con_read,
    .write = con_write,
    .fstat = con_fstat,
    .close = con_close,
    .ready = con_ready,
};

/* ---- the table --------------------------------------------------------- */

static struct ofd console = { &console_ops, 0, 3 };
static struct ofd *table[FD_TABLE_SIZE] = { &console, &console, &console };
static spinlock_t lock = SPINLOCK_INIT;

/* Drop one reference; the kind's close when it was the last. */
static int unref(struct ofd *o)
{
    unsigned long f = spin_lock_irqsave(&lock);
    unsigned left = --o->refs;
    spin_unlock_irqrestore(&lock, f);
    if (left)
        return 0;
    int err = o->ops->close ? o->ops->close(o->h) : 0;
    if (o != &console)
        free(o);
    return err;
}

int fd_install(const struct fd_ops *ops, intptr_t h)
{
    struct ofd *o = malloc(sizeof(*o));
    if (!o)
        return -ENOMEM;
    *o = (struct ofd){ ops, h, 1 };
    unsigned long f = spin_lock_irqsave(&lock);
    for (int fd = 0; fd < FD_TABLE_SIZE; fd++) {
        if (!table[fd]) {
            table[fd] = o;
            spin_unlock_irqrestore(&lock, f);
            return fd;
        }
    }
    spin_unlock_irqrestore(&lock, f);
    free(o);
    return -EMFILE;
}

struct ofd *fd_get(int fd, const struct fd_ops **ops, intptr_t *h)
{
    if (fd < 0 || fd >= FD_TABLE_SIZE)
        return NULL;
    unsigned long f = spin_lock_irqsave(&lock);
    struct ofd *o = table[fd];
    if (o)
        o->refs++;
    spin_unlock_irqrestore(&lock, f);
    if (o) {
        *ops = o->ops;
        *h = o->h;
    }
    return o;
}

void fd_put(struct ofd *o)
{
    unref(o);
}

int fd_get_kind(int fd, const struct fd_ops *want, int wrong, struct ofd **out, intptr_t *h)
{
    const struct fd_ops *ops;
    struct ofd *o = fd_get(fd, &ops, h);
    if (!o)
        return -EBADF;
    if (ops != want) {
        fd_put(o);
        return -wrong;
    }
    *out = o;
    return 0;
}

/* -1 with errno for a negative result, else the result. */
static long result(long r)
{
    if (r < 0) {
        libc_set_errno((int)-r);
        return -1;
    }
    return r;
}

/* ---- the calls --------------------------------------------------------- */

_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t len)
{
    const struct fd_ops *ops;
    intptr_t h;
    struct ofd *o = fd_get(fd, &ops, &h);
    if (!o)
        return (_READ_WRITE_RETURN_TYPE)result(-EBADF);
    ssize_t r = ops->read ? ops->read(h, buf, len) : -EBADF;
    fd_put(o);
    return (_READ_WRITE_RETURN_TYPE)result(r);
}

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t len)
{
    const struct fd_ops *ops;
    intptr_t h;
    struct ofd *o = fd_get(fd, &ops, &h);
    if (!o)
        return (_READ_WRITE_RETURN_TYPE)result(-EBADF);
    ssize_t r = ops->write ? ops->write(h, buf, len) : -EBADF;
    fd_put(o);
    return (_READ_WRITE_RETURN_TYPE)result(r);
}

/* XSH close(): the descriptor is free at once, whatever the kind's close
 * says; that close runs when the last user of the description is done. */
int close(int fd)
{
    if (fd < 0 || fd >= FD_TABLE_SIZE)
        return (int)result(-EBADF);
    unsigned long f = spin_lock_irqsave(&lock);
    struct ofd *o = table[fd];
    table[fd] = NULL;
    spin_unlock_irqrestore(&lock, f);
    if (!o)
        return (int)result(-EBADF);
    return (int)result(unref(o));
}

off_t lseek(int fd, off_t off, int whence)
{
    const struct fd_ops *ops;
    intptr_t h;
    struct ofd *o = fd_get(fd, &ops, &h);
    if (!o)
        return (off_t)result(-EBADF);
    off_t r = ops->lseek ? ops->lseek(h, off, whence) : -ESPIPE;
    fd_put(o);
    return (off_t)result((long)r);
}

int fstat(int fd, struct stat *st)
{
    const struct fd_ops *ops;
    intptr_t h;
    if (!st)
        return (int)result(-EFAULT);
    struct ofd *o = fd_get(fd, &ops, &h);
    if (!o)
        return (int)result(-EBADF);
    int r = ops->fstat ? ops->fstat(h, st) : -EBADF;
    fd_put(o);
    return (int)result(r);
}

/* XSH isatty(): 1 for a terminal (the console); 0 with EBADF for a
 * descriptor not open, with ENOTTY for one that is no terminal. */
int isatty(int fd)
{
    const struct fd_ops *ops;
    intptr_t h;
    struct ofd *o = fd_get(fd, &ops, &h);
    if (!o) {
        libc_set_errno(EBADF);
        return 0;
    }
    fd_put(o);
    if (ops == &console_ops)
        return 1;
    libc_set_errno(ENOTTY);
    return 0;
}

/* XSH fsync(): EINVAL for a descriptor that cannot be synced (the
 * console, a socket). */
int fsync(int fd)
{
    const struct fd_ops *ops;
    intptr_t h;
    struct ofd *o = fd_get(fd, &ops, &h);
    if (!o)
        return (int)result(-EBADF);
    int r = ops->fsync ? ops->fsync(h) : -EINVAL;
    fd_put(o);
    return (int)result(r);
}

/* Name o by slot `to` (>= from, the lowest free one when to < 0):
 * the slot, or -errno. One more reference for the new name. */
static int dup_into(int fd, int to, int from)
{
    if (fd < 0 || fd >= FD_TABLE_SIZE)
        return -EBADF;
    struct ofd *old = NULL;
    unsigned long f = spin_lock_irqsave(&lock);
    struct ofd *o = table[fd];
    int r = -EBADF;
    if (o) {
        if (to < 0) {
            r = -EMFILE;
            for (int i = from; i < FD_TABLE_SIZE; i++) {
                if (!table[i]) {
                    r = i;
                    break;
                }
            }
        } else {
            r = to;
            old = table[to] == o ? NULL : table[to];
        }
        if (r >= 0 && table[r] != o) {
            o->refs++;
            table[r] = o;
        }
    }
    spin_unlock_irqrestore(&lock, f);
    if (old)
        unref(old);   /* dup2 closes what `to` named, errors ignored (XSH dup2) */
    return r;
}

int dup(int fd)
{
    return (int)result(dup_into(fd, -1, 0));
}

int dup2(int fd, int fd2)
{
    if (fd2 < 0 || fd2 >= FD_TABLE_SIZE)
        return (int)result(-EBADF);
    return (int)result(dup_into(fd, fd2, 0));
}

/* XSH fcntl(): F_DUPFD, F_GETFD/F_SETFD (FD_CLOEXEC is accepted and
 * reads back as clear: with no exec it means nothing), F_GETFL/F_SETFL (O_NONBLOCK where the
 * kind has it; the access mode is read-write for every kind). */
int fcntl(int fd, int cmd, ...);
int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int arg = va_arg(ap, int);   /* every command here takes an int or nothing */
    va_end(ap);
    const struct fd_ops *ops;
    intptr_t h;
    struct ofd *o = fd_get(fd, &ops, &h);
    if (!o)
        return (int)result(-EBADF);
    int r;
    switch (cmd) {
    case F_DUPFD:
        r = arg < 0 || arg >= FD_TABLE_SIZE ? -EINVAL : dup_into(fd, -1, arg);
        break;
    case F_GETFD:
    case F_SETFD:
        r = 0;
        break;
    case F_GETFL:
        r = O_RDWR | (ops->getfl ? ops->getfl(h) : 0);
        break;
    case F_SETFL:
        r = ops->setfl ? ops->setfl(h, arg & O_NONBLOCK) : 0;
        break;
    default:
        r = -EINVAL;
        break;
    }
    fd_put(o);
    return (int)result(r);
}
