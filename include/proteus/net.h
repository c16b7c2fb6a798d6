/*
 * TCP/IP for apps (net/lwip/netif.c on lwIP 2.1.3): the network devices
 * put under the stack, and their IPv4 addresses. Only the start and the
 * address so far; the sockets API is still to come (issue 17).
 */
#ifndef PROTEUS_NET_H
#define PROTEUS_NET_H

#include <stdint.h>

/* Start the stack once and put every network device under it: the first
 * takes the kernel options ip=<a.b.c.d>/<prefix>, gw= and dns= where given
 * (a malformed one is said, and DHCP used), every other asks DHCP. The
 * number of interfaces, or a negative errno. */
int proteus_net_start(void);
/* Resolve `ip` (network byte order) on interface i through the stack's
 * ARP: 0 and its MAC, -ETIMEDOUT when nobody answered in timeout_ms. */
int proteus_net_arp(unsigned i, uint32_t ip, unsigned timeout_ms, uint8_t mac[6]);
/* Interface i's IPv4 address, netmask and gateway (network byte order)
 * once it has one: 0, or -ETIMEDOUT after timeout_ms, -ENODEV for no
 * such interface. */
int proteus_net_address(unsigned i, unsigned timeout_ms, uint32_t *ip, uint32_t *mask,
                        uint32_t *gw);

#endif
