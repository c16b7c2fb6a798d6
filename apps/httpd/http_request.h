/*
 * HTTP/1.1 request heads as httpd reads them off the network (RFC 9112,
 * "HTTP/1.1", sections 2-6; RFC 9110, "HTTP Semantics", for the fields'
 * meaning). Outside input: every byte is checked and a head not of the
 * RFC's form is refused whole with the status code the RFC names. Pure
 * code, no allocation: tests/unit/test_http_request.c runs it on the host
 * and tests/fuzz/fuzz_http_request.c feeds it arbitrary bytes.
 */
#ifndef HTTPD_HTTP_REQUEST_H
#define HTTPD_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_METHOD_MAX 16
#define HTTP_TARGET_MAX 1024   /* longer is 414 URI Too Long */
#define HTTP_FIELDS_MAX 64     /* more is 431 */

struct http_request {
    char method[HTTP_METHOD_MAX + 1];
    char target[HTTP_TARGET_MAX + 1];   /* as sent: origin-form, "/..." */
    int minor;                  /* HTTP/1.<minor>: 0 or 1 */
    bool keep_alive;            /* what the version and Connection say */
    bool has_body_length;       /* Content-Length was given */
    uint64_t content_length;
    unsigned fields;
};

/* Parse the head at the start of buf[0, len). Returns:
 *   > 0   its length (through the blank line that ends it); *req filled;
 *   0     not complete yet: read more, unless len has reached max_head,
 *         which the caller answers with 431;
 *   < 0   minus the status to answer with, and close the connection:
 *         400 (malformed: a bad request line, a field without a colon or
 *         with blanks before it, a folded line, a control byte, a missing
 *         or repeated Host in HTTP/1.1, conflicting Content-Lengths, both
 *         Content-Length and Transfer-Encoding), 414 (target longer than
 *         HTTP_TARGET_MAX), 431 (more than HTTP_FIELDS_MAX fields, or a
 *         head longer than max_head), 501 (a Transfer-Encoding: request
 *         bodies are taken by length only), 505 (an HTTP version other
 *         than 1.0 and 1.1).
 * Lines end in CRLF or, as RFC 9112 section 2.2 allows a recipient to
 * accept, a bare LF; empty lines before the request line are skipped
 * (the same section). */
long http_parse_request(const char *buf, size_t len, size_t max_head, struct http_request *req);

/* The path of an origin-form target, for finding a file: the part before
 * any '?', percent-decoded (RFC 3986 section 2.1) into out[0, size).
 * 0, or -400 for a malformed escape, a decoded NUL or a ".." segment
 * (which would climb out of the served tree), -414 when it does not fit. */
int http_target_path(const char *target, char *out, size_t size);

#endif
