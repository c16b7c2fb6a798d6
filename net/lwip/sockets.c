/*
 * The sockets API under its POSIX names (POSIX.1-2017, XSH socket() and
 * the rest), on lwIP 2.1.3's sockets (src/api/sockets.c, lwip_*): each
 * lwIP socket is installed in the app's one descriptor table
 * (kernel/libc/fd.c), so that read, write, close, poll, select and dup
 * take it like any descriptor, and errno is set both ways newlib reads it
 * (libc_set_errno). The first socket starts the stack
 * (proteus_net_start), so an app needs nothing else. Also the address
 * conversions and the resolver (getaddrinfo on lwIP's DNS client).
 *
 * Not here: SIGPIPE (a send on a closed connection fails with EPIPE and
 * raises nothing, as with MSG_NOSIGNAL), AF_UNIX, IPv6, raw sockets,
 * out-of-band data. docs/network.md has the list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <proteus/fdtable.h>
#include <proteus/ipv4.h>
#include <proteus/net.h>

/* lwIP's result as the table wants it: the value, or -errno (lwIP sets
 * the calling thread's errno when it fails). */
static long lwip_result(long r)
{
    return r < 0 ? -(errno ? errno : EIO) : r;
}

static ssize_t sock_read(intptr_t h, void *buf, size_t len)
{
    errno = 0;
    return lwip_result(lwip_read((int)h, buf, len));
}

static ssize_t sock_write(intptr_t h, const void *buf, size_t len)
{
    errno = 0;
    return lwip_result(lwip_write((int)h, buf, len));
}

static int sock_fstat(intptr_t h, struct stat *st)
{
    (void)h;
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFSOCK | S_IRUSR | S_IWUSR;
    return 0;
}

static int sock_getfl(intptr_t h)
{
    errno = 0;
    int r = lwip_fcntl((int)h, F_GETFL, 0);
    return r < 0 ? (int)lwip_result(r) : (r & O_NONBLOCK);
}

static int sock_setfl(intptr_t h, int flags)
{
    errno = 0;
    return (int)lwip_result(lwip_fcntl((int)h, F_SETFL, flags & O_NONBLOCK));
}

static int sock_close(intptr_t h)
{
    errno = 0;
    return (int)lwip_result(lwip_close((int)h));
}

static int sock_poll_many(struct pollfd *fds, unsigned n, int timeout_ms)
{
    errno = 0;
    return (int)lwip_result(lwip_poll(fds, n, timeout_ms));
}

static const struct fd_ops socket_ops = {
    .kind = "socket",
    .read = sock_read,
    .write = sock_write,
    .fstat = sock_fstat,
    .getfl = sock_getfl,
    .setfl = sock_setfl,
    .close = sock_close,
    .poll_many = sock_poll_many,
};

/* -1 with errno for a negative result, else the result. */
static long ret(long r)
{
    if (r < 0) {
        libc_set_errno((int)-r);
        return -1;
    }
    return r;
}

/* Put lwIP socket s in the table: the descriptor, or -1 with errno (and
 * s closed). */
static int install(int s)
{
    int fd = fd_install(&socket_ops, s);
    if (fd < 0)
        lwip_close(s);
    return (int)ret(fd);
}

int socket(int domain, int type, int protocol)
{
    /* lwIP makes an AF_UNSPEC or unknown domain into an IPv4 socket;
     * POSIX wants EAFNOSUPPORT for a domain the system lacks. */
    if (domain != AF_INET)
        return (int)ret(-EAFNOSUPPORT);
    if (type != SOCK_STREAM && type != SOCK_DGRAM)
        return (int)ret(type == SOCK_RAW ? -EPROTONOSUPPORT : -EINVAL);
    int started = proteus_net_start();
    if (started < 0)
        return (int)ret(started);
    errno = 0;
    int s = lwip_socket(domain, type, protocol);
    if (s < 0)
        return (int)ret(lwip_result(s));   /* ENFILE: every netconn in use */
    return install(s);
}

/* The lwIP socket behind fd: 0 and *s, or -1 with errno (EBADF,
 * ENOTSOCK); *o to be put back with fd_put. */
static int lookup(int fd, struct ofd **o, int *s)
{
    intptr_t h;
    int err = fd_get_kind(fd, &socket_ops, ENOTSOCK, o, &h);
    if (err)
        return (int)ret(err);
    *s = (int)h;
    errno = 0;
    return 0;
}

/* Run one lwIP call on the socket behind fd. */
#define ON_SOCKET(type, fd, call)                 \
    do {                                          \
        struct ofd *o_;                           \
        int s;                                    \
        if (lookup(fd, &o_, &s))                  \
            return (type)-1;                      \
        long r_ = lwip_result((long)(call));      \
        fd_put(o_);                               \
        return (type)ret(r_);                     \
    } while (0)

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
    ON_SOCKET(int, fd, lwip_bind(s, addr, len));
}

int listen(int fd, int backlog)
{
    ON_SOCKET(int, fd, lwip_listen(s, backlog));
}

