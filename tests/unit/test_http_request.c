/*
 * apps/httpd/http_request.c: the request heads httpd reads off the
 * network (RFC 9112), and the paths it makes of their targets.
 */
/* unit-sources: apps/httpd/http_request.c */
#include "unit.h"

#include "../../apps/httpd/http_request.h"

static long parse(const char *s, struct http_request *r)
{
    return http_parse_request(s, strlen(s), 8192, r);
}

TEST(http_request_reads_a_head)
{
    struct http_request r;
    const char *s = "GET /a/b?c=d HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n\r\nNEXT";
    CHECK_EQ(parse(s, &r), (long)(strlen(s) - 4));
    CHECK_STREQ(r.method, "GET");
    CHECK_STREQ(r.target, "/a/b?c=d");
    CHECK_EQ(r.minor, 1);
    CHECK(r.keep_alive);
    CHECK(!r.has_body_length);
    CHECK_EQ(r.fields, 2);
}

TEST(http_request_connection_and_version)
{
    struct http_request r;
    CHECK(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, Close\r\n\r\n", &r) > 0);
    CHECK(!r.keep_alive);
    CHECK(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0);   /* 1.0 needs no Host */
    CHECK(!r.keep_alive);
    CHECK(parse("GET / HTTP/1.0\r\nconnection:keep-alive\r\n\r\n", &r) > 0);
    CHECK(r.keep_alive);
    /* bare LF lines and empty lines before the request line */
    CHECK(parse("\r\n\nHEAD /x HTTP/1.1\nHost: y\n\n", &r) > 0);
    CHECK_STREQ(r.method, "HEAD");
}

TEST(http_request_content_length)
{
    struct http_request r;
    CHECK(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:  42 \r\n\r\n", &r) > 0);
    CHECK(r.has_body_length);
    CHECK_EQ(r.content_length, 42);
    CHECK(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n", &r) > 0);
    CHECK_EQ(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n", &r), -400);
    CHECK_EQ(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", &r), -400);
    CHECK_EQ(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", &r), -400);
    CHECK_EQ(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", &r), -400);
    CHECK_EQ(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", &r), -501);
    CHECK_EQ(parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", &r), -400);
}

TEST(http_request_refuses_the_malformed)
{
    struct http_request r;
    static const struct {
        const char *head;
        long want;
    } bad[] = {
        { "GARBAGE\r\n\r\n", -400 },
        { "GET\r\n\r\n", -400 },
        { "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
        { "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
        { "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", -400 },
        { "GET / HTTP/1.1\r\n\r\n", -400 },                       /* no Host */
        { "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -400 },
        { "GET / HTTP/1.1\r\nHost : x\r\n\r\n", -400 },
        { "GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n", -400 },
        { "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", -400 },
        { "GET / HTTP/1.1\r\nHost: x\001\r\n\r\n", -400 },
        { "GET /\177 HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
        { "GET / HTTP/2.0\r\nHost: x\r\n\r\n", -505 },
        { "GET / HTTP/1.2\r\nHost: x\r\n\r\n", -505 },
        { "GET / HTTP/1.x\r\nHost: x\r\n\r\n", -400 },
        { "GET / http/1.1\r\nHost: x\r\n\r\n", -400 },
        { "GETTINGVERYLONGMETHOD / HTTP/1.1\r\nHost: x\r\n\r\n", -400 },
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (!CHECK_EQ(parse(bad[i].head, &r), bad[i].want))
            unit_print_str("head", bad[i].head, strlen(bad[i].head));
}

TEST(http_request_limits)
{
    struct http_request r;
    /* incomplete: more is needed, until the buffer is full */
    CHECK_EQ(http_parse_request("GET / HTTP/1.1\r\nHost: x\r\n", 25, 8192, &r), 0);
    CHECK_EQ(http_parse_request("GET / HTTP/1.1\r\nHost: x\r\n", 25, 25, &r), -431);
    CHECK_EQ(http_parse_request("GET / HT", 8, 8, &r), -431);
    /* a target too long */
    char *big = malloc(HTTP_TARGET_MAX + 64);
    memcpy(big, "GET /", 5);
    memset(big + 5, 'a', HTTP_TARGET_MAX);
    strcpy(big + 5 + HTTP_TARGET_MAX, " HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_EQ(parse(big, &r), -414);
    free(big);
    /* too many fields */
    char fields[8192] = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < HTTP_FIELDS_MAX; i++)
        strcat(fields, "A: b\r\n");
    strcat(fields, "\r\n");
    CHECK_EQ(parse(fields, &r), -431);
}

TEST(http_target_path_decodes_and_refuses_climbing)
{
    char out[64];
    CHECK_EQ(http_target_path("/a%20b/c.txt?x=../..", out, sizeof(out)), 0);
    CHECK_STREQ(out, "/a b/c.txt");
    CHECK_EQ(http_target_path("/", out, sizeof(out)), 0);
    CHECK_STREQ(out, "/");
    CHECK_EQ(http_target_path("/a/../b", out, sizeof(out)), -400);
    CHECK_EQ(http_target_path("/a/%2E%2e/b", out, sizeof(out)), -400);
    CHECK_EQ(http_target_path("/..", out, sizeof(out)), -400);
    CHECK_EQ(http_target_path("/a..b/..c", out, sizeof(out)), 0);   /* not segments */
    CHECK_EQ(http_target_path("/%zz", out, sizeof(out)), -400);
    CHECK_EQ(http_target_path("/%4", out, sizeof(out)), -400);
    CHECK_EQ(http_target_path("/%00", out, sizeof(out)), -400);
    CHECK_EQ(http_target_path("/aaaaaaaaaa", out, 8), -414);
}
