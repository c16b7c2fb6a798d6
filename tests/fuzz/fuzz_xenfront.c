/*
 * What Xen's split-driver frontends read from their backends
 * (drivers/xen/front_check.c, pv/xen/xenbus_parse.c): the `mac` key, a
 * backend's `state` key, and netif rx/tx and blkif responses.
 *
 * Input: a selector byte, then by selector % 5:
 *   0  the mac key up to the first NUL
 *   1  the state key up to the first NUL
 *   2  netif rx: nbufs (a byte), a byte per buffer (posted when odd), then
 *      struct netif_rx_response records
 *   3  netif tx: the same, struct netif_tx_response records
 *   4  blkif: the id (8 bytes) and operation (1) in flight, then struct
 *      blkif_response records
 * Invariants: each call ends; an accepted mac is unicast, not zero, and
 * prints back as the input (lower case); a refused one leaves the output
 * alone; an accepted state is 0-8; an accepted rx response has an id
 * below nbufs whose buffer was posted, and either a NETIF_RSP_ error or
 * offset + length inside the page; an accepted tx response the same id
 * rule and a NETIF_RSP_ of a request; an accepted blkif response the id
 * and operation in flight and a BLKIF_RSP_. Nothing is read beyond the
 * input (ASan).
 */
/* fuzz-sources: drivers/xen/front_check.c pv/xen/xenbus_parse.c kernel/cmdline.c */
#include "fuzz.h"

#include <ctype.h>
#include <drivers/xenfront.h>
#include <proteus/errno.h>
#include <pv/xenbus.h>

static void mac(const uint8_t *data, size_t size)
{
    char *s = fuzz_strdup(data, size);
    u8 m[6] = { 7, 7, 7, 7, 7, 7 };
    int r = xenfront_parse_mac(s, m);
    if (r == 0) {
        char back[18];
        snprintf(back, sizeof(back), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                 m[5]);
        for (char *p = s; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        FUZZ_CHECK(!strcmp(back, s), "'%s' came back as '%s'", s, back);
        FUZZ_CHECK(!(m[0] & 1) && (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]), "accepted %s", back);
    } else {
        FUZZ_CHECK(r == -EINVAL, "returned %d", r);
        FUZZ_CHECK(m[0] == 7 && m[5] == 7, "a refusal changed the output");
    }
    free(s);
}

static void state(const uint8_t *data, size_t size)
{
    char *s = fuzz_strdup(data, size);
    int st = -7;
    int r = xenbus_parse_state(s, &st);
    FUZZ_CHECK(r == 0 ? st >= 0 && st <= XenbusStateReconfigured : r == -EINVAL && st == -7,
               "'%s' gave %d, state %d", s, r, st);
    FUZZ_CHECK(xenbus_state_name(st) != NULL, "no name");
    free(s);
}

static void netif(const uint8_t *data, size_t size, bool rx)
{
    if (size < 1)
        return;
    unsigned nbufs = data[0];
    if (size < 1 + nbufs)
        return;
    u8 *posted = malloc(nbufs + 1);   /* exactly nbufs readable: ASan catches a read beyond */
    if (!posted)
        abort();
    for (unsigned i = 0; i < nbufs; i++)
        posted[i] = data[1 + i] & 1;
    data += 1 + nbufs, size -= 1 + nbufs;
    size_t rec = rx ? sizeof(struct netif_rx_response) : sizeof(struct netif_tx_response);
    for (; size >= rec; data += rec, size -= rec) {
        if (rx) {
            struct netif_rx_response r;
            memcpy(&r, data, rec);
            if (xenfront_netif_rx_check(&r, nbufs, posted))
                continue;
            FUZZ_CHECK(r.id < nbufs && posted[r.id], "rx id %u accepted", r.id);
            FUZZ_CHECK(r.status == NETIF_RSP_ERROR || r.status == NETIF_RSP_DROPPED ||
                           (r.status >= 0 && r.offset + r.status <= 4096),
                       "rx status %d at offset %u accepted", r.status, r.offset);
        } else {
            struct netif_tx_response r;
            memcpy(&r, data, rec);
            if (xenfront_netif_tx_check(&r, nbufs, posted))
                continue;
            FUZZ_CHECK(r.id < nbufs && posted[r.id], "tx id %u accepted", r.id);
            FUZZ_CHECK(r.status == NETIF_RSP_OKAY || r.status == NETIF_RSP_ERROR ||
                           r.status == NETIF_RSP_DROPPED,
                       "tx status %d accepted", r.status);
        }
    }
    free(posted);
}

static void blkif(const uint8_t *data, size_t size)
{
    if (size < 9)
        return;
    u64 id;
    memcpy(&id, data, 8);
    u8 op = data[8];
    data += 9, size -= 9;
    for (; size >= sizeof(struct blkif_response); data += sizeof(struct blkif_response),
                                                  size -= sizeof(struct blkif_response)) {
        struct blkif_response r;
        memcpy(&r, data, sizeof(r));
        if (xenfront_blkif_check(&r, id, op))
            continue;
        FUZZ_CHECK(r.id == id && r.operation == op, "id %llu op %u accepted",
                   (unsigned long long)r.id, r.operation);
        FUZZ_CHECK(r.status == BLKIF_RSP_OKAY || r.status == BLKIF_RSP_ERROR ||
                       r.status == BLKIF_RSP_EOPNOTSUPP,
                   "status %d accepted", r.status);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 5) {
    case 0: mac(data + 1, size - 1); break;
    case 1: state(data + 1, size - 1); break;
    case 2: netif(data + 1, size - 1, true); break;
    case 3: netif(data + 1, size - 1, false); break;
    default: blkif(data + 1, size - 1); break;
    }
    return 0;
}
