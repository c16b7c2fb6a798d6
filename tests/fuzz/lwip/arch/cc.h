/*
 * lwIP's platform glue for the host harness (the image's is
 * net/lwip/include/arch/cc.h): the host's C library, a failed lwIP
 * assertion a crash the fuzzer reports.
 */
#ifndef FUZZ_LWIP_ARCH_CC_H
#define FUZZ_LWIP_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { fprintf(stderr, "lwIP assertion: %s\n", x); abort(); } while (0)
#define LWIP_RAND() ((unsigned)rand())

#endif
