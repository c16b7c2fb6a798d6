/*
 * lwIP's compiler and platform glue for Proteus (lwIP 2.1.3,
 * src/include/lwip/arch.h says what a port provides): x86 is
 * little-endian, newlib gives the standard headers, a failed assertion
 * ends the machine as one of the kernel's own would.
 */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
/* The system's definitions where lwIP's sockets.h would otherwise make
 * its own (it defines each only if missing): newlib's O_NONBLOCK and
 * F_GETFL/F_SETFL, its struct timeval and fd_set, and Proteus's
 * struct pollfd. Apps and lwIP then agree on every value. */
#include <fcntl.h>
#include <poll.h>
#include <sys/time.h>
#include <proteus/api.h>

/* newlib has ssize_t (sys/types.h); lwIP defines its own unless it sees
 * SSIZE_MAX (src/include/lwip/arch.h) */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

#ifndef BYTE_ORDER   /* newlib's <sys/types.h> says it already */
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) proteus_abort("lwIP: " x)
/* For DHCP's transaction ids and TCP's initial sequence numbers: not
 * cryptographic, only different from boot to boot and connection to
 * connection (net/lwip/sys_arch.c). */
unsigned lwip_port_rand(void);
#define LWIP_RAND() lwip_port_rand()

#endif
