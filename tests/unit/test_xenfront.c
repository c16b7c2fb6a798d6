/*
 * What Xen's split-driver frontends believe of their backends
 * (drivers/xen/front_check.c, pv/xen/xenbus_parse.c, include/pv/xen_ring.h):
 * the `mac` and `state` keys parsed strictly, netif and blkif responses
 * whose ids, statuses, offsets and lengths break xen/io/netif.h and
 * xen/io/blkif.h refused, and a ring driven with Xen's own ring.h macros
 * against a simulated backend, its indices wrapping past 2^32, whose
 * response producer running ahead of the requests is caught.
 */
/* unit-sources: drivers/xen/front_check.c pv/xen/xenbus_parse.c kernel/cmdline.c */
#include "unit.h"

#include <drivers/xenfront.h>
#include <proteus/errno.h>
#include <pv/xen_ring.h>
#include <pv/xenbus.h>

TEST(xenfront_mac_parsed)
{
    u8 m[6] = { 0 };
    CHECK_EQ(xenfront_parse_mac("00:16:3e:7c:43:82", m), 0);
    CHECK_MEMEQ(m, "\x00\x16\x3e\x7c\x43\x82", 6);
    CHECK_EQ(xenfront_parse_mac("0A:bC:de:F0:12:34", m), 0);
    CHECK_MEMEQ(m, "\x0a\xbc\xde\xf0\x12\x34", 6);
}

TEST(xenfront_mac_malformed_refused_and_kept)
{
    static const char *const bad[] = {
        "",                       "00:16:3e:7c:43",          "00:16:3e:7c:43:82:",
        "00:16:3e:7c:43:8",       "00-16-3e-7c-43-82",       "0:16:3e:7c:43:82",
        "00:16:3e:7c:43:8g",      "00:16:3e:7c:43:82 ",      " 00:16:3e:7c:43:82",
        "01:16:3e:7c:43:82",      /* multicast */             "ff:ff:ff:ff:ff:ff",
        "00:00:00:00:00:00",      "00:16:3e:7c:4382",
    };
    u8 m[6] = { 1, 2, 3, 4, 5, 6 };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ(xenfront_parse_mac(bad[i], m), -EINVAL);
        CHECK_MEMEQ(m, "\x01\x02\x03\x04\x05\x06", 6);   /* untouched */
    }
    CHECK_EQ(xenfront_parse_mac(NULL, m), -EINVAL);
}

TEST(xenbus_state_parsed_strictly)
{
    int s = -7;
    CHECK_EQ(xenbus_parse_state("4", &s), 0);
    CHECK_EQ(s, XenbusStateConnected);
    CHECK_EQ(xenbus_parse_state("0", &s), 0);
    CHECK_EQ(xenbus_parse_state("8", &s), 0);
    CHECK_EQ(s, XenbusStateReconfigured);
    s = -7;
    CHECK_EQ(xenbus_parse_state("9", &s), -EINVAL);
    CHECK_EQ(xenbus_parse_state("-1", &s), -EINVAL);
    CHECK_EQ(xenbus_parse_state("4 ", &s), -EINVAL);
    CHECK_EQ(xenbus_parse_state("", &s), -EINVAL);
    CHECK_EQ(xenbus_parse_state("Connected", &s), -EINVAL);
    CHECK_EQ(xenbus_parse_state("99999999999999999999999", &s), -EINVAL);
    CHECK_EQ(xenbus_parse_state(NULL, &s), -EINVAL);
    CHECK_EQ(s, -7);
    CHECK_STREQ(xenbus_state_name(XenbusStateInitWait), "InitWait");
    CHECK_STREQ(xenbus_state_name(-1), "unreadable");
    CHECK_STREQ(xenbus_state_name(9), "unreadable");
}

TEST(netif_rx_response_checked)
{
    u8 posted[4] = { 1, 1, 0, 1 };
    struct netif_rx_response r = { .id = 1, .offset = 0, .flags = 0, .status = 1514 };
    CHECK(xenfront_netif_rx_check(&r, 4, posted) == NULL);
    r.offset = 4096 - 1514;
    CHECK(xenfront_netif_rx_check(&r, 4, posted) == NULL);       /* ends at the page's end */
    r.offset = 4096 - 1513;
    CHECK_STREQ(xenfront_netif_rx_check(&r, 4, posted), "offset and length beyond the page");
    r.offset = 4096, r.status = 0;
    CHECK_STREQ(xenfront_netif_rx_check(&r, 4, posted), "offset and length beyond the page");
    r.offset = 0, r.status = NETIF_RSP_ERROR;
    CHECK(xenfront_netif_rx_check(&r, 4, posted) == NULL);       /* counted by the caller */
    r.status = NETIF_RSP_DROPPED;
    CHECK(xenfront_netif_rx_check(&r, 4, posted) == NULL);
    r.status = -3;
    CHECK_STREQ(xenfront_netif_rx_check(&r, 4, posted), "a status that is no NETIF_RSP_*");
    r.status = 60, r.id = 2;
    CHECK_STREQ(xenfront_netif_rx_check(&r, 4, posted), "an id not outstanding");
    r.id = 4;
    CHECK_STREQ(xenfront_netif_rx_check(&r, 4, posted), "an id out of range");
    r.id = 0xffff;
    CHECK_STREQ(xenfront_netif_rx_check(&r, 4, posted), "an id out of range");
}

