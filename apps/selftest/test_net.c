/*
 * Network devices (include/proteus/netdev.h) against the network QEMU's
 * user mode gives a guest (slirp: the guest 10.0.2.15, its gateway
 * 10.0.2.2, which answers ARP), or the addresses the row's ip= and gw=
 * give (a Xen domU on dom0's bridge: 10.0.0.2, gateway dom0's 10.0.0.1).
 * The case sends an ARP request for the
 * gateway through the first network device and waits for the reply,
 * which proves a frame went out and one came in (RFC 826). Without a
 * network device each case says SKIP.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <proteus/api.h>
#include <proteus/ipv4.h>
#include <proteus/net.h>
#include <proteus/options.h>
#include <proteus/netdev.h>
#include "selftest.h"

static struct netdev *first_netdev(void)
{
    struct netdev *nd = netdev_get(0);
    if (!nd)
        test_skip("no network device (the row gives the machine none)");
    return nd;
}

static volatile unsigned replied;
static uint8_t reply_mac[6];
static uint8_t want_ip[4];

/* RFC 826: an Ethernet/IPv4 ARP packet, after the 14-byte header. A
 * reply to each of ROUNDS requests, one at a time: every frame takes an
 * interrupt of its own and a receive buffer posted again. */
#define ROUNDS 20
static void on_frame(struct netdev *nd, const void *frame, size_t len, void *ctx)
{
    const uint8_t *f = frame;
    if (len < 42 || f[12] != 0x08 || f[13] != 0x06)
        return;
    const uint8_t *a = f + 14;
    if (a[6] == 0 && a[7] == 2 && !memcmp(a + 14, want_ip, 4) && !memcmp(a + 18, nd->mac, 6)) {
        memcpy(reply_mac, a + 8, 6);
        replied++;
    }
}

static bool parse_ip(const char *s, uint8_t ip[4])
{
    unsigned v[4];
    if (sscanf(s, "%u.%u.%u.%u", &v[0], &v[1], &v[2], &v[3]) != 4)
        return false;
    for (int i = 0; i < 4; i++) {
        if (v[i] > 255)
            return false;
        ip[i] = (uint8_t)v[i];
    }
    return true;
}

