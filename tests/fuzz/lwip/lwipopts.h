/*
 * lwIP's configuration for the host harness tests/fuzz/fuzz_lwip_input.c:
 * Proteus's own (net/lwip/include/lwipopts.h: the same pools, sizes and
 * protocols, so the code under test is the code in the image), with the
 * operating system taken away: no threads (NO_SYS 1), so no sockets or
 * netconns, and the harness calls the timers itself.
 */
#ifndef FUZZ_LWIPOPTS_H
#define FUZZ_LWIPOPTS_H

#include "../../../net/lwip/include/lwipopts.h"

#undef NO_SYS
#define NO_SYS 1
#undef LWIP_TCPIP_CORE_LOCKING
#define LWIP_TCPIP_CORE_LOCKING 0
#undef SYS_LIGHTWEIGHT_PROT
#define SYS_LIGHTWEIGHT_PROT 0
#undef LWIP_NETCONN
#define LWIP_NETCONN 0
#undef LWIP_SOCKET
#define LWIP_SOCKET 0
#undef LWIP_NETIF_LOOPBACK
#define LWIP_NETIF_LOOPBACK 0
#undef LWIP_HAVE_LOOPIF
#define LWIP_HAVE_LOOPIF 0
/* the gateway's MAC known from the start, so that a reply owed to it goes
 * out at once rather than after an ARP exchange */
#define ETHARP_SUPPORT_STATIC_ENTRIES 1

#endif
