/*
 * kernel/cmdline.c against any command line a boot loader or a Xen
 * start_info may hand the kernel.
 *
 * Input: one flags byte (bit 0: skip_first, as for Multiboot; bit 1: also
 * parse a NULL line first), then the line up to the first NUL byte; after
 * it, NUL-separated extra strings used as option names to look up and as
 * sizes to parse.
 *
 * Invariants, beyond "no memory error":
 *   - the split equals an independent model of the documented rules
 *     (words on blanks, double quotes group and are dropped, the first
 *     `--` starts the app's arguments but for microvm's device words,
 *     which stay options, words that do not fit in the
 *     buffer or the tables are cut and `truncated` says so), word by word;
 *   - counts within CMDLINE_MAX_OPTS / CMDLINE_MAX_ARGS; every word lies
 *     in c.buf, NUL-terminated there, and no two overlap;
 *   - a line that was not cut parses again, after joining its words
 *     back (quoted where needed), to the same words;
 *   - cmdline_get / cmdline_get_bool return what the model's last match
 *     says (a pointer into c.buf), and leave *value alone when they
 *     should; cmdline_parse_size equals a model with exact overflow
 *     checks and leaves *out alone on refusal;
 *   - cmdline_env (the app's environment from env.NAME=value options):
 *     with a CMDLINE_MAX buffer and room for every entry, exactly one
 *     entry per distinct well-formed NAME, in first-appearance order,
 *     holding the last value given; with smaller buffers and tables, a
 *     prefix of that, every entry inside the buffer and NUL-terminated,
 *     and envp[n] NULL.
 */
/* fuzz-sources: kernel/cmdline.c */
#include "fuzz.h"

#include <proteus/cmdline.h>

#define MAX_EXTRAS 8

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ---- the model --------------------------------------------------------- */

struct model {
    char store[CMDLINE_MAX];   /* the words that fit, NUL-separated */
    const char *opts[CMDLINE_MAX_OPTS], *args[CMDLINE_MAX_ARGS];
    unsigned nopts, nargs;
    bool truncated;
};

static void model_parse(struct model *m, const char *line, bool skip_first)
{
    size_t used = 0, at = 0;
    bool in_args = false, first = true;
    m->nopts = m->nargs = 0;
    m->truncated = false;   /* only a word or a table entry lost sets it */
    for (size_t i = 0;;) {
        while (blank(line[i]))
            i++;
        if (!line[i])
            break;
        /* the word's length first: only a word that fits is copied */
        size_t wl = 0, j = i;
        bool quoted = false;
        for (; line[j] && (quoted || !blank(line[j])); j++) {
            if (line[j] == '"')
                quoted = !quoted;
            else
                wl++;
        }
        /* the kernel's buffer holds each word and its NUL, the skipped
         * first word included */
        if (used + wl + 1 > CMDLINE_MAX) {
            m->truncated = true;
            break;
        }
        char *w = m->store + at;
        for (wl = 0; i < j; i++)
            if (line[i] != '"')
                w[wl++] = line[i];
        w[wl] = '\0';
        used += wl + 1;
        at += wl + 1;
        bool was_first = first;
        first = false;
        if (was_first && skip_first)
            continue;
        if (!in_args && !strcmp(w, "--")) {
            in_args = true;
            continue;
        }
        /* a machine word (QEMU's microvm appends its devices after the
         * line, `--` included) is an option wherever it stands */
        bool app = in_args && strncmp(w, CMDLINE_MACHINE_OPTION "=",
                                      strlen(CMDLINE_MACHINE_OPTION "="));
        if (app && m->nargs < CMDLINE_MAX_ARGS)
            m->args[m->nargs++] = w;
        else if (!app && m->nopts < CMDLINE_MAX_OPTS)
            m->opts[m->nopts++] = w;
        else
            m->truncated = true;
    }
}

