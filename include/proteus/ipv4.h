/*
 * IPv4 addresses from the command line (lib/ipv4_parse.c).
 */
#ifndef PROTEUS_IPV4_H
#define PROTEUS_IPV4_H

#include <stdint.h>

/* "a.b.c.d" or, where `prefix` is not NULL, "a.b.c.d/n": 0 with the
 * address in host order and the prefix length (-1 when none was given),
 * or -1 for anything else (a byte above 255, a prefix above 32, leading
 * junk or trailing text). */
int ipv4_parse(const char *s, uint32_t *addr, int *prefix);

#endif
