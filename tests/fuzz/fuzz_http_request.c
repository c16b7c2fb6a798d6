/*
 * apps/httpd/http_request.c, the HTTP request heads httpd reads from the
 * network: any bytes a client can send.
 *
 * Input: a byte for the head limit (64 + 32 * n bytes), then the bytes
 * received so far.
 * Invariants: the result is a head length no larger than what was given
 * and the limit, 0 (more needed, only below the limit) or one of the five
 * refusals; an accepted head has a token method, a target starting with
 * '/', version 1.0 or 1.1, and ends with a line feed; a path made of its
 * target never holds a ".." segment and fits its buffer; nothing is read
 * past the bytes given (ASan).
 */
/* fuzz-sources: apps/httpd/http_request.c */
#include "fuzz.h"

#include "../../apps/httpd/http_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t limit = 64 + 32 * (size_t)data[0];
    size_t n = size - 1;
    char *buf = fuzz_dup(data + 1, n);   /* exactly the bytes: ASan sees any overread */
    struct http_request r;
    long got = http_parse_request(buf, n, limit, &r);
    FUZZ_CHECK(got == 0 || got == -400 || got == -414 || got == -431 || got == -501 ||
                   got == -505 || (got > 0 && (size_t)got <= n && (size_t)got <= limit),
               "returned %ld for %zu bytes, limit %zu", got, n, limit);
    FUZZ_CHECK(got != 0 || n < limit, "asked for more beyond the limit (%zu bytes)", n);
    if (got > 0) {
        FUZZ_CHECK(buf[got - 1] == '\n', "a head that does not end with a line feed");
        FUZZ_CHECK(r.method[0] && r.target[0] == '/' && (r.minor == 0 || r.minor == 1),
                   "accepted method '%s' target '%s' minor %d", r.method, r.target, r.minor);
        char path[64];
        int p = http_target_path(r.target, path, sizeof(path));
        FUZZ_CHECK(p == 0 || p == -400 || p == -414, "http_target_path returned %d", p);
        if (p == 0) {
            FUZZ_CHECK(strlen(path) < sizeof(path) && path[0] == '/', "path '%s'", path);
            for (const char *s = strstr(path, "/.."); s; s = strstr(s + 1, "/.."))
                FUZZ_CHECK(s[3] != '/' && s[3] != '\0', "path '%s' climbs out", path);
        }
    }
    free(buf);
    return 0;
}
