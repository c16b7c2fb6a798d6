/*
 * What the frontends read from their backends, checked before it is
 * believed: the backend is another domain, and a response's id indexes
 * the frontend's tables, its offset and length the frontend's pages.
 * Pure code (no kernel calls), so the host tests
 * (tests/unit/test_xenfront_check.c) and the fuzzer
 * (tests/fuzz/fuzz_xenfront.c) run it as the drivers do.
 */
#include <drivers/xenfront.h>
#include <proteus/errno.h>

#define FRONT_PAGE 4096   /* a granted frame: XEN_PAGE_SIZE */

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* xen/io/netif.h: "mac" - "MAC address of the interface", written by
 * the toolstack as six colon-separated pairs of hex digits. */
int xenfront_parse_mac(const char *s, u8 mac[6])
{
    u8 m[6];
    unsigned any = 0;
    if (!s)
        return -EINVAL;
    for (unsigned i = 0; i < 6; i++) {
        int hi = hex(s[0]), lo = hi < 0 ? -1 : hex(s[1]);
        if (lo < 0 || s[2] != (i < 5 ? ':' : '\0'))
            return -EINVAL;
        m[i] = (u8)(hi << 4 | lo);
        any |= m[i];
        s += 3;
    }
    if (m[0] & 1 || !any)
        return -EINVAL;   /* a group address, or none: not an interface's */
    for (unsigned i = 0; i < 6; i++)
        mac[i] = m[i];
    return 0;
}

static bool outstanding(u16 id, unsigned nbufs, const u8 *posted)
{
    return id < nbufs && posted[id];
}

const char *xenfront_netif_rx_check(const struct netif_rx_response *r, unsigned nbufs,
                                    const u8 *posted)
{
    if (!outstanding(r->id, nbufs, posted))
        return r->id < nbufs ? "an id not outstanding" : "an id out of range";
    if (r->status == NETIF_RSP_ERROR || r->status == NETIF_RSP_DROPPED)
        return NULL;   /* an error the caller counts; the buffer comes back */
    if (r->status < 0)
        return "a status that is no NETIF_RSP_*";
    if (r->offset >= FRONT_PAGE || (u32)r->offset + (u32)r->status > FRONT_PAGE)
        return "offset and length beyond the page";
    return NULL;
}

const char *xenfront_netif_tx_check(const struct netif_tx_response *r, unsigned nbufs,
                                    const u8 *posted)
{
    if (!outstanding(r->id, nbufs, posted))
        return r->id < nbufs ? "an id not outstanding" : "an id out of range";
    /* NETIF_RSP_NULL answers an extra-info slot, which this frontend
     * never sends */
    if (r->status != NETIF_RSP_OKAY && r->status != NETIF_RSP_ERROR &&
        r->status != NETIF_RSP_DROPPED)
        return "a status that is no NETIF_RSP_* of a request";
    return NULL;
}

const char *xenfront_blkif_check(const struct blkif_response *r, u64 id, u8 op)
{
    if (r->id != id)
        return "an id not in flight";
    if (r->operation != op)
        return "another operation than the request's";
    if (r->status != BLKIF_RSP_OKAY && r->status != BLKIF_RSP_ERROR &&
        r->status != BLKIF_RSP_EOPNOTSUPP)
        return "a status that is no BLKIF_RSP_*";
    return NULL;
}