static const char *model_get(const struct cmdline *c, const char *key, bool *with_value)
{
    const char *found = NULL;
    size_t kl = strlen(key);
    for (unsigned i = 0; i < c->nopts; i++) {
        const char *o = c->opts[i];
        if (strncmp(o, key, kl))
            continue;
        if (o[kl] == '\0')
            found = o + kl, *with_value = false;
        else if (o[kl] == '=')
            found = o + kl + 1, *with_value = true;
    }
    return found;
}

static int model_parse_size(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !(*s >= '0' && *s <= '9'))
        return -1;
    for (; *s >= '0' && *s <= '9'; s++)
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
            return -1;
    unsigned shift = 0;
    if (*s && strchr("kK", *s))
        shift = 10, s++;
    else if (*s && strchr("mM", *s))
        shift = 20, s++;
    else if (*s && strchr("gG", *s))
        shift = 30, s++;
    if (*s || (shift && v >> (64 - shift)))
        return -1;
    *out = v << shift;
    return 0;
}

/* ---- checks ------------------------------------------------------------ */

/* Every word inside c.buf, NUL-terminated there, quote-free, and no two
 * overlapping. Checked in the buffer's order, which is the line's: a
 * microvm device word after `--` is an option though the app's arguments
 * before it lie earlier in the buffer (kernel/cmdline.c). */
static void check_words(const struct cmdline *c)
{
    const char *lo = c->buf, *hi = c->buf + sizeof(c->buf), *prev_end = lo;
    const char *w[CMDLINE_MAX_OPTS + CMDLINE_MAX_ARGS];
    FUZZ_CHECK(c->nopts <= CMDLINE_MAX_OPTS, "nopts %u", c->nopts);
    FUZZ_CHECK(c->nargs <= CMDLINE_MAX_ARGS, "nargs %u", c->nargs);
    unsigned n = 0;
    for (unsigned i = 0; i < c->nopts; i++)
        w[n++] = c->opts[i];
    for (unsigned i = 0; i < c->nargs; i++)
        w[n++] = c->args[i];
    for (unsigned i = 1; i < n; i++)   /* insertion sort by address */
        for (unsigned j = i; j > 0 && w[j] < w[j - 1]; j--) {
            const char *t = w[j];
            w[j] = w[j - 1];
            w[j - 1] = t;
        }
    for (unsigned i = 0; i < n; i++) {
        FUZZ_CHECK(w[i] >= lo && w[i] < hi, "word at %p outside c.buf [%p, %p)",
                   (const void *)w[i], (const void *)lo, (const void *)hi);
        const char *nul = memchr(w[i], '\0', (size_t)(hi - w[i]));
        FUZZ_CHECK(nul != NULL, "word at %p not NUL-terminated inside c.buf", (const void *)w[i]);
        FUZZ_CHECK(w[i] >= prev_end, "word \"%s\" overlaps the word before it", w[i]);
        FUZZ_CHECK(!memchr(w[i], '"', (size_t)(nul - w[i])), "word \"%s\" kept a quote", w[i]);
        prev_end = nul + 1;
    }
}

static void same_words(const char *what, const char *const *got, unsigned ngot,
                       const char *const *want, unsigned nwant, const char *line)
{
    FUZZ_CHECK(ngot == nwant, "%s: %u words, the model has %u, line \"%s\"", what, ngot, nwant,
               line);
    for (unsigned i = 0; i < ngot; i++)
        FUZZ_CHECK(!strcmp(got[i], want[i]), "%s word %u is \"%s\", the model has \"%s\"", what,
                   i, got[i], want[i]);
}

static void check_against_model(const struct cmdline *c, const char *line, bool skip_first)
{
    static struct model m;
    model_parse(&m, line, skip_first);
    same_words("options", c->opts, c->nopts, m.opts, m.nopts, line);
    same_words("app args", c->args, c->nargs, m.args, m.nargs, line);
    FUZZ_CHECK(c->truncated == m.truncated, "truncated %d, the model says %d", c->truncated,
               m.truncated);
}

