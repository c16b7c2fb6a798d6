/*
 * The xenstore wire protocol's pure part (pv/xen/xenstore_wire.c): the
 * shared ring, framing of requests, and the checks every message from
 * xenstored passes before the client (pv/xen/xenstore.c) believes it.
 * Protocol: Xen's docs/misc/xenstore.txt and public io/xs_wire.h.
 */
#ifndef PV_XEN_XENSTORE_WIRE_H
#define PV_XEN_XENSTORE_WIRE_H

#include <proteus/errno.h>   /* before xs_wire.h: its error table needs the names */
#include <pv/xen_public.h>
#include <xen/io/xs_wire.h>

/* Put up to `len` bytes in the request ring: the count (0 when full), or
 * -EIO when the server's consumer index is not within a ring's size
 * behind the producer. */
long xs_ring_put(volatile struct xenstore_domain_interface *r, const void *buf, size_t len);

/* Receiving: messages come through the 1 KiB response ring in pieces; a
 * struct xs_rx gathers one. */
struct xs_rx {
    XENSTORE_RING_IDX seen_prod;   /* the server's rsp_prod as last read */
    u32 got;                       /* bytes of this message so far, header first */
    struct xsd_sockmsg hdr;
    char body[XENSTORE_PAYLOAD_MAX + 1];   /* the payload, then a NUL of ours */
};

/* Start gathering from a ring whose consumer index is where it is. */
void xs_rx_init(struct xs_rx *rx, const volatile struct xenstore_domain_interface *r);

enum { XS_RX_MORE = 0, XS_RX_MESSAGE = 1 };
/* Take what the ring holds, up to the end of one message: XS_RX_MESSAGE
 * when rx holds a whole one (the next call starts the next), XS_RX_MORE
 * when the ring ran dry first; -EIO when rsp_prod is more than a ring's
 * size ahead of rsp_cons or went back since it was last read, -EPROTO for
 * a header whose length exceeds XENSTORE_PAYLOAD_MAX. After either error
 * the stream cannot be trusted to have message boundaries: the ring's
 * contents are dropped (rsp_cons = rsp_prod) and rx starts afresh. */
int xs_rx_take(struct xs_rx *rx, volatile struct xenstore_domain_interface *r);

/* Frame a request of `type` into `out` (room for its header and
 * XENSTORE_PAYLOAD_MAX): the header, then each of `n` strings with its
 * NUL, except that the last part of XS_WRITE (the value) goes without.
 * Returns the framed length, or -E2BIG when the payload would exceed
 * XENSTORE_PAYLOAD_MAX. */
long xs_frame(void *out, u32 type, u32 req_id, u32 tx_id, const char *const parts[], unsigned n);

/* What a reply to a request of type `sent` says: 0 for a well-formed
 * reply of the same type; the negative errno an XS_ERROR reply names
 * (-EIO for a name not in xs_wire.h's table); -EPROTO for a reply of
 * another type, or malformed for its type: an acknowledgement that is
 * not "OK", a directory whose last entry lacks its NUL, a transaction id
 * that is not a decimal number with its NUL, a path that lacks its NUL.
 * `body` holds h->len bytes and a NUL after them (struct xs_rx does). */
int xs_reply_check(u32 sent, const struct xsd_sockmsg *h, const char *body);

/* A watch event's path and token (XS_WATCH_EVENT: "path\0token\0"):
 * 0, or -EPROTO when either lacks its NUL or there is more after them. */
int xs_watch_event_parse(const char *body, u32 len, const char **path, const char **token);

/* A decimal number of up to 32 bits followed by its NUL, filling `len`
 * bytes exactly (a transaction id, a domain id): 0, or -EPROTO. */
int xs_parse_u32(const char *body, u32 len, u32 *v);

/* The name of a message type, for reports ("XS_READ"; "type 99"). */
const char *xs_type_name(u32 type, char scratch[16]);

#endif
