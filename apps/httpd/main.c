/*
 * httpd: the HTTP/1.1 appliance (issue 17): a static page, the files of
 * the disk's file system, and /stats, over the sockets API exactly as a
 * Linux program would use it. It is both a product (`make run APP=httpd`)
 * and the load the network stack is measured with (`make bench`).
 *
 * One thread per connection, at most MAX_CLIENTS at once (the acceptor
 * waits for one to end before it accepts another; the listen backlog
 * holds the rest). Persistent connections and pipelined requests as RFC
 * 9112 section 9 describes; heads beyond HEAD_MAX are refused with 431,
 * bodies beyond BODY_MAX with 413, anything malformed with the status
 * http_request.c names, and every refusal closes the connection. An idle
 * connection is closed after IDLE_SECS.
 *
 * Arguments (after --): port=N (default 80).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <proteus/api.h>
#include <proteus/net.h>
#include "http_request.h"

#define MAX_CLIENTS 16
#define HEAD_MAX 8192
#define BODY_MAX 16384
#define IDLE_SECS 10
#define FILE_CHUNK 16384

/* The built-in page (apps/httpd/index.html, included by page.S). */
extern const char httpd_page[], httpd_page_end[];

static struct {
    uint64_t requests, bytes, connections, errors, status[6];   /* status[1..5]: 1xx..5xx */
    unsigned active, active_max;
} stats;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_free = PTHREAD_COND_INITIALIZER;
static uint64_t started_ns;

static void count(uint64_t *c, uint64_t n)
{
    __atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

/* All of buf, or false when the peer went away. */
static bool send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
        count(&stats.bytes, (uint64_t)n);
    }
    return true;
}

/* The status line and fields into out (RFC 9112 section 4, RFC 9110
 * section 6.6.1 for Date): its length. */
