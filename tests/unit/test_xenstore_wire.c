/*
 * pv/xen/xenstore_wire.c against simulated xenstored servers: requests
 * framed as xs_wire.h lays them out, replies gathered across ring pieces
 * and index wrap-around, and a server that breaks the protocol (indices
 * beyond the ring or running backwards, an oversized header, malformed
 * replies, watch events without their terminators) refused, never
 * trusted.
 */
/* unit-sources: pv/xen/xenstore_wire.c */
#include "unit.h"

#include "../../pv/xen/xenstore_wire.h"

static struct xenstore_domain_interface ring;
static struct xs_rx rx;

static void reset(XENSTORE_RING_IDX start)
{
    memset(&ring, 0, sizeof(ring));
    ring.req_cons = ring.req_prod = ring.rsp_cons = ring.rsp_prod = start;
    xs_rx_init(&rx, &ring);
}

/* The server's side: put bytes in the response ring, as much as fits. */
static size_t server_put(const void *buf, size_t n)
{
    const char *s = buf;
    size_t put = 0;
    while (put < n && ring.rsp_prod - ring.rsp_cons < XENSTORE_RING_SIZE)
        ring.rsp[MASK_XENSTORE_IDX(ring.rsp_prod++)] = s[put++];
    return put;
}

static size_t server_reply(u32 type, u32 req_id, const void *body, u32 len)
{
    struct xsd_sockmsg h = { .type = type, .req_id = req_id, .len = len };
    size_t n = server_put(&h, sizeof(h));
    return n + server_put(body, len);
}

TEST(xs_frame_lays_out_a_request)
{
    char out[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    const char *parts[] = { "data/x", "value" };
    long n = xs_frame(out, XS_WRITE, 7, 3, parts, 2);
    CHECK_EQ(n, sizeof(struct xsd_sockmsg) + 7 + 5);   /* the value goes without its NUL */
    struct xsd_sockmsg h;
    memcpy(&h, out, sizeof(h));
    CHECK_EQ(h.type, XS_WRITE);
    CHECK_EQ(h.req_id, 7);
    CHECK_EQ(h.tx_id, 3);
    CHECK_EQ(h.len, 12);
    CHECK_MEMEQ(out + sizeof(h), "data/x\0value", 12);
    const char *watch[] = { "control/shutdown", "pw1" };
    n = xs_frame(out, XS_WATCH, 1, 0, watch, 2);
    CHECK_EQ(n, sizeof(h) + 17 + 4);   /* both strings with their NULs */
}

TEST(xs_frame_refuses_a_payload_over_the_limit)
{
    static char out[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    static char big[XENSTORE_PAYLOAD_MAX];
    memset(big, 'a', sizeof(big) - 1);   /* 4095 bytes and its NUL: exactly the limit */
    const char *one[] = { big };
    CHECK_EQ(xs_frame(out, XS_READ, 1, 0, one, 1), sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX);
    /* a path and its NUL, and a value without one: 2 + 4094 is the limit */
    const char *two[] = { "p", big + 1 };
    CHECK_EQ(xs_frame(out, XS_WRITE, 1, 0, two, 2), sizeof(struct xsd_sockmsg) + 2 + 4094);
    const char *three[] = { "pa", big + 1 };
    CHECK_EQ(xs_frame(out, XS_WRITE, 1, 0, three, 2), -E2BIG);
}

TEST(xs_ring_put_fills_and_waits)
{
    reset(0xfffffff0u);   /* the indices wrap past 2^32 on the way */
    static char big[3000];
    memset(big, 'r', sizeof(big));
    CHECK_EQ(xs_ring_put(&ring, big, sizeof(big)), XENSTORE_RING_SIZE);
    CHECK_EQ(xs_ring_put(&ring, big, 10), 0);
    ring.req_cons += 100;   /* the server took some */
    CHECK_EQ(xs_ring_put(&ring, big, 10), 10);
    CHECK_EQ(ring.req_prod - ring.req_cons, XENSTORE_RING_SIZE - 90);
}

TEST(xs_ring_put_refuses_a_consumer_out_of_range)
{
    reset(0);
    ring.req_cons = 5;   /* ahead of the producer: prod - cons is huge */
    CHECK_EQ(xs_ring_put(&ring, "x", 1), -EIO);
    CHECK_EQ(ring.req_prod, 0);
}

TEST(xs_rx_gathers_a_reply_in_pieces)
{
    reset(0xfffffc00u);
    struct xsd_sockmsg h = { .type = XS_READ, .req_id = 9, .len = 5 };
    CHECK_EQ(server_put(&h, 10), 10);   /* half a header */
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MORE);
    CHECK_EQ(server_put((char *)&h + 10, sizeof(h) - 10), sizeof(h) - 10);
    CHECK_EQ(server_put("he", 2), 2);
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MORE);
    CHECK_EQ(server_put("llo", 3), 3);
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MESSAGE);
    CHECK_EQ(rx.hdr.req_id, 9);
    CHECK_EQ(rx.hdr.len, 5);
    CHECK_STREQ(rx.body, "hello");   /* the NUL after the payload is ours */
    CHECK_EQ(ring.rsp_cons, ring.rsp_prod);
}

