/*
 * Error numbers used inside the kernel. Kernel functions return 0 or a
 * negative errno; the newlib syscall layer turns that into -1 and errno. The
 * values are newlib's (sys/errno.h), so the conversion is a plain negation.
 */
#ifndef PROTEUS_ERRNO_H
#define PROTEUS_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define E2BIG 7
#define EBADF 9
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EISDIR 21
#define EINVAL 22
#define ENOSPC 28
#define ESPIPE 29
#define EROFS 30
#define ERANGE 34
#define EPROTO 71
#define ENOSYS 88
#define ENOTEMPTY 90
#define ETIMEDOUT 116
#define EISCONN 127

const char *errno_name(int err);

#endif
