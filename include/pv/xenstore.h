/*
 * The xenstore client of a Xen PV domU (pv/xen/xenstore.c): the
 * hierarchical key-value store every Xen domain shares with the
 * toolstack, reached through a ring page and an event channel that
 * start_info names. Kernel code and apps (selftest) use it through these
 * calls; an app that only wants its own keys has proteus_xenstore_read
 * (<proteus/api.h>).
 *
 * Paths without a leading '/' are relative to the domain's own directory,
 * /local/domain/<domid>/, as xenstored resolves them (Xen's
 * docs/misc/xenstore.txt). Every call returns 0 (or a count) or a
 * negative errno: the one xenstored named (-ENOENT, -EACCES, -EAGAIN...),
 * -ENODEV where there is no xenstore (dom0, other platforms), -EIO when
 * the connection failed or xenstored broke the protocol, -ETIMEDOUT when
 * it did not answer within XENSTORE_TIMEOUT_MS. Calls may block: threads
 * only, never an interrupt handler.
 */
#ifndef INCLUDE_PV_XENSTORE_H
#define INCLUDE_PV_XENSTORE_H

#include <proteus/list.h>
#include <proteus/types.h>

#define XENSTORE_TIMEOUT_MS 10000
#define XS_NO_TRANSACTION 0u

/* Whether the client is connected (a domU after boot). */
bool xenstore_available(void);

/* The value at `path` into buf (NUL added): its length, or -ERANGE when
 * len cannot hold it and its NUL (nothing copied). */
int xenstore_read(u32 tx, const char *path, char *buf, size_t len);
int xenstore_write(u32 tx, const char *path, const char *value);
int xenstore_mkdir(u32 tx, const char *path);
int xenstore_rm(u32 tx, const char *path);
/* The names under `path`, each with its NUL, into buf: their count, or
 * -ERANGE when len cannot hold them. */
int xenstore_directory(u32 tx, const char *path, char *buf, size_t len);

/* A transaction: start gives its id; end commits (or with abort, drops)
 * it, -EAGAIN when another change to what it touched came first.
 * xenstore_transact runs fn(tx, ctx) in a transaction and commits,
 * starting again on -EAGAIN (from fn or the commit) up to
 * XENSTORE_TRANSACTION_TRIES times; fn's other errors abort it. */
int xenstore_transaction_start(u32 *tx);
int xenstore_transaction_end(u32 tx, bool abort);
#define XENSTORE_TRANSACTION_TRIES 16
int xenstore_transact(int (*fn)(u32 tx, void *ctx), void *ctx);

/* A watch: fn runs (in the xenwatch thread, which may call xenstore
 * itself) with the path that changed, which is `path` or below it, once
 * when the watch is set (xenstored fires it at once) and after each
 * change. The struct stays the caller's until xenstore_unwatch returns;
 * after that fn runs no more. */
struct xenstore_watch {
    const char *path;
    void (*fn)(struct xenstore_watch *w, const char *changed);
    void *ctx;
    /* the client's */
    struct list link;
    u32 id;
    char token[16];
};
int xenstore_watch(struct xenstore_watch *w);
int xenstore_unwatch(struct xenstore_watch *w);

/* What the client has seen go wrong (selftest, monitor). */
struct xenstore_stats {
    u64 requests, watch_events;
    u64 ring_errors;         /* indices out of range: ring reset */
    u64 protocol_errors;     /* oversized header, malformed reply */
    u64 unknown_replies;     /* a reply to no outstanding request */
    u64 unknown_watches;     /* an event for a token never watched */
    u64 timeouts;
};
void xenstore_get_stats(struct xenstore_stats *s);

/* For selftest, which plays a hostile xenstored: point the client at
 * another ring page and event channel (once no request is in flight), and
 * back. Between the two the real xenstore is out of reach, so nothing in
 * between may need it (or report through it). */
struct xenstore_saved {
    volatile void *page;
    u32 port;
};
int xenstore_test_attach(void *page, u32 port, struct xenstore_saved *was);
void xenstore_test_restore(const struct xenstore_saved *was);

#endif
