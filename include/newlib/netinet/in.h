/*
 * Internet addresses for apps (POSIX.1-2017, XBD <netinet/in.h>):
 * struct sockaddr_in, in_addr, IPPROTO_*, INADDR_* and the byte-order
 * calls, from lwIP 2.1.3 (src/include/lwip/sockets.h, inet.h, def.h)
 * through <sys/socket.h>.
 */
#ifndef _NETINET_IN_H
#define _NETINET_IN_H

#include <sys/socket.h>

#endif
