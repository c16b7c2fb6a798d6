/*
 * httpd's request parser (http_request.h says what it accepts and why).
 * RFC 9112 is the grammar: request-line = method SP request-target SP
 * HTTP-version; field-line = field-name ":" OWS field-value OWS. Pure:
 * only the bytes given are read, nothing is allocated.
 */
#include "http_request.h"

#include <string.h>

/* RFC 9110 section 5.6.2: tchar */
static bool tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte allowed in a field value (RFC 9110 section 5.5: VCHAR, SP,
 * HTAB, obs-text); CR, LF and NUL among the refused. */
static bool field_byte(unsigned char c)
{
    return c == '\t' || c >= 0x20 ? c != 0x7f : false;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool name_is(const char *name, size_t n, const char *want)
{
    if (strlen(want) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(name[i]) != want[i])
            return false;
    return true;
}

/* Whether the comma-separated list v[0, n) holds `token` (any case). */
static bool list_has(const char *v, size_t n, const char *token)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end > start && name_is(v + start, end - start, token))
            return true;
    }
    return false;
}

/* The end of the line starting at p (the LF's index), or -1 when the
 * buffer holds no LF yet. *content_end: where the line's content ends
 * (before a CR that precedes the LF). */
static long line_end(const char *buf, size_t len, size_t p, size_t *content_end)
{
    const char *lf = memchr(buf + p, '\n', len - p);
    if (!lf)
        return -1;
    size_t e = (size_t)(lf - buf);
    *content_end = e > p && buf[e - 1] == '\r' ? e - 1 : e;
    return (long)e;
}

long http_parse_request(const char *buf, size_t len, size_t max_head, struct http_request *req)
{
    if (len > max_head)
        len = max_head;
    /* the whole head must be there before any of it is judged, except
     * that junk in the request line is refused at once */
    size_t p = 0, end;
    long lf;
    /* empty lines before the request line */
    for (;;) {
        lf = line_end(buf, len, p, &end);
        if (lf < 0)
            return len >= max_head ? -431 : 0;
        if (end != p)
            break;
        p = (size_t)lf + 1;
    }

    memset(req, 0, sizeof(*req));
    /* request-line */
    size_t i = p, m = 0;
    while (i < end && tchar((unsigned char)buf[i])) {
        if (m == HTTP_METHOD_MAX)
            return -400;
        req->method[m++] = buf[i++];
    }
    if (!m || i >= end || buf[i] != ' ')
        return -400;
    i++;
    size_t t = 0;
    if (i >= end || buf[i] != '/')
        return -400;   /* origin-form only: no absolute-form, no '*' */
    while (i < end && buf[i] != ' ') {
        unsigned char c = (unsigned char)buf[i];
        if (c <= 0x20 || c == 0x7f)
            return -400;
        if (t == HTTP_TARGET_MAX)
            return -414;
        req->target[t++] = buf[i++];
    }
    if (i >= end || buf[i] != ' ')
        return -400;
    i++;
    static const char version[] = "HTTP/";
    if (end - i != 8 || memcmp(buf + i, version, 5) || buf[i + 6] != '.' ||
        buf[i + 5] < '0' || buf[i + 5] > '9' || buf[i + 7] < '0' || buf[i + 7] > '9')
        return -400;
    if (buf[i + 5] != '1' || (buf[i + 7] != '0' && buf[i + 7] != '1'))
        return -505;
    req->minor = buf[i + 7] - '0';
    bool close = false, keep = false, host = false, te = false;

    /* field lines, up to the empty one */
    for (p = (size_t)lf + 1;; p = (size_t)lf + 1) {
        lf = line_end(buf, len, p, &end);
        if (lf < 0)
            return len >= max_head ? -431 : 0;
        if (end == p)
            break;   /* the blank line: the head is whole */
        if (buf[p] == ' ' || buf[p] == '\t')
            return -400;   /* obs-fold (RFC 9112 section 5.2) */
        if (++req->fields > HTTP_FIELDS_MAX)
            return -431;
        size_t n = p;
        while (n < end && tchar((unsigned char)buf[n]))
            n++;
        if (n == p || n >= end || buf[n] != ':')
            return -400;   /* no name, or blanks before the colon (section 5.1) */
        size_t v = n + 1, ve = end;
        for (size_t k = v; k < end; k++)
            if (!field_byte((unsigned char)buf[k]))
                return -400;
        while (v < ve && (buf[v] == ' ' || buf[v] == '\t'))
            v++;
        while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
            ve--;
        const char *name = buf + p;
        size_t nl = n - p;
        if (name_is(name, nl, "host")) {
            if (host)
                return -400;   /* RFC 9112 section 3.2 */
            host = true;
        } else if (name_is(name, nl, "content-length")) {
            /* RFC 9112 section 6.3: digits only; several equal ones are one */
            uint64_t value = 0;
            if (v == ve)
                return -400;
            for (size_t k = v; k < ve; k++) {
                if (buf[k] < '0' || buf[k] > '9' || value > (UINT64_MAX - 9) / 10)
                    return -400;
                value = value * 10 + (uint64_t)(buf[k] - '0');
            }
            if (req->has_body_length && value != req->content_length)
                return -400;
            req->has_body_length = true;
            req->content_length = value;
        } else if (name_is(name, nl, "transfer-encoding")) {
            te = true;
        } else if (name_is(name, nl, "connection")) {
            close |= list_has(buf + v, ve - v, "close");
            keep |= list_has(buf + v, ve - v, "keep-alive");
        }
    }
    if (te)
        return req->has_body_length ? -400 : -501;   /* section 6.1: both is an attack */
    if (req->minor == 1 && !host)
        return -400;
    /* RFC 9112 section 9.3: 1.1 persists unless closed, 1.0 only if asked */
    req->keep_alive = !close && (req->minor == 1 || keep);
    return lf + 1;
}

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int http_target_path(const char *target, char *out, size_t size)
{
    size_t o = 0;
    for (const char *s = target; *s && *s != '?' && *s != '#'; s++) {
        char c = *s;
        if (c == '%') {
            int h = hex(s[1]), l = h < 0 ? -1 : hex(s[2]);
            if (h < 0 || l < 0)
                return -400;
            c = (char)(h << 4 | l);
            if (!c)
                return -400;
            s += 2;
        }
        if (o + 1 >= size)
            return -414;
        out[o++] = c;
    }
    out[o] = '\0';
    if (o == 0 || out[0] != '/')
        return -400;
    /* no ".." segment, whether sent plainly or escaped */
    for (size_t k = 0; k < o; k++) {
        if (out[k] == '/' && out[k + 1] == '.' && out[k + 2] == '.' &&
            (out[k + 3] == '/' || out[k + 3] == '\0'))
            return -400;
    }
    return 0;
}