/* Join words back into a line that quotes what needs quoting. */
static size_t join(char *out, const char *const *w, unsigned n, size_t at)
{
    for (unsigned i = 0; i < n; i++) {
        bool quote = !w[i][0];
        for (const char *p = w[i]; *p; p++)
            quote |= blank(*p);
        if (at)
            out[at++] = ' ';
        if (quote)
            out[at++] = '"';
        size_t l = strlen(w[i]);
        memcpy(out + at, w[i], l);
        at += l;
        if (quote)
            out[at++] = '"';
    }
    out[at] = '\0';
    return at;
}

static void check_rejoin(const struct cmdline *c)
{
    static char line2[4 * CMDLINE_MAX];
    static struct cmdline c2;
    if (c->truncated)
        return;   /* words were lost: nothing to compare with */
    size_t at = join(line2, c->opts, c->nopts, 0);
    if (c->nargs) {
        static const char *const dashes[] = { "--" };
        at = join(line2, dashes, 1, at);
        at = join(line2, c->args, c->nargs, at);
    }
    cmdline_parse(&c2, line2, false);
    same_words("re-joined options", c2.opts, c2.nopts, c->opts, c->nopts, line2);
    same_words("re-joined app args", c2.args, c2.nargs, c->args, c->nargs, line2);
    /* the same words fit again, however long the line re-joined */
    FUZZ_CHECK(!c2.truncated, "re-joined line of %zu bytes: truncated", at);
}

static void check_size_of(const char *s)
{
    uint64_t got = 0x5a5a5a5a5a5a5a5aULL, want = got;
    int r = cmdline_parse_size(s, &got), mr = model_parse_size(s, &want);
    FUZZ_CHECK(r == mr && got == want, "cmdline_parse_size(\"%s\") = %d, %#llx; model %d, %#llx",
               s, r, (unsigned long long)got, mr, (unsigned long long)want);
}

static void check_lookup(const struct cmdline *c, const char *key)
{
    bool with_value = false;
    const char *want = model_get(c, key, &with_value);
    const char *got = cmdline_get(c, key);
    FUZZ_CHECK(got == want, "cmdline_get(\"%s\") = %p, the model says %p", key,
               (const void *)got, (const void *)want);
    if (got)
        FUZZ_CHECK(got >= c->buf && got < c->buf + sizeof(c->buf), "value of %s outside c.buf",
                   key);

    for (int start = 0; start < 2; start++) {
        bool v = start, mv = start;
        int r = cmdline_get_bool(c, key, &v), mr;
        if (!want) {
            mr = 0;
        } else if (!with_value || !strcmp(want, "on") || !strcmp(want, "1") ||
                   !strcmp(want, "yes")) {
            mr = 1, mv = true;
        } else if (!strcmp(want, "off") || !strcmp(want, "0") || !strcmp(want, "no")) {
            mr = 1, mv = false;
        } else {
            mr = -1;
        }
        FUZZ_CHECK(r == mr && v == mv, "cmdline_get_bool(\"%s\") = %d value %d, the model %d/%d",
                   key, r, v, mr, mv);
    }
    if (want)
        check_size_of(want);
}

/* The model of the environment: NAME=value for each distinct well-formed
 * name, at its first place, with the value of its last option. */
static unsigned model_env(const struct cmdline *c, const char **entries)
{
    unsigned n = 0;
    for (unsigned i = 0; i < c->nopts; i++) {
        const char *o = c->opts[i];
        if (strncmp(o, "env.", 4))
            continue;
        const char *e = o + 4;
        size_t nl = 0;
        while (e[nl] == '_' || (e[nl] >= 'a' && e[nl] <= 'z') || (e[nl] >= 'A' && e[nl] <= 'Z') ||
               (nl > 0 && e[nl] >= '0' && e[nl] <= '9'))
            nl++;
        if (nl == 0 || e[nl] != '=')
            continue;
        unsigned k = 0;
        while (k < n && !(strncmp(entries[k], e, nl + 1) == 0))
            k++;
        entries[k] = e;
        if (k == n)
            n++;
    }
    return n;
}

