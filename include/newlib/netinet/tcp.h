/*
 * TCP's socket options for apps (POSIX.1-2017, XBD <netinet/tcp.h>:
 * TCP_NODELAY; lwIP adds TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT), from
 * lwIP 2.1.3's src/include/lwip/sockets.h through <sys/socket.h>.
 */
#ifndef _NETINET_TCP_H
#define _NETINET_TCP_H

#include <sys/socket.h>

#endif
