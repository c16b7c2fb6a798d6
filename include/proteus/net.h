/*
 * TCP/IP for apps (net/lwip/netif.c on lwIP 2.1.3): the network devices
 * put under the stack, and their IPv4 addresses. Only the start and the
 * address so far; the sockets API is still to come (issue 17).
 */
#ifndef PROTEUS_NET_H
#define PROTEUS_NET_H

#include <stdint.h>

/* Start the stack once and put every network device under it, each asking
 * DHCP for an address: the number of interfaces, or a negative errno. */
int proteus_net_start(void);
/* Interface i's IPv4 address, netmask and gateway (network byte order)
 * once it has one: 0, or -ETIMEDOUT after timeout_ms, -ENODEV for no
 * such interface. */
int proteus_net_address(unsigned i, unsigned timeout_ms, uint32_t *ip, uint32_t *mask,
                        uint32_t *gw);

#endif