TEST(xs_rx_takes_one_message_at_a_time)
{
    reset(0);
    server_reply(XS_WRITE, 1, "OK", 3);
    server_reply(XS_WATCH_EVENT, 0, "a\0pw1", 6);
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MESSAGE);
    CHECK_EQ(rx.hdr.type, XS_WRITE);
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MESSAGE);
    CHECK_EQ(rx.hdr.type, XS_WATCH_EVENT);
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MORE);
}

TEST(xs_rx_takes_an_empty_payload)
{
    reset(0);
    server_reply(XS_DIRECTORY, 4, "", 0);
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MESSAGE);
    CHECK_EQ(rx.hdr.len, 0);
    CHECK_STREQ(rx.body, "");
}

TEST(xs_rx_refuses_a_producer_beyond_the_ring)
{
    reset(100);
    ring.rsp_prod = 100 + XENSTORE_RING_SIZE + 1;
    CHECK_EQ(xs_rx_take(&rx, &ring), -EIO);
    CHECK_EQ(ring.rsp_cons, ring.rsp_prod);   /* the ring is reset */
    server_reply(XS_WRITE, 2, "OK", 3);       /* and works again */
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MESSAGE);
    CHECK_EQ(rx.hdr.req_id, 2);
}

TEST(xs_rx_refuses_a_producer_behind_the_consumer)
{
    reset(0);
    server_reply(XS_WRITE, 1, "OK", 3);
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MESSAGE);
    ring.rsp_prod = ring.rsp_cons - 1;   /* behind what was consumed: prod - cons is huge */
    CHECK_EQ(xs_rx_take(&rx, &ring), -EIO);
    CHECK_EQ(ring.rsp_cons, ring.rsp_prod);
}

TEST(xs_rx_refuses_a_producer_going_back_over_unread_bytes)
{
    reset(0);
    /* a whole reply and 8 bytes of the next: the client stops after the
     * first, leaving the 8 unread, then the server takes back 4 of them */
    server_reply(XS_WRITE, 1, "OK", 3);
    struct xsd_sockmsg h = { .type = XS_READ, .req_id = 2, .len = 40 };
    server_put(&h, 8);
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MESSAGE);
    XENSTORE_RING_IDX cons = ring.rsp_cons;
    CHECK_EQ(ring.rsp_prod - cons, 8);
    ring.rsp_prod = cons + 4;
    CHECK_EQ(xs_rx_take(&rx, &ring), -EIO);
    CHECK_EQ(ring.rsp_cons, cons + 4);
}

TEST(xs_rx_refuses_an_oversized_header)
{
    reset(0);
    struct xsd_sockmsg h = { .type = XS_READ, .req_id = 1, .len = XENSTORE_PAYLOAD_MAX + 1 };
    server_put(&h, sizeof(h));
    server_put("x", 1);
    CHECK_EQ(xs_rx_take(&rx, &ring), -EPROTO);
    CHECK_EQ(ring.rsp_cons, ring.rsp_prod);
    h.len = XENSTORE_PAYLOAD_MAX;   /* the limit itself is allowed */
    server_put(&h, sizeof(h));
    CHECK_EQ(xs_rx_take(&rx, &ring), XS_RX_MORE);
}