TEST(netif_tx_response_checked)
{
    u8 posted[2] = { 1, 0 };
    struct netif_tx_response r = { .id = 0, .status = NETIF_RSP_OKAY };
    CHECK(xenfront_netif_tx_check(&r, 2, posted) == NULL);
    r.status = NETIF_RSP_DROPPED;
    CHECK(xenfront_netif_tx_check(&r, 2, posted) == NULL);
    r.status = NETIF_RSP_NULL;   /* answers an extra slot, which is never sent */
    CHECK_STREQ(xenfront_netif_tx_check(&r, 2, posted),
                "a status that is no NETIF_RSP_* of a request");
    r.status = 0, r.id = 1;
    CHECK_STREQ(xenfront_netif_tx_check(&r, 2, posted), "an id not outstanding");
    r.id = 2;
    CHECK_STREQ(xenfront_netif_tx_check(&r, 2, posted), "an id out of range");
}

TEST(blkif_response_checked)
{
    struct blkif_response r = { .id = 42, .operation = BLKIF_OP_WRITE, .status = BLKIF_RSP_OKAY };
    CHECK(xenfront_blkif_check(&r, 42, BLKIF_OP_WRITE) == NULL);
    r.status = BLKIF_RSP_ERROR;
    CHECK(xenfront_blkif_check(&r, 42, BLKIF_OP_WRITE) == NULL);
    r.status = BLKIF_RSP_EOPNOTSUPP;
    CHECK(xenfront_blkif_check(&r, 42, BLKIF_OP_WRITE) == NULL);
    r.status = 1;
    CHECK_STREQ(xenfront_blkif_check(&r, 42, BLKIF_OP_WRITE), "a status that is no BLKIF_RSP_*");
    r.status = 0;
    CHECK_STREQ(xenfront_blkif_check(&r, 41, BLKIF_OP_WRITE), "an id not in flight");
    CHECK_STREQ(xenfront_blkif_check(&r, 42, BLKIF_OP_READ),
                "another operation than the request's");
}

TEST(ring_responses_held_to_the_requests)
{
    RING_IDX n = 99;
    CHECK_EQ(xen_ring_responses(5, 5, 5, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(xen_ring_responses(7, 5, 9, &n), 0);
    CHECK_EQ(n, 2);
    CHECK_EQ(xen_ring_responses(10, 5, 9, &n), -1);          /* more than asked */
    CHECK_EQ(xen_ring_responses(4, 5, 9, &n), -1);           /* behind the consumer */
    CHECK_EQ(xen_ring_responses(2, 0xfffffffeu, 3, &n), 0);   /* across 2^32 */
    CHECK_EQ(n, 4);
    CHECK_EQ(xen_ring_responses(4, 0xfffffffeu, 3, &n), -1);
}

/* netif's tx ring, Xen's macros on both sides: the frontend as netfront
 * drives it, a backend that answers each request in turn. */
static union {
    netif_tx_sring_t s;
    u8 page[4096];
} tx_page;

TEST(ring_h_round_trip_across_index_wrap)
{
    netif_tx_front_ring_t front;
    netif_tx_back_ring_t back;
    SHARED_RING_INIT(&tx_page.s);
    FRONT_RING_INIT(&front, &tx_page.s, sizeof(tx_page));
    CHECK_EQ(RING_SIZE(&front), 256);
    /* start just below 2^32, as a long-lived ring would be */
    RING_IDX start = 0xffffff80u;
    tx_page.s.req_prod = tx_page.s.rsp_prod = start;
    tx_page.s.req_event = tx_page.s.rsp_event = start + 1;
    front.req_prod_pvt = front.rsp_cons = start;
    BACK_RING_ATTACH(&back, &tx_page.s, start, sizeof(tx_page));
    u8 posted[256] = { 0 };
    unsigned answered = 0;
    for (unsigned round = 0; round < 4; round++) {
        for (u16 i = 0; i < 200; i++) {
            netif_tx_request_t *req = RING_GET_REQUEST(&front, front.req_prod_pvt);
            req->id = i;
            req->size = 60;
            front.req_prod_pvt++;
            posted[i] = 1;
        }
        int notify;
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&front, notify);
        CHECK(notify || round);   /* the backend asked for the first */
        while (RING_HAS_UNCONSUMED_REQUESTS(&back)) {
            netif_tx_request_t q;
            RING_COPY_REQUEST(&back, back.req_cons, &q);
            back.req_cons++;
            netif_tx_response_t *rsp = RING_GET_RESPONSE(&back, back.rsp_prod_pvt);
            rsp->id = q.id;
            rsp->status = NETIF_RSP_OKAY;
            back.rsp_prod_pvt++;
        }
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&back, notify);
        RING_IDX n;
        CHECK_EQ(xen_ring_responses(tx_page.s.rsp_prod, front.rsp_cons, front.req_prod_pvt, &n), 0);
        CHECK_EQ(n, 200);
        for (; n; n--) {
            netif_tx_response_t r;
            RING_COPY_RESPONSE(&front, front.rsp_cons, &r);
            front.rsp_cons++;
            CHECK(xenfront_netif_tx_check(&r, 256, posted) == NULL);
            posted[r.id] = 0;
            answered++;
        }
    }
    CHECK_EQ(answered, 800);
    CHECK(front.rsp_cons - start == 800);   /* wrapped past 2^32 on the way */
    /* a backend that then claims one response more than was asked */
    tx_page.s.rsp_prod++;
    RING_IDX n;
    CHECK_EQ(xen_ring_responses(tx_page.s.rsp_prod, front.rsp_cons, front.req_prod_pvt, &n), -1);
}
