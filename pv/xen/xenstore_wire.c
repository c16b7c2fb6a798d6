/*
 * The xenstore wire protocol (Xen's docs/misc/xenstore.txt, public
 * io/xs_wire.h): one shared page with a 1 KiB request ring and a 1 KiB
 * response ring, each with free-running 32-bit indices; every message a
 * struct xsd_sockmsg header and up to XENSTORE_PAYLOAD_MAX bytes.
 *
 * The server is another domain, so nothing it writes is believed before
 * it is checked: an index is read once per call into a local and checked
 * against the ring's size and against what was seen before, a header's
 * length against the payload limit, a reply's type against the request's
 * and its body against what that type must hold. Everything here is pure:
 * tests/unit/test_xenstore_wire.c runs it against simulated servers and
 * tests/fuzz/fuzz_xenstore.c against hostile ones.
 */
#include "xenstore_wire.h"
#include "byte_ring.h"
#include <proteus/string.h>

long xs_ring_put(volatile struct xenstore_domain_interface *r, const void *buf, size_t len)
{
    return byte_ring_put(r->req, XENSTORE_RING_SIZE, &r->req_prod, &r->req_cons, buf, len);
}

void xs_rx_init(struct xs_rx *rx, const volatile struct xenstore_domain_interface *r)
{
    rx->seen_prod = r->rsp_cons;   /* nothing seen beyond what was consumed */
    rx->got = 0;
}

int xs_rx_take(struct xs_rx *rx, volatile struct xenstore_domain_interface *r)
{
    XENSTORE_RING_IDX cons = r->rsp_cons, prod = r->rsp_prod;
    ring_barrier();
    /* The producer may only move forward, and at most a ring ahead; both
     * measured from the consumer, which only this side moves. */
    if (prod - cons > XENSTORE_RING_SIZE || prod - cons < rx->seen_prod - cons) {
        r->rsp_cons = prod;
        rx->seen_prod = prod;
        rx->got = 0;
        return -EIO;
    }
    rx->seen_prod = prod;
    int result = XS_RX_MORE;
    while (cons != prod) {
        char c = r->rsp[MASK_XENSTORE_IDX(cons++)];
        if (rx->got < sizeof(rx->hdr)) {
            ((char *)&rx->hdr)[rx->got++] = c;
            if (rx->got == sizeof(rx->hdr) && rx->hdr.len > XENSTORE_PAYLOAD_MAX) {
                r->rsp_cons = prod;
                rx->got = 0;
                return -EPROTO;
            }
        } else {
            rx->body[rx->got++ - sizeof(rx->hdr)] = c;
        }
        if (rx->got == sizeof(rx->hdr) + rx->hdr.len && rx->got >= sizeof(rx->hdr)) {
            rx->body[rx->hdr.len] = '\0';
            rx->got = 0;
            result = XS_RX_MESSAGE;
            break;
        }
    }
    ring_barrier();   /* the bytes are read before the space is given back */
    r->rsp_cons = cons;
    return result;
}

long xs_frame(void *out, u32 type, u32 req_id, u32 tx_id, const char *const parts[], unsigned n)
{
    char *body = (char *)out + sizeof(struct xsd_sockmsg);
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t l = strlen(parts[i]) + !(type == XS_WRITE && i == n - 1);
        if (l > XENSTORE_PAYLOAD_MAX - len)
            return -E2BIG;
        memcpy(body + len, parts[i], l);   /* strlen + 1 copies the NUL */
        len += l;
    }
    struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx_id, .len = (u32)len };
    memcpy(out, &h, sizeof(h));
    return (long)(sizeof(h) + len);
}

int xs_parse_u32(const char *body, u32 len, u32 *v)
{
    if (len < 2 || len > 11 || body[len - 1] != '\0')
        return -EPROTO;
    u64 x = 0;
    for (u32 i = 0; i + 1 < len; i++) {
        if (body[i] < '0' || body[i] > '9')
            return -EPROTO;
        x = x * 10 + (u64)(body[i] - '0');
    }
    if (x > 0xffffffffu)
        return -EPROTO;
    *v = (u32)x;
    return 0;
}

static int error_errno(const char *body, u32 len)
{
    /* "EINVAL\0"; the NUL may be missing, the name must not be longer */
    u32 l = len && body[len - 1] == '\0' ? len - 1 : len;
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
        if (strlen(xsd_errors[i].errstring) == l && !memcmp(body, xsd_errors[i].errstring, l))
            return -xsd_errors[i].errnum;
    }
    return -EIO;
}

int xs_reply_check(u32 sent, const struct xsd_sockmsg *h, const char *body)
{
    if (h->type == XS_ERROR)
        return error_errno(body, h->len);
    if (h->type != sent)
        return -EPROTO;
    u32 v;
    switch (sent) {
    case XS_READ:
        return 0;   /* a value is any bytes; its length is the header's */
    case XS_DIRECTORY:
        return h->len == 0 || body[h->len - 1] == '\0' ? 0 : -EPROTO;
    case XS_TRANSACTION_START:
        return xs_parse_u32(body, h->len, &v) || v == 0 ? -EPROTO : 0;
    case XS_GET_DOMAIN_PATH:
        return h->len >= 2 && body[h->len - 1] == '\0' && strlen(body) == h->len - 1 ? 0 : -EPROTO;
    default:
        /* XS_WRITE, XS_RM, XS_MKDIR, XS_WATCH, XS_UNWATCH, XS_TRANSACTION_END:
         * an acknowledgement, "OK" with its NUL */
        return h->len == 3 && !memcmp(body, "OK", 3) ? 0 : -EPROTO;
    }
}

int xs_watch_event_parse(const char *body, u32 len, const char **path, const char **token)
{
    if (len < 2 || body[len - 1] != '\0')
        return -EPROTO;
    size_t p = strlen(body);
    if (p + 1 >= len || strlen(body + p + 1) != len - p - 2)
        return -EPROTO;   /* no token, or more than one NUL after it */
    *path = body;
    *token = body + p + 1;
    return 0;
}

const char *xs_type_name(u32 type, char scratch[16])
{
    static const char *const names[] = {
        [XS_CONTROL] = "XS_CONTROL", [XS_DIRECTORY] = "XS_DIRECTORY", [XS_READ] = "XS_READ",
        [XS_GET_PERMS] = "XS_GET_PERMS", [XS_WATCH] = "XS_WATCH", [XS_UNWATCH] = "XS_UNWATCH",
        [XS_TRANSACTION_START] = "XS_TRANSACTION_START",
        [XS_TRANSACTION_END] = "XS_TRANSACTION_END", [XS_INTRODUCE] = "XS_INTRODUCE",
        [XS_RELEASE] = "XS_RELEASE", [XS_GET_DOMAIN_PATH] = "XS_GET_DOMAIN_PATH",
        [XS_WRITE] = "XS_WRITE", [XS_MKDIR] = "XS_MKDIR", [XS_RM] = "XS_RM",
        [XS_SET_PERMS] = "XS_SET_PERMS", [XS_WATCH_EVENT] = "XS_WATCH_EVENT",
        [XS_ERROR] = "XS_ERROR",
    };
    if (type < sizeof(names) / sizeof(names[0]) && names[type])
        return names[type];
    char *p = scratch + 15;
    *p = '\0';
    do {
        *--p = (char)('0' + type % 10);
        type /= 10;
    } while (type && p > scratch + 5);
    memcpy(p - 5, "type ", 5);
    return p - 5;
}
