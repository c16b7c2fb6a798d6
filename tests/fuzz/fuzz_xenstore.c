/*
 * pv/xen/xenstore_wire.c, the xenstore protocol's checks, against a
 * hostile xenstored: the input is a script of server moves (bytes put in
 * the response ring, honest or not; index updates of any value) and
 * client calls (xs_rx_take, xs_ring_put), and every message xs_rx_take
 * completes goes through the checks the client makes of it
 * (xs_reply_check against each request type, xs_watch_event_parse).
 *
 * Input: operations until it ends, each an op byte and its fields:
 *   op % 6 =
 *          0 server puts bytes: a length byte and that many bytes
 *          1 server puts a header: type (u8), req_id (u8), len (u16)
 *          2 server sets rsp_prod: a signed 16-bit step from its value
 *          3 server sets req_cons: a signed 16-bit step from its value
 *          4 client takes (xs_rx_take)
 *          5 client puts: 16-bit length (mod 2048) of request bytes
 *
 * Invariants:
 *   - the ring and rx are only touched inside their bounds (ASan: both
 *     live in heap blocks of their exact size);
 *   - xs_rx_take moves rsp_cons forward by at most what rsp_prod allowed,
 *     or to rsp_prod itself on an error; it returns -EIO exactly when
 *     rsp_prod is out of range, and a completed message has len <=
 *     XENSTORE_PAYLOAD_MAX with a NUL after it;
 *   - xs_ring_put writes at most the room there is and returns -EIO
 *     exactly when req_cons is out of range;
 *   - the checks return 0, -EPROTO or a negative errno, and a path and
 *     token they accept lie inside the message, NUL-terminated;
 *   - every call ends.
 */
/* fuzz-sources: pv/xen/xenstore_wire.c */
#include "fuzz.h"

#include <proteus/errno.h>
#include "../../pv/xen/xenstore_wire.h"

static struct xenstore_domain_interface *ring;
static struct xs_rx *rx;

static void check_message(void)
{
    FUZZ_CHECK(rx->hdr.len <= XENSTORE_PAYLOAD_MAX, "a message of %u bytes was accepted",
               rx->hdr.len);
    FUZZ_CHECK(rx->body[rx->hdr.len] == '\0', "no NUL after the payload");
    static const u32 types[] = { XS_READ, XS_WRITE, XS_DIRECTORY, XS_TRANSACTION_START,
                                 XS_TRANSACTION_END, XS_WATCH, XS_RM, XS_GET_DOMAIN_PATH };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        int r = xs_reply_check(types[i], &rx->hdr, rx->body);
        FUZZ_CHECK(r <= 0 && r > -200, "xs_reply_check gave %d", r);
        if (r == 0 && types[i] == XS_TRANSACTION_START) {
            u32 v;
            FUZZ_CHECK(xs_parse_u32(rx->body, rx->hdr.len, &v) == 0 && v != 0,
                       "an accepted transaction id does not parse");
        }
    }
    const char *path, *token;
    if (xs_watch_event_parse(rx->body, rx->hdr.len, &path, &token) == 0) {
        FUZZ_CHECK(path == rx->body, "the path is not at the start");
        FUZZ_CHECK(token > path && token < rx->body + rx->hdr.len, "the token lies outside");
        FUZZ_CHECK(strlen(path) + 1 + strlen(token) + 1 == rx->hdr.len,
                   "path and token do not fill the message");
    }
}

static void do_take(void)
{
    XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod, seen = rx->seen_prod;
    bool bad = prod - cons > XENSTORE_RING_SIZE || prod - cons < seen - cons;
    int r = xs_rx_take(rx, ring);
    if (bad) {
        FUZZ_CHECK(r == -EIO, "rsp_prod %#x with cons %#x (seen %#x) gave %d, not -EIO", prod,
                   cons, seen, r);
        FUZZ_CHECK(ring->rsp_cons == prod, "the ring was not reset");
        return;
    }
    FUZZ_CHECK(r == XS_RX_MORE || r == XS_RX_MESSAGE || r == -EPROTO, "xs_rx_take gave %d", r);
    FUZZ_CHECK(ring->rsp_cons - cons <= prod - cons, "rsp_cons moved %u, past rsp_prod (%u ahead)",
               ring->rsp_cons - cons, prod - cons);
    if (r == -EPROTO) {
        FUZZ_CHECK(ring->rsp_cons == prod, "the ring was not reset after -EPROTO");
        FUZZ_CHECK(rx->hdr.len > XENSTORE_PAYLOAD_MAX, "-EPROTO for a header of %u bytes",
                   rx->hdr.len);
    }
    if (r == XS_RX_MESSAGE)
        check_message();
}

static void do_put(struct fuzz_in *in)
{
    size_t len = fuzz_u16(in) % 2048;
    char *buf = calloc(1, len ? len : 1);
    XENSTORE_RING_IDX cons = ring->req_cons, prod = ring->req_prod;
    long r = xs_ring_put(ring, buf, len);
    if (prod - cons > XENSTORE_RING_SIZE) {
        FUZZ_CHECK(r == -EIO && ring->req_prod == prod, "req_cons %#x, prod %#x: %ld", cons, prod, r);
    } else {
        size_t room = XENSTORE_RING_SIZE - (prod - cons);
        FUZZ_CHECK(r == (long)(len < room ? len : room), "put %ld of %zu with %zu room", r, len, room);
        FUZZ_CHECK(ring->req_prod == prod + (XENSTORE_RING_IDX)r, "req_prod not advanced by %ld", r);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ring) {
        ring = malloc(sizeof(*ring));
        rx = malloc(sizeof(*rx));
        if (!ring || !rx)
            abort();
    }
    struct fuzz_in in = fuzz_in(data, size);
    memset(ring, 0, sizeof(*ring));
    xs_rx_init(rx, ring);
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        switch (op % 6) {
        case 0: {
            size_t n = fuzz_u8(&in), got;
            const uint8_t *s = fuzz_bytes(&in, n, &got);
            for (size_t i = 0; i < got; i++)
                ring->rsp[MASK_XENSTORE_IDX(ring->rsp_prod++)] = (char)s[i];
            break;
        }
        case 1: {
            struct xsd_sockmsg h = { .type = fuzz_u8(&in), .req_id = fuzz_u8(&in) };
            h.len = fuzz_u16(&in);
            for (size_t i = 0; i < sizeof(h); i++)
                ring->rsp[MASK_XENSTORE_IDX(ring->rsp_prod++)] = ((char *)&h)[i];
            break;
        }
        case 2:
            ring->rsp_prod += (XENSTORE_RING_IDX)(int16_t)fuzz_u16(&in);
            break;
        case 3:
            ring->req_cons += (XENSTORE_RING_IDX)(int16_t)fuzz_u16(&in);
            break;
        case 4:
            do_take();
            break;
        case 5:
            do_put(&in);
            break;
        }
    }
    return 0;
}
