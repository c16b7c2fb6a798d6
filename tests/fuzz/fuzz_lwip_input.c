/*
 * lwIP 2.1.3's input path with Proteus's configuration (the frames a
 * network device hands the stack: anyone on the link can send them):
 * Ethernet, ARP, IPv4 (with reassembly), ICMP, UDP and TCP, against an
 * interface at 10.0.2.15/24 with a TCP listener on port 80 that echoes
 * and a UDP socket on port 7 that echoes, as an appliance has; the
 * gateway 10.0.2.2's MAC is a static ARP entry.
 *
 * Input: frames, each a 2-byte little-endian length and that many bytes
 * (a length beyond the input takes what is left); between frames the
 * stack's clock moves 100 ms and its timers run.
 * Invariants: no crash, no lwIP assertion, no sanitizer report, whatever
 * the frames say about their own lengths; and a well-formed ICMP echo
 * request to 10.0.2.15 from the gateway or beyond it (checked here
 * independently of lwIP, RFC 791 and RFC 792) is answered at once with
 * an echo reply. The seeds are frames with bad
 * lengths of each kind (a runt, an IPv4 total length beyond the frame, a
 * header length below 5 words, a TCP data offset beyond the segment, a UDP
 * length beyond the datagram, a truncated ICMP message), each followed by
 * a good echo request, which must still be answered.
 */
/* fuzz-sources: build/lwip/lwip-2.1.3/src/core/init.c build/lwip/lwip-2.1.3/src/core/def.c build/lwip/lwip-2.1.3/src/core/inet_chksum.c build/lwip/lwip-2.1.3/src/core/ip.c build/lwip/lwip-2.1.3/src/core/mem.c build/lwip/lwip-2.1.3/src/core/memp.c build/lwip/lwip-2.1.3/src/core/netif.c build/lwip/lwip-2.1.3/src/core/pbuf.c build/lwip/lwip-2.1.3/src/core/stats.c build/lwip/lwip-2.1.3/src/core/tcp.c build/lwip/lwip-2.1.3/src/core/tcp_in.c build/lwip/lwip-2.1.3/src/core/tcp_out.c build/lwip/lwip-2.1.3/src/core/timeouts.c build/lwip/lwip-2.1.3/src/core/udp.c build/lwip/lwip-2.1.3/src/core/dns.c build/lwip/lwip-2.1.3/src/core/ipv4/dhcp.c build/lwip/lwip-2.1.3/src/core/ipv4/etharp.c build/lwip/lwip-2.1.3/src/core/ipv4/icmp.c build/lwip/lwip-2.1.3/src/core/ipv4/ip4.c build/lwip/lwip-2.1.3/src/core/ipv4/ip4_addr.c build/lwip/lwip-2.1.3/src/core/ipv4/ip4_frag.c build/lwip/lwip-2.1.3/src/core/ipv4/autoip.c build/lwip/lwip-2.1.3/src/core/ipv4/igmp.c build/lwip/lwip-2.1.3/src/netif/ethernet.c */
/* fuzz-cflags: -Itests/fuzz/lwip -Ibuild/lwip/lwip-2.1.3/src/include */
#include "fuzz.h"

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

static u32_t now_ms;
u32_t sys_now(void)
{
    return now_ms;
}

static struct netif nif;
static const u8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static unsigned echo_replies;

/* What the stack sends: looked at for echo replies, then dropped. */
static err_t linkoutput(struct netif *n, struct pbuf *p)
{
    u8_t f[1600];
    u16_t len = pbuf_copy_partial(p, f, sizeof(f), 0);
    if (len >= 14 + 20 + 8 && f[12] == 0x08 && f[13] == 0x00 && f[14 + 9] == 1 &&
        f[14 + 4 * (f[14] & 15)] == 0)
        echo_replies++;
    return ERR_OK;
}

static err_t nif_init(struct netif *n)
{
    n->hwaddr_len = 6;
    memcpy(n->hwaddr, our_mac, 6);
    n->mtu = 1500;
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    n->output = etharp_output;
    n->linkoutput = linkoutput;
    return ERR_OK;
}

