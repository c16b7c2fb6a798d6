/*
 * lwIP's configuration for Proteus (lwIP 2.1.3, src/include/lwip/opt.h
 * lists every option and its default). The stack runs in its own thread
 * (NO_SYS 0) on the kernel's threads, mutexes and timers
 * (net/lwip/sys_arch.c), with the core lock, so that callers reach it
 * directly rather than by message; memory from lwIP's own pools and heap,
 * sized for a small appliance.
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#define NO_SYS 0
#define LWIP_TCPIP_CORE_LOCKING 1
#define SYS_LIGHTWEIGHT_PROT 1

/* memory: a 256 KiB heap, pools for the rest */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (256 * 1024)
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_TCP_PCB 128
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_UDP_PCB (MEMP_NUM_NETCONN + 4)   /* a socket each, DHCP, DNS */
#define MEMP_NUM_TCP_SEG 128
#define MEMP_NUM_SYS_TIMEOUT 16
#define PBUF_POOL_SIZE 128
#define PBUF_POOL_BUFSIZE 1536

/* IPv4 with ARP, ICMP, UDP, TCP, DHCP and DNS */
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_DNS 1
#define LWIP_RAW 0
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define TCP_MSS 1460
#define TCP_WND (8 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)

/* The BSD sockets (api/sockets.c over the netconn layer), under lwIP's own
 * names: the POSIX names, and the descriptors apps see, are Proteus's
 * (net/lwip/sockets.c on kernel/libc/fd.c), so that sockets share one
 * table with the console and files. lwIP's descriptors are the table's
 * handles, 0..MEMP_NUM_NETCONN-1. */
#define LWIP_NETCONN 1
#define LWIP_SOCKET 1
#define LWIP_COMPAT_SOCKETS 0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SOCKET_OFFSET 0
#define LWIP_SOCKET_SELECT 1
#define LWIP_SOCKET_POLL 1
#define MEMP_NUM_NETCONN 64
#define LWIP_SO_RCVTIMEO 1
#define LWIP_SO_SNDTIMEO 1
#define LWIP_SO_RCVBUF 1
#define SO_REUSE 1
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_FIONREAD_LINUXMODE 1
#define TCP_LISTEN_BACKLOG 1
#define DEFAULT_ACCEPTMBOX_SIZE 32
#define DEFAULT_TCP_RECVMBOX_SIZE 32
#define DEFAULT_UDP_RECVMBOX_SIZE 32
#define DEFAULT_RAW_RECVMBOX_SIZE 32
/* API messages come from the pools rather than the callers' stacks */
#define MEMP_NUM_NETBUF 32
#define MEMP_NUM_TCPIP_MSG_API 32
#define MEMP_NUM_TCPIP_MSG_INPKT 64
/* A PCB closed by this side waits out TIME_WAIT (2 MSL) before its slot is
 * free again. lwIP takes the oldest TIME_WAIT PCB when a new connection
 * finds the pool empty (tcp_alloc, core/tcp.c), so the pool is not a hard
 * limit; a short MSL keeps repeated load runs from leaning on that.
 * Connections beyond MEMP_NUM_TCP_PCB that are live are refused (RST). */
#define TCP_MSL 10000UL

/* Packets to one's own address and to 127.0.0.1 go round the stack
 * (netif_loop_output), as on any host: apps talk to themselves, and
 * selftest runs its socket cases without a network device. */
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 64

/* threads: the stack's own, its mailbox */
#define TCPIP_THREAD_NAME "lwip"
#define TCPIP_THREAD_STACKSIZE (16 * 4096)
#define TCPIP_THREAD_PRIO 1
#define TCPIP_MBOX_SIZE 64
#define DEFAULT_THREAD_STACKSIZE (16 * 4096)

/* newlib's errno and struct timeval */
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0

#define LWIP_STATS 0
#define LWIP_DEBUG 0

#endif