static void check_env(const struct cmdline *c)
{
    static char buf[CMDLINE_MAX];
    char *envp[CMDLINE_MAX_OPTS + 1];
    const char *want[CMDLINE_MAX_OPTS];
    unsigned wn = model_env(c, want);

    for (size_t i = 0; i < c->nopts; i++) {
        bool is_env;
        bool ok = cmdline_env_option(c->opts[i], &is_env);
        FUZZ_CHECK(is_env == !strncmp(c->opts[i], "env.", 4), "env prefix misjudged: '%s'",
                   c->opts[i]);
        FUZZ_CHECK(!ok || is_env, "'%s' accepted without the env. prefix", c->opts[i]);
    }
    unsigned n = cmdline_env(c, buf, sizeof(buf), envp, CMDLINE_MAX_OPTS);
    FUZZ_CHECK(n == wn, "%u environment entries, the model says %u", n, wn);
    FUZZ_CHECK(envp[n] == NULL, "envp[%u] is not NULL", n);
    for (unsigned i = 0; i < n; i++)
        FUZZ_CHECK(!strcmp(envp[i], want[i]), "entry %u is '%s', the model says '%s'", i,
                   envp[i], want[i]);

    /* Smaller buffers and tables: a prefix of the whole, inside the buffer. */
    for (size_t size = 0; size <= 64; size += 7) {
        for (unsigned max = 0; max <= 3; max++) {
            unsigned m = cmdline_env(c, buf, size, envp, max);
            FUZZ_CHECK(m <= max && m <= wn, "%u entries with room for %u", m, max);
            FUZZ_CHECK(envp[m] == NULL, "envp[%u] is not NULL (size %zu)", m, size);
            for (unsigned i = 0; i < m; i++) {
                FUZZ_CHECK(envp[i] >= buf && envp[i] + strlen(envp[i]) < buf + size,
                           "entry %u outside a buffer of %zu bytes", i, size);
                FUZZ_CHECK(!strncmp(envp[i], want[i], strcspn(want[i], "=") + 1),
                           "entry %u is '%s', the model's name is in '%s'", i, envp[i], want[i]);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cmdline c;   /* 1.5 KiB: static, as in the kernel */
    struct fuzz_in in = fuzz_in(data, size);
    uint8_t flags = fuzz_u8(&in);
    bool skip_first = flags & 1;

    if (flags & 2) {
        cmdline_parse(&c, NULL, skip_first);
        FUZZ_CHECK(c.nopts == 0 && c.nargs == 0 && !c.truncated, "NULL line gave words");
    }

    /* The line: an exact heap copy with its NUL, so reading past the end
     * of the string is an ASan report. */
    size_t rest = fuzz_left(&in), got;
    const uint8_t *p = fuzz_bytes(&in, rest, &got);
    const uint8_t *nul = memchr(p, 0, got);
    size_t line_len = nul ? (size_t)(nul - p) : got;
    char *line = malloc(line_len + 1);
    memcpy(line, p, line_len);
    line[line_len] = '\0';

    cmdline_parse(&c, line, skip_first);
    check_words(&c);
    check_against_model(&c, line, skip_first);
    check_rejoin(&c);
    check_env(&c);

    /* Look up every option's own name, a few fixed ones, and the extras. */
    static const char *const fixed[] = { "quiet", "mem", "acpi", "" };
    for (unsigned i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        check_lookup(&c, fixed[i]);
    for (unsigned i = 0; i < c.nopts && i < 8; i++) {
        char key[CMDLINE_MAX];
        size_t kl = strcspn(c.opts[i], "=");
        memcpy(key, c.opts[i], kl);
        key[kl] = '\0';
        check_lookup(&c, key);
    }
    size_t at = nul ? line_len + 1 : got;
    for (unsigned n = 0; n < MAX_EXTRAS && at < got; n++) {
        const uint8_t *e = p + at, *end = memchr(e, 0, got - at);
        size_t el = end ? (size_t)(end - e) : got - at;
        char *extra = malloc(el + 1);
        memcpy(extra, e, el);
        extra[el] = '\0';
        check_lookup(&c, extra);
        check_size_of(extra);
        free(extra);
        at += el + 1;
    }
    free(line);
    return 0;
}
