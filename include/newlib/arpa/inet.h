/*
 * Address conversion for apps (POSIX.1-2017, XBD <arpa/inet.h>):
 * inet_ntop and inet_pton (net/lwip/sockets.c); inet_addr, inet_aton and
 * inet_ntoa are lwIP's macros onto its own parsers (src/include/lwip/
 * inet.h), and the byte-order calls are lwip/def.h's.
 */
#ifndef _ARPA_INET_H
#define _ARPA_INET_H

#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);
int inet_pton(int af, const char *src, void *dst);

#ifdef __cplusplus
}
#endif

#endif
