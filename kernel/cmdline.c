/*
 * Command-line splitting. Kept free of platform calls so that the host
 * tests (tests/unit/test_cmdline.c) exercise exactly this code.
 */
#include <proteus/cmdline.h>
#include <proteus/string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copy the next word of `*src` into `*dst` (NUL-terminated), honouring
 * double quotes. Returns false when there is no further word. */
static bool next_word(const char **src, char **dst, char *end)
{
    const char *s = *src;
    char *d = *dst;

    while (is_space(*s))
        s++;
    if (!*s)
        return false;
    bool quoted = false;
    while (*s && (quoted || !is_space(*s))) {
        if (*s == '"') {
            quoted = !quoted;
            s++;
            continue;
        }
        if (d + 1 >= end)
            return false;
        *d++ = *s++;
    }
    if (d >= end)
        return false;
    *d++ = '\0';
    *src = s;
    *dst = d;
    return true;
}

void cmdline_parse(struct cmdline *c, const char *line, bool skip_first)
{
    char *d = c->buf, *end = c->buf + sizeof(c->buf);
    bool in_args = false;

    c->nopts = c->nargs = 0;
    c->truncated = false;
    if (!line)
        return;
    for (bool first = true;; first = false) {
        char *word = d;
        const char *before = line;
        if (!next_word(&line, &d, end)) {
            /* out of buffer with input left, or simply the end */
            while (is_space(*before))
                before++;
            if (*before)
                c->truncated = true;
            break;
        }
        if (first && skip_first)
            continue;
        if (!in_args && word[0] == '-' && word[1] == '-' && word[2] == '\0') {
            in_args = true;
            continue;
        }
        /* QEMU's microvm appends its devices to the line given with
         * -append (hw/i386/microvm.c), after any `--`: they are still the
         * kernel's (include/drivers/virtio_mmio.h) */
        bool machine_word = !strncmp(word, CMDLINE_MACHINE_OPTION "=", sizeof(CMDLINE_MACHINE_OPTION));
        if (in_args && !machine_word) {
            if (c->nargs < CMDLINE_MAX_ARGS)
                c->args[c->nargs++] = word;
            else
                c->truncated = true;
        } else {
            if (c->nopts < CMDLINE_MAX_OPTS)
                c->opts[c->nopts++] = word;
            else
                c->truncated = true;
        }
    }
}

const char *cmdline_match(const char *opt, const char *key)
{
    while (*key && *opt == *key)
        opt++, key++;
    return !*key && (*opt == '\0' || *opt == '=') ? opt : NULL;
}

/* The value of the last option `key` ("" when bare), and whether it was
 * written with '=' (so `key=` is told apart from `key`). */
static const char *lookup(const struct cmdline *c, const char *key, bool *with_value)
{
    const char *found = NULL;
    for (unsigned i = 0; i < c->nopts; i++) {
        const char *o = cmdline_match(c->opts[i], key);
        if (!o)
            continue;
        *with_value = *o == '=';
        found = *with_value ? o + 1 : o;
    }
    return found;
}

const char *cmdline_get(const struct cmdline *c, const char *key)
{
    bool with_value;
    return lookup(c, key, &with_value);
}

/* The decimal digits at *s, moved past: -1 for none or an overflow. */
static int parse_digits(const char **sp, u64 *out)
{
    const char *s = *sp;
    u64 v = 0;
    if (!s || *s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        u64 digit = (u64)(*s - '0');
        /* v * 10 + digit must not pass 2^64 - 1; the bounds are constants
         * (a division per digit was a libgcc call on i386) */
        if (v > ~0ULL / 10 || (v == ~0ULL / 10 && digit > ~0ULL % 10))
            return -1;
        v = v * 10 + digit;
    }
    *sp = s;
    *out = v;
    return 0;
}

int cmdline_parse_uint(const char *s, u64 min, u64 max, u64 *out)
{
    u64 v;
    if (parse_digits(&s, &v) || *s || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cmdline_parse_size(const char *s, u64 *out)
{
    u64 v;
    if (parse_digits(&s, &v))
        return -1;
    unsigned shift = 0;
    switch (*s) {
    case 'k': case 'K': shift = 10; s++; break;
    case 'm': case 'M': shift = 20; s++; break;
    case 'g': case 'G': shift = 30; s++; break;
    default: break;
    }
    if (*s)
        return -1;
    if (shift && v > (~0ULL >> shift))
        return -1;
    *out = v << shift;
    return 0;
}

static bool str_is(const char *s, const char *word)
{
    while (*s && *s == *word)
        s++, word++;
    return *s == *word;
}

int cmdline_get_bool(const struct cmdline *c, const char *key, bool *value)
{
    bool with_value;
    const char *v = lookup(c, key, &with_value);
    if (!v)
        return 0;
    if (!with_value || str_is(v, "on") || str_is(v, "1") || str_is(v, "yes")) {
        *value = true;
        return 1;
    }
    if (str_is(v, "off") || str_is(v, "0") || str_is(v, "no")) {
        *value = false;
        return 1;
    }
    return -1;
}

static bool is_name_char(char c, bool first)
{
    if (c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return !first && c >= '0' && c <= '9';
}

bool cmdline_env_option(const char *opt, bool *is_env)
{
    const char *p = CMDLINE_ENV_PREFIX;
    while (*p && *opt == *p)
        opt++, p++;
    *is_env = *p == '\0';
    if (!*is_env || !is_name_char(*opt, true))
        return false;
    while (is_name_char(*opt, false))
        opt++;
    return *opt == '=';
}

/* Whether entries `a` and `b` ("NAME=value") have the same NAME. */
static bool same_name(const char *a, const char *b)
{
    while (*a != '=' && *a == *b)
        a++, b++;
    return *a == '=' && *b == '=';
}

unsigned cmdline_env(const struct cmdline *c, char *buf, size_t size, char **envp, unsigned max)
{
    char *d = buf, *end = buf + size;
    unsigned n = 0;

    for (unsigned i = 0; i < c->nopts; i++) {
        bool is_env;
        if (!cmdline_env_option(c->opts[i], &is_env))
            continue;
        const char *entry = c->opts[i] + sizeof(CMDLINE_ENV_PREFIX) - 1;
        size_t len = 0;
        while (entry[len])
            len++;
        /* The entries are shorter than the options they come from, so a
         * buffer of CMDLINE_MAX bytes always holds them all; a smaller one
         * ends at the first that does not fit. */
        if ((size_t)(end - d) <= len)
            break;
        unsigned slot = 0;
        while (slot < n && !same_name(envp[slot], entry))
            slot++;
        if (slot == n) {
            if (n == max)
                break;
            n++;
        }
        /* A replaced value's old copy stays in buf, unused. */
        for (size_t k = 0; k <= len; k++)
            d[k] = entry[k];
        envp[slot] = d;
        d += len + 1;
    }
    envp[n] = NULL;
    return n;
}