/* A reset in answer to the SYN is a refusal (XSH connect(): ECONNREFUSED);
 * lwIP reports every reset as ECONNRESET. */
int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    struct ofd *o;
    int s;
    if (lookup(fd, &o, &s))
        return -1;
    long r = lwip_result(lwip_connect(s, addr, len));
    fd_put(o);
    return (int)ret(r == -ECONNRESET ? -ECONNREFUSED : r);
}

int shutdown(int fd, int how)
{
    ON_SOCKET(int, fd, lwip_shutdown(s, how));
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    ON_SOCKET(ssize_t, fd, lwip_send(s, buf, len, flags));
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    ON_SOCKET(ssize_t, fd, lwip_recv(s, buf, len, flags));
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
               socklen_t tolen)
{
    ON_SOCKET(ssize_t, fd, lwip_sendto(s, buf, len, flags, to, tolen));
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                 socklen_t *fromlen)
{
    ON_SOCKET(ssize_t, fd, lwip_recvfrom(s, buf, len, flags, from, fromlen));
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    ON_SOCKET(ssize_t, fd, lwip_sendmsg(s, msg, flags));
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    ON_SOCKET(ssize_t, fd, lwip_recvmsg(s, msg, flags));
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
    ON_SOCKET(int, fd, lwip_getsockname(s, addr, len));
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
    ON_SOCKET(int, fd, lwip_getpeername(s, addr, len));
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    ON_SOCKET(int, fd, lwip_setsockopt(s, level, name, val, len));
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    ON_SOCKET(int, fd, lwip_getsockopt(s, level, name, val, len));
}

/* accept's new connection gets a descriptor of its own; when the table is
 * full, the connection is closed (the peer sees a reset) and EMFILE said. */
int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    struct ofd *o;
    int s;
    if (lookup(fd, &o, &s))
        return -1;
    int c = lwip_accept(s, addr, len);
    long r = lwip_result(c);
    fd_put(o);
    if (r < 0)
        return (int)ret(r);
    return install(c);
}

/* ---- addresses ----------------------------------------------------------- */

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
    if (af != AF_INET) {
        libc_set_errno(EAFNOSUPPORT);
        return NULL;
    }
    errno = 0;
    const char *r = lwip_inet_ntop(af, src, dst, size);
    if (!r)
        libc_set_errno(ENOSPC);
    return r;
}

/* XSH inet_pton(): exactly four decimal bytes (lwIP's parser takes
 * inet_aton's older forms too, "10.0.2" and hex among them, which
 * inet_pton must refuse). */
int inet_pton(int af, const char *src, void *dst)
{
    if (af != AF_INET) {
        libc_set_errno(EAFNOSUPPORT);
        return -1;
    }
    uint32_t a;
    if (ipv4_parse(src, &a, NULL))
        return 0;
    a = htonl(a);
    memcpy(dst, &a, sizeof(a));
    return 1;
}

/* ---- the resolver ------------------------------------------------------------ */

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    if (!res || (!node && !service))
        return EAI_NONAME;
    if (hints) {
        if (hints->ai_family != AF_UNSPEC && hints->ai_family != AF_INET)
            return EAI_FAMILY;
        if (hints->ai_socktype != 0 && hints->ai_socktype != SOCK_STREAM &&
            hints->ai_socktype != SOCK_DGRAM)
            return EAI_SOCKTYPE;
        if (hints->ai_flags & ~(AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV |
                                AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG))
            return EAI_BADFLAGS;
    }
    if (service) {
        /* lwIP reads the service with atoi: refuse what is not a number
         * in 0..65535 rather than let "http" become port 0 */
        char *end;
        long port = strtol(service, &end, 10);
        if (!*service || *end || port < 0 || port > 65535)
            return EAI_SERVICE;
    }
    if (proteus_net_start() < 0)
        return EAI_FAIL;
    return lwip_getaddrinfo(node, service, hints, res);
}

void freeaddrinfo(struct addrinfo *ai)
{
    if (ai)
        lwip_freeaddrinfo(ai);
}

const char *gai_strerror(int code)
{
    switch (code) {
    case 0: return "Success";
    case EAI_NONAME: return "Name does not resolve";
    case EAI_SERVICE: return "Service not supported (ports are numbers)";
    case EAI_FAIL: return "Non-recoverable failure in name resolution";
    case EAI_MEMORY: return "Memory allocation failure";
    case EAI_FAMILY: return "Address family not supported";
    case EAI_AGAIN: return "Temporary failure in name resolution";
    case EAI_BADFLAGS: return "Invalid flags";
    case EAI_SOCKTYPE: return "Socket type not supported";
    case EAI_SYSTEM: return "System error";
    case EAI_OVERFLOW: return "Buffer overflow";
    default: return "Unknown error";
    }
}

struct hostent *gethostbyname(const char *name)
{
    if (proteus_net_start() < 0)
        return NULL;
    return lwip_gethostbyname(name);
}
