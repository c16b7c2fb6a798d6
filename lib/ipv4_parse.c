/*
 * IPv4 addresses as the command line gives them (ip=10.0.2.20/24,
 * gw=10.0.2.2, dns=10.0.2.3): dotted quads of decimal bytes, an optional
 * prefix length. Outside input, so every part is checked and a value not
 * exactly of that form is refused whole. Pure: tests/unit/test_ipv4_parse.c.
 */
#include <proteus/ipv4.h>

int ipv4_parse(const char *s, uint32_t *addr, int *prefix)
{
    if (!s)
        return -1;
    uint32_t a = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (!digits || digits > 3 || v > 255)
            return -1;
        a = a << 8 | v;
        if (part < 3 && *s++ != '.')
            return -1;
    }
    int p = -1;
    if (*s == '/') {
        s++;
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 3) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (!digits || v > 32)
            return -1;
        p = (int)v;
    }
    if (*s || (p >= 0 && !prefix))
        return -1;
    *addr = a;   /* host order: 10.0.2.20 is 0x0a000214 */
    if (prefix)
        *prefix = p;
    return 0;
}