static int check_reply(u32 sent, u32 type, const char *body, u32 len)
{
    static char copy[XENSTORE_PAYLOAD_MAX + 1];
    struct xsd_sockmsg h = { .type = type, .len = len };
    memcpy(copy, body, len);
    copy[len] = '\0';
    return xs_reply_check(sent, &h, copy);
}

TEST(xs_reply_check_names_xenstoreds_errors)
{
    CHECK_EQ(check_reply(XS_READ, XS_ERROR, "ENOENT", 7), -ENOENT);
    CHECK_EQ(check_reply(XS_WRITE, XS_ERROR, "EACCES", 7), -EACCES);
    CHECK_EQ(check_reply(XS_TRANSACTION_END, XS_ERROR, "EAGAIN", 6), -EAGAIN);   /* no NUL */
    CHECK_EQ(check_reply(XS_READ, XS_ERROR, "EWHATEVER", 10), -EIO);
    CHECK_EQ(check_reply(XS_READ, XS_ERROR, "ENOENTX", 8), -EIO);
}

TEST(xs_reply_check_accepts_well_formed_replies)
{
    CHECK_EQ(check_reply(XS_READ, XS_READ, "value", 5), 0);
    CHECK_EQ(check_reply(XS_READ, XS_READ, "", 0), 0);
    CHECK_EQ(check_reply(XS_WRITE, XS_WRITE, "OK", 3), 0);
    CHECK_EQ(check_reply(XS_DIRECTORY, XS_DIRECTORY, "a\0bc", 5), 0);
    CHECK_EQ(check_reply(XS_DIRECTORY, XS_DIRECTORY, "", 0), 0);
    CHECK_EQ(check_reply(XS_TRANSACTION_START, XS_TRANSACTION_START, "17", 3), 0);
    CHECK_EQ(check_reply(XS_GET_DOMAIN_PATH, XS_GET_DOMAIN_PATH, "/local/domain/3", 16), 0);
}

TEST(xs_reply_check_refuses_malformed_replies)
{
    CHECK_EQ(check_reply(XS_READ, XS_WRITE, "OK", 3), -EPROTO);          /* another type */
    CHECK_EQ(check_reply(XS_WRITE, XS_WRITE, "OK", 2), -EPROTO);         /* no NUL */
    CHECK_EQ(check_reply(XS_WRITE, XS_WRITE, "NO", 3), -EPROTO);
    CHECK_EQ(check_reply(XS_DIRECTORY, XS_DIRECTORY, "a\0bc", 4), -EPROTO);   /* last entry */
    CHECK_EQ(check_reply(XS_TRANSACTION_START, XS_TRANSACTION_START, "17", 2), -EPROTO);
    CHECK_EQ(check_reply(XS_TRANSACTION_START, XS_TRANSACTION_START, "1x", 3), -EPROTO);
    CHECK_EQ(check_reply(XS_TRANSACTION_START, XS_TRANSACTION_START, "0", 2), -EPROTO);
    CHECK_EQ(check_reply(XS_TRANSACTION_START, XS_TRANSACTION_START, "4294967296", 11), -EPROTO);
    CHECK_EQ(check_reply(XS_GET_DOMAIN_PATH, XS_GET_DOMAIN_PATH, "/a\0b", 5), -EPROTO);
}

TEST(xs_watch_event_parse_needs_both_terminators)
{
    const char *path, *token;
    CHECK_EQ(xs_watch_event_parse("control/shutdown\0pw1", 21, &path, &token), 0);
    CHECK_STREQ(path, "control/shutdown");
    CHECK_STREQ(token, "pw1");
    CHECK_EQ(xs_watch_event_parse("control/shutdown\0pw1", 20, &path, &token), -EPROTO);
    CHECK_EQ(xs_watch_event_parse("control/shutdown", 17, &path, &token), -EPROTO);   /* no token */
    CHECK_EQ(xs_watch_event_parse("a\0b\0c", 6, &path, &token), -EPROTO);   /* more after it */
    CHECK_EQ(xs_watch_event_parse("", 0, &path, &token), -EPROTO);
}

TEST(xs_type_name_says_unknown_types_by_number)
{
    char s[16];
    CHECK_STREQ(xs_type_name(XS_READ, s), "XS_READ");
    CHECK_STREQ(xs_type_name(99, s), "type 99");
    CHECK_STREQ(xs_type_name(4294967295u, s), "type 4294967295");
}
