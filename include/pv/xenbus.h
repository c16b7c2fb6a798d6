/*
 * xenbus, the bus of a Xen PV domU's split-driver frontends
 * (pv/xen/xenbus.c): the toolstack lists each device it gave the domain
 * under device/<type>/<id> in xenstore, with the path of its backend (in
 * dom0) and the backend's domain. Both ends then walk the state machine
 * of Xen's xen/io/xenbus.h through their `state` keys:
 *
 *   backend   Initialising -> InitWait (its features written, hotplug done)
 *   frontend  Initialising -> rings, grants, event channel; their keys
 *             written with the new state in one transaction ->
 *             Initialised (blkif) or Connected (netif)
 *   backend   -> Connected (blkif: sectors, info written)
 *   frontend  -> Connected (blkif, having read them)
 *   and at the end, both: Closing -> Closed.
 *
 * The bus finds the devices, waits for the backend with a deadline, runs
 * the transaction (retried on EAGAIN) and lists every device; a driver
 * (drivers/xen/) says what its rings are and what it does once connected.
 */
#ifndef INCLUDE_PV_XENBUS_H
#define INCLUDE_PV_XENBUS_H

#include <proteus/sync.h>
#include <pv/xen_grant.h>
#include <pv/xenstore.h>
#include <xen/event_channel.h>
#include <xen/io/xenbus.h>

#define XENBUS_BACKEND_MS 30000   /* hotplug in dom0, then InitWait */
#define XENBUS_CONNECT_MS 15000   /* our keys written, then Connected */
#define XENBUS_CLOSE_MS 2000      /* at shutdown, each step */

struct xenbus_dev;
struct device;

/* A frontend. The device type it drives (its directory under device/,
 * "vif") is its line in drivers/xen/table.c, which names it even in an
 * image that does not carry the driver. */
struct xenbus_driver {
    const char *name;   /* the device list's driver: "netfront" */
    /* The state the frontend writes with its keys: XenbusStateConnected
     * (xen/io/netif.h) or XenbusStateInitialised (xen/io/blkif.h). */
    enum xenbus_state announce;
    /* The backend is in InitWait (or later): read its features, set up
     * the rings, grants and event channel. 0, or an errno with *state
     * saying why ("failed: ..."). */
    int (*setup)(struct xenbus_dev *d, const char **state);
    /* The frontend's keys, inside transaction tx (which may run again on
     * EAGAIN: only writes). */
    int (*write_keys)(struct xenbus_dev *d, u32 tx);
    /* The backend is Connected: read what it says now, start, register
     * the device with its class; *state for the device list ("up as
     * net0"). */
    int (*connected)(struct xenbus_dev *d, const char **state);
    /* No more I/O: the device is being closed or failed. */
    void (*stop)(struct xenbus_dev *d);
    /* The device never came up (setup failed part way, or the backend
     * did not connect): give back what setup took, pages, grants and
     * event channel. Never for a device `connected` registered. */
    void (*release)(struct xenbus_dev *d);
};

struct xenbus_dev {
    char name[24];            /* "vif/0", the device list's address */
    char node[40];            /* "device/vif/0", relative to the domain's home */
    char backend[96];         /* the backend's directory, absolute */
    domid_t backend_id;
    const struct xenbus_driver *drv;
    struct device *dev;
    void *priv;               /* the driver's */
    /* the bus's */
    struct xenstore_watch watch;
    char watch_path[112];
    spinlock_t lock;
    struct waitq wq;
    int backend_state;        /* as last read; -1: unreadable */
    bool connected;
    bool under_test;          /* xenbus_attach_at's: driven, not registered */
    unsigned test_ms;         /* its deadline for each request too (blkfront) */
    char state_text[64];
};

/* Run at step 11 of the boot (the personality's start_services): every
 * device under device/ listed, each one a driver knows connected. */
void xenbus_scan(void);
/* At the end of the domain (power.exit, from a thread): every connected
 * device stopped and closed (Closing, Closed) with bounded waits. */
void xenbus_shutdown(void);
/* Devices connected now (a save refuses while there are any). */
unsigned xenbus_connected_count(void);
/* For tests (selftest plays the backend): the device of `type` whose
 * frontend directory is `node` (anywhere the domain may write, with
 * `backend` and `backend-id` keys), connected with these deadlines; not
 * put in the device list, and once connected driven but not registered
 * with its class (a test's device must not become net0). 0 and *dev, or
 * -ETIMEDOUT when the backend stayed short of InitWait or Connected, or
 * another errno; *verdict says it as the device list would. Its
 * driver's own deadlines (a block request's 30 s) are connect_ms. A
 * backend that goes to Closing ends it, and what it took is given back. */
int xenbus_attach_at(const char *type, const char *node, unsigned backend_ms, unsigned connect_ms,
                     const char **verdict, struct xenbus_dev **dev);

/* For drivers. A key under the frontend's directory (backend false) or
 * the backend's: its length, or a negative errno. */
int xenbus_read(struct xenbus_dev *d, bool backend, const char *key, char *buf, size_t len);
/* A decimal key within [min, max]: 0, -ENOENT when absent, -EINVAL when
 * not a number in range. */
int xenbus_read_uint(struct xenbus_dev *d, bool backend, const char *key, u64 min, u64 max,
                     u64 *out);
/* A boolean feature key of the backend's: absent means 0. */
bool xenbus_feature(struct xenbus_dev *d, const char *key);
int xenbus_write(struct xenbus_dev *d, u32 tx, const char *key, const char *value);
int xenbus_write_uint(struct xenbus_dev *d, u32 tx, const char *key, u64 value);
/* Grant the backend a page of ours (a direct-map address): writable
 * unless readonly. */
int xenbus_grant(struct xenbus_dev *d, const void *page, bool readonly, grant_ref_t *ref);
/* An event channel the backend binds, bound here to `vector`, whose
 * events run fn(ctx); and closing it again (a port of 0: none). */
int xenbus_event_channel(struct xenbus_dev *d, unsigned vector, void (*fn)(void *ctx), void *ctx,
                         evtchn_port_t *port);
void xenbus_event_channel_close(unsigned vector, evtchn_port_t port);
/* A page given back: its grant ended (once the backend has unmapped it,
 * if it still maps it) and then the page freed. A ref of XENBUS_NO_REF:
 * never granted, freed at once; a NULL page: nothing. */
#define XENBUS_NO_REF ((grant_ref_t)~0u)
void xenbus_give_back(grant_ref_t ref, void *page);

/* Pure (pv/xen/xenbus_parse.c, host-tested): a state key's value, 0 and
 * *state, or -EINVAL for anything but a decimal 0-8 (xen/io/xenbus.h's
 * states); a state's name ("unreadable" outside them). */
int xenbus_parse_state(const char *s, int *state);
const char *xenbus_state_name(int state);

#endif
