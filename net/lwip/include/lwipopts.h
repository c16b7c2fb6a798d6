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
#define MEMP_NUM_TCP_PCB 32
#define MEMP_NUM_TCP_PCB_LISTEN 8
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

/* the sequential APIs come with the sockets, not yet */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

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
