/*
 * poll() (POSIX.1-2017, XBD <poll.h>, XSH poll()), which newlib for a bare
 * target lacks: for sockets, the console and files alike
 * (kernel/libc/poll.c). The event bits have Linux's values, so that code
 * which prints or stores them sees the numbers it expects; lwIP's sockets
 * use these definitions too (net/lwip/include/arch/cc.h).
 */
#ifndef _POLL_H
#define _POLL_H

#ifdef __cplusplus
extern "C" {
#endif

#define POLLIN     0x001   /* data to read (or a connection to accept) */
#define POLLPRI    0x002   /* urgent data: never set here */
#define POLLOUT    0x004   /* room to write */
#define POLLERR    0x008   /* an error is pending (revents only) */
#define POLLHUP    0x010   /* the peer has hung up (revents only) */
#define POLLNVAL   0x020   /* fd is not open (revents only) */
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200

typedef unsigned int nfds_t;

struct pollfd {
    int fd;          /* a negative fd is skipped (revents 0) */
    short events;
    short revents;
};

/* timeout in ms: 0 returns at once, negative waits for ever. The number
 * of entries with revents set, 0 on timeout, -1 and errno (EFAULT, EINVAL
 * for nfds beyond the descriptor table, EINTR never). */
int poll(struct pollfd *fds, nfds_t nfds, int timeout);

#ifdef __cplusplus
}
#endif

#endif
