/*
 * lib/ipv4_parse.c: the ip=, gw= and dns= values of the command line.
 */
/* unit-sources: lib/ipv4_parse.c */
#include "unit.h"

#include <proteus/ipv4.h>

TEST(ipv4_parse_reads_addresses_and_prefixes)
{
    uint32_t a = 0;
    int p = 0;
    CHECK_EQ(ipv4_parse("10.0.2.20/24", &a, &p), 0);
    CHECK_EQ(a, 0x0a000214);
    CHECK_EQ(p, 24);
    CHECK_EQ(ipv4_parse("255.255.255.255", &a, &p), 0);
    CHECK_EQ(a, 0xffffffff);
    CHECK_EQ(p, -1);
    CHECK_EQ(ipv4_parse("0.0.0.0/0", &a, &p), 0);
    CHECK_EQ(p, 0);
    CHECK_EQ(ipv4_parse("10.0.2.2", &a, NULL), 0);
    CHECK_EQ(a, 0x0a000202);
}

TEST(ipv4_parse_refuses_the_malformed)
{
    uint32_t a = 7;
    int p = 7;
    const char *bad[] = { "", "10.0.2", "10.0.2.2.", "10.0.2.256", "10.0.2.2/33", "10.0.2.2/",
                          "10..2.2", "1000.0.2.2", "10.0.2.2x", " 10.0.2.2", "10.0.2.2/24x",
                          "-1.0.0.0", "0010.0.2.2" };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (!CHECK_EQ(ipv4_parse(bad[i], &a, &p), -1))
            unit_print_str("value", bad[i], strlen(bad[i]));
    CHECK_EQ(ipv4_parse("10.0.2.2/24", &a, NULL), -1);   /* no prefix wanted */
    CHECK_EQ(ipv4_parse(NULL, &a, &p), -1);
    CHECK_EQ(a, 7);
    CHECK_EQ(p, 7);
}
