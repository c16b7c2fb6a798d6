/*
 * Name resolution for apps (POSIX.1-2017, XBD <netdb.h>): getaddrinfo for
 * numeric addresses and DNS names (lwIP 2.1.3's resolver, src/core/dns.c,
 * asking the server DHCP or dns= gave), gethostbyname, and the EAI_*
 * codes. Services are port numbers only ("80", not "http": there is no
 * services database). net/lwip/sockets.c.
 */
#ifndef _NETDB_H
#define _NETDB_H

#include <sys/socket.h>
#include "lwip/netdb.h"

/* The codes lwIP does not define (POSIX names them; these values are
 * beyond lwIP's 200-213). */
#define EAI_AGAIN    214
#define EAI_BADFLAGS 215
#define EAI_SOCKTYPE 216
#define EAI_SYSTEM   217
#define EAI_OVERFLOW 218

#ifdef __cplusplus
extern "C" {
#endif

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res);
void freeaddrinfo(struct addrinfo *ai);
const char *gai_strerror(int code);
struct hostent *gethostbyname(const char *name);

#ifdef __cplusplus
}
#endif

#endif