static size_t head(char *out, size_t size, int status, const char *type, uint64_t length,
                   bool keep, const char *extra)
{
    char date[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    int n = snprintf(out, size,
                     "HTTP/1.1 %d %s\r\nServer: proteus-httpd\r\nDate: %s\r\n"
                     "Content-Type: %s\r\nContent-Length: %llu\r\nConnection: %s\r\n%s\r\n",
                     status, reason(status), date, type, (unsigned long long)length,
                     keep ? "keep-alive" : "close", extra ? extra : "");
    count(&stats.status[status / 100], 1);
    if (status >= 400)
        count(&stats.errors, 1);
    return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

/* A whole small response, head and body in one write (one segment when
 * it fits, since the socket has TCP_NODELAY). */
static bool respond(int fd, int status, const char *type, const char *body, size_t len,
                    bool keep, bool head_only, const char *extra)
{
    char buf[2048];
    size_t h = head(buf, sizeof(buf), status, type, len, keep, extra);
    if (!head_only && h + len <= sizeof(buf)) {
        memcpy(buf + h, body, len);
        return send_all(fd, buf, h + len);
    }
    return send_all(fd, buf, h) && (head_only || send_all(fd, body, len));
}

static bool error_page(int fd, int status, bool head_only)
{
    char body[128];
    int n = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
    return respond(fd, status, "text/plain", body, (size_t)n, false, head_only,
                   status == 405 ? "Allow: GET, HEAD\r\n" : NULL);
}

static bool stats_page(int fd, bool keep, bool head_only)
{
    char body[640];
    pthread_mutex_lock(&lock);
    unsigned active = stats.active, active_max = stats.active_max;
    pthread_mutex_unlock(&lock);
    int n = snprintf(body, sizeof(body),
                     "uptime_s %llu\nrequests %llu\nbytes_sent %llu\nconnections %llu\n"
                     "connections_active %u\nconnections_active_max %u\nerrors %llu\n"
                     "status_2xx %llu\nstatus_4xx %llu\nstatus_5xx %llu\n",
                     (unsigned long long)((proteus_clock_ns() - started_ns) / 1000000000u),
                     (unsigned long long)stats.requests, (unsigned long long)stats.bytes,
                     (unsigned long long)stats.connections, active, active_max,
                     (unsigned long long)stats.errors, (unsigned long long)stats.status[2],
                     (unsigned long long)stats.status[4], (unsigned long long)stats.status[5]);
    return respond(fd, 200, "text/plain", body, (size_t)n, keep, head_only, "Cache-Control: no-store\r\n");
}

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = { { ".html", "text/html" }, { ".htm", "text/html" }, { ".txt", "text/plain" },
                  { ".css", "text/css" },   { ".js", "text/javascript" },
                  { ".json", "application/json" }, { ".png", "image/png" },
                  { ".jpg", "image/jpeg" }, { ".svg", "image/svg+xml" } };
    const char *dot = strrchr(path, '.');
    for (unsigned i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

/* A file of the disk's file system: false when the connection failed. */
static bool file_page(int fd, const char *path, bool keep, bool head_only, char **chunk)
{
    int f = open(path, O_RDONLY);
    struct stat st;
    if (f < 0 || fstat(f, &st) || !S_ISREG(st.st_mode)) {
        if (f >= 0)
            close(f);
        char body[64];
        int n = snprintf(body, sizeof(body), "404 Not Found\n");
        return respond(fd, 404, "text/plain", body, (size_t)n, keep, head_only, NULL);
    }
    char h[512];
    size_t hl = head(h, sizeof(h), 200, content_type(path), (uint64_t)st.st_size, keep, NULL);
    bool ok = send_all(fd, h, hl);
    if (!*chunk && !head_only)
        *chunk = malloc(FILE_CHUNK);   /* once per connection that wants a file */
    for (off_t left = st.st_size; ok && !head_only && left > 0;) {
        ssize_t n = *chunk ? read(f, *chunk, left < FILE_CHUNK ? (size_t)left : FILE_CHUNK) : -1;
        if (n <= 0) {
            /* the length is promised: a short file cannot be finished */
            printf("httpd: reading %s failed (%s): connection closed\n", path,
                   n < 0 ? strerror(errno) : "end of file");
            ok = false;
            break;
        }
        ok = send_all(fd, *chunk, (size_t)n);
        left -= n;
    }
    close(f);
    return ok;
}

/* Serve one connection until it closes, errs or idles. */
static void serve(int fd)
{
    char *buf = malloc(HEAD_MAX);
    size_t have = 0;
    if (!buf)
        return;
    struct timeval idle = { IDLE_SECS, 0 };
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct http_request *req = malloc(sizeof(*req));
    char *chunk = NULL;
    for (bool keep = true; keep && req;) {
        long hl;
        while ((hl = http_parse_request(buf, have, HEAD_MAX, req)) == 0 && have < HEAD_MAX) {
            ssize_t n = read(fd, buf + have, HEAD_MAX - have);
            if (n <= 0)
                goto out;   /* closed, reset, or idle too long: nothing to answer */
            have += (size_t)n;
        }
        if (hl == 0)
            hl = -431;   /* the head filled the buffer */
        count(&stats.requests, 1);
        if (hl < 0) {
            error_page(fd, (int)-hl, false);
            break;
        }
        bool head_only = !strcmp(req->method, "HEAD");
        keep = req->keep_alive;
        /* the body: read and dropped, up to BODY_MAX (no resource here
         * takes one) */
        if (req->has_body_length && req->content_length > BODY_MAX) {
            error_page(fd, 413, head_only);
            break;
        }
        uint64_t body = req->has_body_length ? req->content_length : 0;
        size_t used = (size_t)hl;
        while (body) {
            if (used == have) {
                ssize_t n = read(fd, buf, HEAD_MAX);
                if (n <= 0)
                    goto out;
                used = 0;
                have = (size_t)n;
            }
            size_t take = have - used < body ? have - used : (size_t)body;
            used += take;
            body -= take;
        }
        memmove(buf, buf + used, have - used);   /* a pipelined next request */
        have -= used;

        char path[HTTP_TARGET_MAX + 1];
        int perr = http_target_path(req->target, path, sizeof(path));
        bool ok;
        if (strcmp(req->method, "GET") && !head_only) {
            ok = error_page(fd, 405, false);
            keep = false;
        } else if (perr) {
            ok = error_page(fd, -perr, head_only);
            keep = false;
        } else if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
            ok = respond(fd, 200, "text/html", httpd_page, (size_t)(httpd_page_end - httpd_page), keep,
                         head_only, NULL);
        } else if (!strcmp(path, "/stats")) {
            ok = stats_page(fd, keep, head_only);
        } else {
            ok = file_page(fd, path, keep, head_only, &chunk);
        }
        if (!ok)
            break;
    }
out:
    free(chunk);
    free(req);
    free(buf);
}

static void *client(void *arg)
{
    int fd = (int)(intptr_t)arg;
    serve(fd);
    close(fd);
    pthread_mutex_lock(&lock);
    stats.active--;
    pthread_cond_signal(&slot_free);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv)
{
    long port = 80;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strncmp(argv[i], "port=", 5) && (port = strtol(argv[i] + 5, &end, 10), !*end) &&
            port > 0 && port < 65536)
            continue;
        printf("httpd: unknown argument '%s' (usage: httpd [port=N])\n", argv[i]);
        return 2;
    }
    started_ns = proteus_clock_ns();
    int nif = proteus_net_start();
    if (nif < 0) {
        printf("httpd: the network stack did not start: %s\n", strerror(-nif));
        return 1;
    }
    char where[INET_ADDRSTRLEN] = "127.0.0.1";
    uint32_t ip, mask, gw;
    if (nif == 0) {
        printf("httpd: no network interface: serving the loopback address only\n");
    } else {
        int err = proteus_net_address(0, 30000, &ip, &mask, &gw);
        if (err) {
            printf("httpd: no address after 30 s (%s): serving anyway\n", strerror(-err));
        } else {
            struct in_addr a = { ip };
            inet_ntop(AF_INET, &a, where, sizeof(where));
        }
    }

    int l = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, MAX_CLIENTS)) {
        printf("httpd: cannot listen on port %ld: %s\n", port, strerror(errno));
        return 1;
    }
    printf("httpd: serving http://%s:%ld/\n", where, port);
    fflush(stdout);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 32 * 1024);
    for (;;) {
        pthread_mutex_lock(&lock);
        while (stats.active >= MAX_CLIENTS)
            pthread_cond_wait(&slot_free, &lock);
        pthread_mutex_unlock(&lock);
        int c = accept(l, NULL, NULL);
        if (c < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                printf("httpd: accept: %s: waiting 100 ms\n", strerror(errno));
                usleep(100000);
                continue;
            }
            if (errno == ECONNABORTED || errno == EINTR)
                continue;
            printf("httpd: accept failed: %s\n", strerror(errno));
            return 1;
        }
        count(&stats.connections, 1);
        pthread_mutex_lock(&lock);
        if (++stats.active > stats.active_max)
            stats.active_max = stats.active;
        pthread_mutex_unlock(&lock);
        pthread_t t;
        if (pthread_create(&t, &attr, client, (void *)(intptr_t)c)) {
            printf("httpd: no thread for a connection: closed\n");
            close(c);
            pthread_mutex_lock(&lock);
            stats.active--;
            pthread_mutex_unlock(&lock);
        }
    }
}