static void test_arp_gateway(void)
{
    struct netdev *nd = first_netdev();
    if (!nd)
        return;
    uint8_t my_ip[4], gw[4];
    const char *ip_opt = kernel_option("ip"), *gw_opt = kernel_option("gw");
    bool given = ip_opt && gw_opt;   /* ip= may carry a prefix: sscanf stops at it */
    CHECK(parse_ip(given ? ip_opt : "10.0.2.15", my_ip) && parse_ip(given ? gw_opt : "10.0.2.2", gw),
          "addresses (ip=%s gw=%s)", ip_opt ? ip_opt : "-", gw_opt ? gw_opt : "-");
    memcpy(want_ip, gw, 4);
    replied = 0;
    netdev_set_listener(nd, on_frame, NULL);
    uint8_t f[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    memcpy(f + 6, nd->mac, 6);
    f[12] = 0x08, f[13] = 0x06;                        /* ARP */
    uint8_t *a = f + 14;
    a[0] = 0, a[1] = 1, a[2] = 0x08, a[3] = 0, a[4] = 6, a[5] = 4, a[6] = 0, a[7] = 1;   /* request */
    memcpy(a + 8, nd->mac, 6);
    memcpy(a + 14, my_ip, 4);
    memcpy(a + 24, gw, 4);
    int err = 0;
    unsigned round;
    for (round = 0; round < ROUNDS && !err; round++) {
        uint64_t end = proteus_clock_ns() + 3000000000ull;
        /* slirp may drop the first while it learns: ask again each 500 ms */
        for (uint64_t next = 0; replied == round && proteus_clock_ns() < end;) {
            if (proteus_clock_ns() >= next) {
                err = netdev_send(nd, f, sizeof(f));
                next = proteus_clock_ns() + 500000000ull;
            }
            proteus_sleep_until_ns(proteus_clock_ns() + 1000000);
        }
        if (replied == round)
            break;
    }
    netdev_set_listener(nd, NULL, NULL);
    CHECK(err == 0, "sending the request failed: %d", err);
    CHECK(replied >= ROUNDS, "%u ARP replies from %u.%u.%u.%u of %u asked, then none in 3 s "
          "(%s: %llu frames in, %llu out)", replied, gw[0], gw[1], gw[2], gw[3], ROUNDS, nd->name,
          (unsigned long long)nd->rx_frames, (unsigned long long)nd->tx_frames);
    printf("selftest: %s: %u.%u.%u.%u is at %02x:%02x:%02x:%02x:%02x:%02x\n", nd->name, gw[0],
           gw[1], gw[2], gw[3], reply_mac[0], reply_mac[1], reply_mac[2], reply_mac[3],
           reply_mac[4], reply_mac[5]);
    /* The device heard of the requests and told of the replies: neither
     * could happen without a doorbell and an interrupt (or event). */
    printf("selftest: %s: %llu frames out, %llu in; %lu notifies, %lu interrupts\n", nd->name,
           (unsigned long long)nd->tx_frames, (unsigned long long)nd->rx_frames, nd->notifies,
           nd->interrupts);
    CHECK(nd->notifies > 0 && nd->interrupts > 0, "%s counted %lu notifies and %lu interrupts "
          "for frames sent and received", nd->name, nd->notifies, nd->interrupts);
    test_pass();
}

/* Frames the interface refuses before any driver sees them. */
static void test_bad_lengths(void)
{
    struct netdev *nd = first_netdev();
    if (!nd)
        return;
    static uint8_t big[2000];
    CHECK(netdev_send(nd, big, 13) < 0, "a frame shorter than its header was sent");
    CHECK(netdev_send(nd, big, (size_t)ETH_HLEN + nd->mtu + 1) < 0, "a frame beyond the MTU was sent");
    CHECK(netdev_send(nd, NULL, 60) < 0, "a NULL frame was sent");
    test_pass();
}

/* lwIP over the first device (net/lwip/): its address, by DHCP from
 * QEMU's user-mode network (10.0.2.15/24, gateway 10.0.2.2) or as the
 * row's ip= and gw= options say, then the gateway resolved through the
 * stack's own ARP, which proves frames go out and come back with that
 * address. After this the stack owns the device's frames, so it runs
 * last of the net.* cases. */
static void check_address(struct netdev *nd, uint32_t expect_ip, uint32_t expect_gw, const char *how)
{
    int n = proteus_net_start();
    CHECK(n >= 1, "proteus_net_start: %d", n);
    uint32_t ip, mask, gw;
    int err = proteus_net_address(0, 10000, &ip, &mask, &gw);
    CHECK(err == 0, "no address (%s) in 10 s: %d", how, err);
    const uint8_t *a = (const uint8_t *)&ip, *m = (const uint8_t *)&mask, *g = (const uint8_t *)&gw;
    printf("selftest: %s: %s gave %u.%u.%u.%u mask %u.%u.%u.%u gateway %u.%u.%u.%u\n", nd->name,
           how, a[0], a[1], a[2], a[3], m[0], m[1], m[2], m[3], g[0], g[1], g[2], g[3]);
    CHECK(ip == expect_ip, "not the address expected");
    CHECK(gw == expect_gw, "not the gateway expected");
    uint8_t mac[6];
    err = proteus_net_arp(0, gw, 3000, mac);
    CHECK(err == 0, "the gateway did not answer the stack's ARP in 3 s: %d", err);
    printf("selftest: %s: through lwIP, the gateway is at %02x:%02x:%02x:%02x:%02x:%02x\n",
           nd->name, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    test_pass();
}

static uint32_t be(uint32_t host)
{
    return __builtin_bswap32(host);
}

static void test_dhcp(void)
{
    struct netdev *nd = first_netdev();
    if (!nd)
        return;
    if (kernel_option("ip")) {
        test_skip("the row sets ip=");
        return;
    }
    check_address(nd, be(0x0a00020f), be(0x0a000202), "DHCP");
}

static void test_static(void)
{
    struct netdev *nd = first_netdev();
    if (!nd)
        return;
    const char *ip = kernel_option("ip"), *gw = kernel_option("gw");
    if (!ip) {
        test_skip("no ip= option");
        return;
    }
    uint32_t a, g = 0;
    int prefix;
    if (ipv4_parse(ip, &a, &prefix) || (gw && ipv4_parse(gw, &g, NULL))) {
        /* malformed: the kernel says so and asks DHCP instead */
        check_address(nd, be(0x0a00020f), be(0x0a000202), "DHCP, ip= being malformed,");
        return;
    }
    check_address(nd, be(a), be(g), "ip=");
}

const struct test_case net_tests[] = {
    { "net.arp_gateway", test_arp_gateway },
    { "net.bad_lengths", test_bad_lengths },
    { "net.dhcp", test_dhcp },
    { "net.static", test_static },
    { NULL, NULL },
};