static err_t tcp_echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    if (!p) {
        tcp_close(pcb);
        return ERR_OK;
    }
    tcp_recved(pcb, p->tot_len);
    if (tcp_sndbuf(pcb) >= p->tot_len) {
        for (struct pbuf *q = p; q; q = q->next)
            tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY);
    }
    pbuf_free(p);
    return ERR_OK;
}

static err_t tcp_echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    tcp_recv(pcb, tcp_echo_recv);
    return ERR_OK;
}

static void udp_echo(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    udp_sendto(pcb, p, addr, port);
    pbuf_free(p);
}

static void setup(void)
{
    lwip_init();
    ip4_addr_t a, m, g;
    IP4_ADDR(&a, 10, 0, 2, 15);
    IP4_ADDR(&m, 255, 255, 255, 0);
    IP4_ADDR(&g, 10, 0, 2, 2);
    if (!netif_add(&nif, &a, &m, &g, NULL, nif_init, ethernet_input))
        abort();
    netif_set_default(&nif);
    netif_set_up(&nif);
    static const struct eth_addr gw_mac = { { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 } };
    if (etharp_add_static_entry(&g, (struct eth_addr *)&gw_mac) != ERR_OK)
        abort();
    struct tcp_pcb *l = tcp_new();
    if (!l || tcp_bind(l, IP_ANY_TYPE, 80) != ERR_OK || !(l = tcp_listen(l)))
        abort();
    tcp_accept(l, tcp_echo_accept);
    struct udp_pcb *u = udp_new();
    if (!u || udp_bind(u, IP_ANY_TYPE, 7) != ERR_OK)
        abort();
    udp_recv(u, udp_echo, NULL);
}

static u16_t sum16(const u8_t *p, size_t n)
{
    u32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (u32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (u32_t)(p[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (u16_t)s;
}

/* An ICMP echo request to us that every rule of RFC 791/792 accepts, to
 * our MAC or broadcast: then a reply is owed. */
static bool good_echo_request(const u8_t *f, size_t n)
{
    if (n < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0x00)
        return false;
    if (memcmp(f, our_mac, 6))
        return false;
    const u8_t *ip = f + 14;
    size_t ihl = 4u * (ip[0] & 15), total = (size_t)(ip[2] << 8 | ip[3]);
    if ((ip[0] >> 4) != 4 || ihl != 20 || total < ihl + 8 || total > n - 14 || total > 1500)
        return false;
    if ((ip[6] & 0x3f) || ip[7] || ip[9] != 1 || sum16(ip, ihl) != 0xffff)
        return false;   /* a fragment, not ICMP, or a bad header checksum */
    if (ip[16] != 10 || ip[17] != 0 || ip[18] != 2 || ip[19] != 15)
        return false;
    /* a unicast source lwIP would answer (not 0, multicast, loopback) and
     * reach without asking ARP first: the gateway, or beyond it */
    bool local = ip[12] == 10 && ip[13] == 0 && ip[14] == 2;
    if (ip[12] == 0 || ip[12] == 127 || ip[12] >= 224 || (local && ip[15] != 2))
        return false;
    const u8_t *icmp = ip + ihl;
    return icmp[0] == 8 && icmp[1] == 0 && sum16(icmp, total - ihl) == 0xffff;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        setup();
        ready = true;
    }
    while (size >= 2) {
        size_t len = (size_t)(data[0] | data[1] << 8);
        data += 2, size -= 2;
        if (len > size)
            len = size;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(len > 0xffff ? 0xffff : len), PBUF_POOL);
        if (p) {
            pbuf_take(p, data, (u16_t)len);
            unsigned before = echo_replies;
            bool owed = good_echo_request(data, len);
            if (nif.input(p, &nif) != ERR_OK)
                pbuf_free(p);
            FUZZ_CHECK(!owed || echo_replies > before, "a good echo request of %zu bytes went unanswered",
                       len);
        }
        data += len, size -= len;
        now_ms += 100;
        sys_check_timeouts();
    }
    return 0;
}
