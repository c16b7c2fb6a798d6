/*
 * kernel/cmdline.c: splitting the boot command line into kernel options and
 * app arguments, option look-up, boolean options, size parsing
 * (`mem=64M`), and the environment: `env.NAME=value` before `--` becomes
 * the app's environment, quoted values keep their blanks, a name given
 * twice keeps its last value, and malformed options are told apart so
 * that the kernel can report them.
 */
/* unit-sources: kernel/cmdline.c */
#include "unit.h"

#include <proteus/cmdline.h>

static struct cmdline c;   /* 1.5 KiB: static, as in the kernel */

/* The parsed words equal `want` (a NULL-terminated list). */
static bool words_are(const char *file, int line, const char *what, const char *const *got,
                      unsigned n, const char *const *want)
{
    unsigned wn = 0;
    while (want[wn])
        wn++;
    bool ok = n == wn;
    for (unsigned i = 0; ok && i < n; i++)
        ok = got[i] && strcmp(got[i], want[i]) == 0;
    if (!ok) {
        unit_fail(file, line, "%s: got %u words, expected %u", what, n, wn);
        for (unsigned i = 0; i < n; i++)
            unit_print_str("got", got[i], strlen(got[i]));
        for (unsigned i = 0; i < wn; i++)
            unit_print_str("expected", want[i], strlen(want[i]));
    }
    return ok;
}
/* The environment built from `cmd` equals `want` (NULL-terminated), every
 * entry inside the buffer it was built in. */
static char env_buf[CMDLINE_MAX];
static char *env[CMDLINE_MAX_OPTS + 1];
static bool env_is(const char *file, int line, const char *cmd, const char *const *want)
{
    cmdline_parse(&c, cmd, false);
    unsigned n = cmdline_env(&c, env_buf, sizeof(env_buf), env, CMDLINE_MAX_OPTS);
    bool inside = env[n] == NULL;
    for (unsigned i = 0; inside && i < n; i++)
        inside = env[i] >= env_buf && env[i] < env_buf + sizeof(env_buf);
    if (!inside)
        unit_fail(file, line, "environment of '%s': not NULL-terminated or outside its buffer", cmd);
    return words_are(file, line, cmd, (const char *const *)env, n, want) && inside;
}
#define ENV_IS(cmd, ...) env_is(__FILE__, __LINE__, cmd, (const char *const[]){ __VA_ARGS__ })

#define OPTS_ARE(...) \
    words_are(__FILE__, __LINE__, "options", c.opts, c.nopts, (const char *const[]){ __VA_ARGS__, NULL })
#define ARGS_ARE(...) \
    words_are(__FILE__, __LINE__, "app args", c.args, c.nargs, (const char *const[]){ __VA_ARGS__, NULL })
#define NO_OPTS() CHECK_EQ(c.nopts, 0)
#define NO_ARGS() CHECK_EQ(c.nargs, 0)

/* Every word lies inside c.buf and is terminated there. */
static bool words_inside_buf(void)
{
    const char *lo = c.buf, *hi = c.buf + sizeof(c.buf);
    for (unsigned i = 0; i < c.nopts + c.nargs; i++) {
        const char *w = i < c.nopts ? c.opts[i] : c.args[i - c.nopts];
        if (w < lo || w >= hi || !memchr(w, '\0', (size_t)(hi - w)))
            return false;
    }
    return true;
}

TEST(cmdline_options_only)
{
    cmdline_parse(&c, "console=com1 debug mem=64M", false);
    OPTS_ARE("console=com1", "debug", "mem=64M");
    NO_ARGS();
    CHECK(!c.truncated);
}

/* The name check kernel/options.c and cmdline_get share: the whole name,
 * then the end or '='; a longer or shorter word is another option. */
TEST(cmdline_match_whole_names)
{
    const char *opt = "tsc_khz=1000000";
    CHECK(cmdline_match(opt, "tsc_khz") == opt + 7);
    CHECK(cmdline_match("quiet", "quiet") != NULL && *cmdline_match("quiet", "quiet") == '\0');
    CHECK(cmdline_match("quietly", "quiet") == NULL);
    CHECK(cmdline_match("qui", "quiet") == NULL);
    CHECK(cmdline_match("apic=x2apic", "apic_clock_khz") == NULL);
    CHECK(cmdline_match("apic_clock_khz=5", "apic") == NULL);
}

TEST(cmdline_app_args_after_dashes)
{
    cmdline_parse(&c, "debug loglevel=7 -- input.txt -v --out=x", false);
    OPTS_ARE("debug", "loglevel=7");
    ARGS_ARE("input.txt", "-v", "--out=x");
    CHECK(!c.truncated);

    cmdline_parse(&c, "-- only app", false);
    NO_OPTS();
    ARGS_ARE("only", "app");
}

TEST(cmdline_only_first_dashes_separates)
{
    cmdline_parse(&c, "a -- b -- c", false);
    OPTS_ARE("a");
    ARGS_ARE("b", "--", "c");

    cmdline_parse(&c, "-- --", false);
    NO_OPTS();
    ARGS_ARE("--");

    /* "--x" and "---" are ordinary words, a trailing "--" gives no args */
    cmdline_parse(&c, "--x --- --", false);
    OPTS_ARE("--x", "---");
    NO_ARGS();
}

TEST(cmdline_skip_first_image_name)
{
    cmdline_parse(&c, "/boot/hello.elf debug -- arg", true);
    OPTS_ARE("debug");
    ARGS_ARE("arg");

    cmdline_parse(&c, "/boot/hello.elf debug -- arg", false);
    OPTS_ARE("/boot/hello.elf", "debug");
    ARGS_ARE("arg");

    /* the image name is the first *word*, whatever precedes it */
    cmdline_parse(&c, "   hello.elf   x=1", true);
    OPTS_ARE("x=1");

    cmdline_parse(&c, "hello.elf", true);
    NO_OPTS();
    NO_ARGS();
    CHECK(!c.truncated);

    cmdline_parse(&c, "hello.elf -- a b", true);
    NO_OPTS();
    ARGS_ARE("a", "b");

    cmdline_parse(&c, "", true);
    NO_OPTS();
    NO_ARGS();
    CHECK(!c.truncated);
}

TEST(cmdline_whitespace)
{
    cmdline_parse(&c, "  a\t\tb \n c\r\n", false);
    OPTS_ARE("a", "b", "c");

    cmdline_parse(&c, "", false);
    NO_OPTS();
    NO_ARGS();
    CHECK(!c.truncated);

    cmdline_parse(&c, " \t\r\n ", false);
    NO_OPTS();
    NO_ARGS();
    CHECK(!c.truncated);

    cmdline_parse(&c, NULL, false);
    NO_OPTS();
    NO_ARGS();
    CHECK(!c.truncated);
}

TEST(cmdline_quotes)
{
    cmdline_parse(&c, "msg=\"hello world\" x -- \"an arg\" b\"c d\"e \"\" \"tab\there\"", false);
    OPTS_ARE("msg=hello world", "x");
    ARGS_ARE("an arg", "bc de", "", "tab\there");
    CHECK_STREQ(cmdline_get(&c, "msg"), "hello world");

    /* an unterminated quote runs to the end of the line */
    cmdline_parse(&c, "-- \"a b  c", false);
    ARGS_ARE("a b  c");
    CHECK(!c.truncated);
}

TEST(cmdline_get_values)
{
    cmdline_parse(&c, "debug console=com1 opt=a=b empty= -- app=1 debug2", false);
    CHECK_STREQ(cmdline_get(&c, "debug"), "");          /* bare key: "" */
    CHECK_STREQ(cmdline_get(&c, "console"), "com1");
    CHECK_STREQ(cmdline_get(&c, "opt"), "a=b");         /* split at the first '=' */
    CHECK_STREQ(cmdline_get(&c, "empty"), "");
    CHECK_STREQ(cmdline_get(&c, "absent"), NULL);
    CHECK_STREQ(cmdline_get(&c, "app"), NULL);          /* app args are not options */
    CHECK_STREQ(cmdline_get(&c, "debug2"), NULL);

    cmdline_parse(&c, "", false);
    CHECK_STREQ(cmdline_get(&c, "debug"), NULL);
}

TEST(cmdline_get_last_occurrence_wins)
{
    cmdline_parse(&c, "mem=1 loglevel=3 mem=2", false);
    CHECK_STREQ(cmdline_get(&c, "mem"), "2");

    cmdline_parse(&c, "mem=1 mem", false);
    CHECK_STREQ(cmdline_get(&c, "mem"), "");

    cmdline_parse(&c, "mem mem=3", false);
    CHECK_STREQ(cmdline_get(&c, "mem"), "3");

    /* a later option that merely starts with the key does not count */
    cmdline_parse(&c, "mem=4 memx=5", false);
    CHECK_STREQ(cmdline_get(&c, "mem"), "4");
}

TEST(cmdline_get_no_prefix_match)
{
    cmdline_parse(&c, "memx=1 mem_limit memory=9", false);
    CHECK_STREQ(cmdline_get(&c, "mem"), NULL);
    CHECK_STREQ(cmdline_get(&c, "memx"), "1");
    CHECK_STREQ(cmdline_get(&c, "mem_limit"), "");

    cmdline_parse(&c, "mem=1", false);
    CHECK_STREQ(cmdline_get(&c, "me"), NULL);
    CHECK_STREQ(cmdline_get(&c, "memx"), NULL);
}

TEST(cmdline_reparse_resets)
{
    char line[512] = "";
    for (int i = 0; i < 40; i++)
        strcat(line, "o ");
    cmdline_parse(&c, line, false);
    CHECK(c.truncated);

    cmdline_parse(&c, "a -- b", false);
    OPTS_ARE("a");
    ARGS_ARE("b");
    CHECK(!c.truncated);
}

static void build_words(char *line, size_t size, const char *prefix, const char *stem, int n)
{
    size_t len = (size_t)snprintf(line, size, "%s", prefix);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(line + len, size - len, " %s%d", stem, i);
}

TEST(cmdline_too_many_options)
{
    char line[CMDLINE_MAX];

    build_words(line, sizeof(line), "", "o", CMDLINE_MAX_OPTS);
    cmdline_parse(&c, line, false);
    CHECK_EQ(c.nopts, CMDLINE_MAX_OPTS);
    CHECK(!c.truncated);

    build_words(line, sizeof(line), "", "o", CMDLINE_MAX_OPTS + 1);
    cmdline_parse(&c, line, false);
    CHECK_EQ(c.nopts, CMDLINE_MAX_OPTS);
    CHECK(c.truncated);
    CHECK_STREQ(c.opts[0], "o0");
    CHECK_STREQ(c.opts[CMDLINE_MAX_OPTS - 1], "o31");
    CHECK_STREQ(cmdline_get(&c, "o31"), "");
    CHECK_STREQ(cmdline_get(&c, "o32"), NULL);

    /* too many options do not eat into the app's arguments */
    build_words(line, sizeof(line), "", "o", CMDLINE_MAX_OPTS + 5);
    strcat(line, " -- a1 a2");
    cmdline_parse(&c, line, false);
    CHECK(c.truncated);
    CHECK_EQ(c.nopts, CMDLINE_MAX_OPTS);
    ARGS_ARE("a1", "a2");
}

TEST(cmdline_too_many_args)
{
    char line[CMDLINE_MAX];

    build_words(line, sizeof(line), "x=1 --", "a", CMDLINE_MAX_ARGS);
    cmdline_parse(&c, line, false);
    CHECK_EQ(c.nargs, CMDLINE_MAX_ARGS);
    CHECK(!c.truncated);

    build_words(line, sizeof(line), "x=1 --", "a", CMDLINE_MAX_ARGS + 1);
    cmdline_parse(&c, line, false);
    CHECK_EQ(c.nargs, CMDLINE_MAX_ARGS);
    CHECK(c.truncated);
    CHECK_STREQ(c.args[0], "a0");
    CHECK_STREQ(c.args[CMDLINE_MAX_ARGS - 1], "a31");
    OPTS_ARE("x=1");
}

TEST(cmdline_too_long_line)
{
    static char line[3 * CMDLINE_MAX];

    /* the longest line that fits: one word of CMDLINE_MAX - 1 characters */
    memset(line, 'w', CMDLINE_MAX - 1);
    line[CMDLINE_MAX - 1] = '\0';
    cmdline_parse(&c, line, false);
    CHECK(!c.truncated);
    CHECK_EQ(c.nopts, 1);
    CHECK_EQ(strlen(c.opts[0]), CMDLINE_MAX - 1);

    /* one character more does not fit, and says so */
    memset(line, 'w', CMDLINE_MAX);
    line[CMDLINE_MAX] = '\0';
    cmdline_parse(&c, line, false);
    CHECK(c.truncated);
    CHECK(words_inside_buf());

    /* a huge app argument: the options before it survive intact */
    strcpy(line, "debug mem=64M -- short ");
    memset(line + strlen(line), 'y', 2 * CMDLINE_MAX);
    line[sizeof(line) - 1] = '\0';
    cmdline_parse(&c, line, false);
    CHECK(c.truncated);
    OPTS_ARE("debug", "mem=64M");
    CHECK_STREQ(cmdline_get(&c, "mem"), "64M");
    CHECK(c.nargs <= 2);
    CHECK(words_inside_buf());

    /* many short words adding up to more than the buffer */
    line[0] = '\0';
    for (int i = 0; i < 20; i++)
        strcat(line, "k=0123456789012345678901234567890123456789012345678901234567890123456789 ");
    cmdline_parse(&c, line, false);
    CHECK(c.truncated);
    CHECK(c.nopts >= 10 && c.nopts < 20);
    CHECK(words_inside_buf());
    for (unsigned i = 0; i < c.nopts; i++)
        CHECK_EQ(strlen(c.opts[i]), 72);
}

TEST(cmdline_parse_size_valid)
{
    u64 v;
    static const struct {
        const char *s;
        u64 want;
    } ok[] = {
        { "0", 0 },
        { "1", 1 },
        { "4096", 4096 },
        { "007", 7 },
        { "64K", 64ULL << 10 },
        { "64k", 64ULL << 10 },
        { "16M", 16ULL << 20 },
        { "16m", 16ULL << 20 },
        { "2G", 2ULL << 30 },
        { "2g", 2ULL << 30 },
        { "0G", 0 },
        { "4096M", 4ULL << 30 },
        { "1099511627776", 1ULL << 40 },
        { "17179869183G", 17179869183ULL << 30 },    /* the largest whole G */
        { "17592186044415M", 17592186044415ULL << 20 },
        { "18446744073709551609", 18446744073709551609ULL },
    };
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
        v = 0xdeadbeef;
        if (!CHECK_EQ(cmdline_parse_size(ok[i].s, &v), 0) || !CHECK_EQ(v, ok[i].want))
            printf("    input \"%s\"\n", ok[i].s);
    }
}

TEST(cmdline_parse_size_rejects)
{
    static const char *const bad[] = {
        "", "K", "M", "-1", "+1", " 1", "1 ", "1KB", "1T", "1.5G", "0x10", "12abc", "G1",
        "18446744073709551616",     /* 2^64 */
        "99999999999999999999",
        "184467440737095516150",
        "17179869184G",             /* 2^64 after the shift */
        "17592186044416M",
        "18014398509481984K",
    };
    u64 v;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (!CHECK_EQ(cmdline_parse_size(bad[i], &v), -1))
            printf("    input \"%s\" (value %llu)\n", bad[i], (unsigned long long)v);
    CHECK_EQ(cmdline_parse_size(NULL, &v), -1);
}

/* The top of the u64 range is representable and must parse: the overflow
 * check may only refuse values that really do not fit. */
TEST(cmdline_parse_size_u64_max)
{
    u64 v = 0;
    static const char *const top[] = { "18446744073709551610", "18446744073709551615" };
    for (size_t i = 0; i < ARRAY_SIZE(top); i++) {
        v = 0;
        if (!CHECK_EQ(cmdline_parse_size(top[i], &v), 0) ||
            !CHECK_EQ(v, strtoull(top[i], NULL, 10)))
            printf("    input \"%s\"\n", top[i]);
    }
}

/* The way boot code uses it: `mem=` from the line, through parse_size. */
TEST(cmdline_mem_option_end_to_end)
{
    u64 v = 0;
    cmdline_parse(&c, "hello.elf console=com1 mem=96M -- run", true);
    const char *mem = cmdline_get(&c, "mem");
    CHECK_STREQ(mem, "96M");
    CHECK_EQ(cmdline_parse_size(mem, &v), 0);
    CHECK_EQ(v, 96ULL << 20);
    CHECK_EQ(cmdline_parse_size(cmdline_get(&c, "console"), &v), -1);
    CHECK_EQ(cmdline_parse_size(cmdline_get(&c, "nomem"), &v), -1);   /* NULL: absent */
}

/* Boolean options: absent keeps the default, bare or on/1/yes is on,
 * off/0/no is off, anything else is refused with the default kept. */
TEST(cmdline_bool_values)
{
    static const struct { const char *line; int ret; bool want; } cases[] = {
        { "", 0, true },   /* absent: the default (true here) stays */
        { "pvstats", 1, true },
        { "pvstats=on", 1, true },
        { "pvstats=1", 1, true },
        { "pvstats=yes", 1, true },
        { "pvstats=off", 1, false },
        { "pvstats=0", 1, false },
        { "pvstats=no", 1, false },
        { "pvstats=", -1, true },   /* empty value: not the bare word */
        { "pvstats=ON", -1, true },
        { "pvstats=onn", -1, true },
        { "pvstats=o", -1, true },
        { "pvstats=2", -1, true },
        { "pvstats=false", -1, true },
        { "pvstatsx", 0, true },    /* another option */
        { "pvstats=off pvstats", 1, true },   /* the last one wins */
        { "pvstats pvstats=no", 1, false },
        { "-- pvstats", 0, true },  /* an app argument, not an option */
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        bool v = true;
        cmdline_parse(&c, cases[i].line, false);
        int ret = cmdline_get_bool(&c, "pvstats", &v);
        if (!CHECK_EQ(ret, cases[i].ret) || !CHECK_EQ(v, cases[i].want))
            printf("    line \"%s\"\n", cases[i].line);
    }
}

/* A refused value leaves a false default false too. */
TEST(cmdline_bool_default_false)
{
    bool v = false;
    cmdline_parse(&c, "quiet=maybe", false);
    CHECK_EQ(cmdline_get_bool(&c, "quiet", &v), -1);
    CHECK_EQ(v, false);
    cmdline_parse(&c, "", false);
    CHECK_EQ(cmdline_get_bool(&c, "quiet", &v), 0);
    CHECK_EQ(v, false);
}

/* Blanks cost nothing: a line longer than the buffer whose words all fit
 * is not "cut short" (found by tests/fuzz/fuzz_cmdline.c). */
TEST(cmdline_long_blanks_not_truncated)
{
    static char line[1200];
    memset(line, ' ', 1100);
    strcpy(line + 1100, "quiet");
    cmdline_parse(&c, line, false);
    CHECK(!c.truncated);
    CHECK_EQ(c.nopts, 1);
    CHECK_STREQ(c.opts[0], "quiet");
}

TEST(cmdline_env_basic)
{
    ENV_IS("quiet env.GREETING=hi env.N=1 -- libc", "GREETING=hi", "N=1", NULL);
    ENV_IS("quiet -- libc", NULL);
    ENV_IS("", NULL);
    /* an empty value is a value */
    ENV_IS("env.EMPTY=", "EMPTY=", NULL);
    /* a value may hold '=' and any other character */
    ENV_IS("env.OPTS=a=b,c.d", "OPTS=a=b,c.d", NULL);
}

TEST(cmdline_env_after_dashes_is_an_argument)
{
    ENV_IS("-- env.X=1", NULL);
    cmdline_parse(&c, "-- env.X=1", false);
    CHECK_EQ(c.nargs, 1);
}

TEST(cmdline_env_quoted_value_keeps_blanks)
{
    ENV_IS("env.GREETING=\"hello,  world\" -- a", "GREETING=hello,  world", NULL);
    ENV_IS("\"env.MOTTO=two words\"", "MOTTO=two words", NULL);
    ENV_IS("env.TAB=\"a\tb\"", "TAB=a\tb", NULL);
}

TEST(cmdline_env_last_value_wins_first_place_stays)
{
    ENV_IS("env.A=1 env.B=2 env.A=3", "A=3", "B=2", NULL);
    /* a name that is a prefix of another is a different name */
    ENV_IS("env.AB=1 env.A=2 env.ABC=3 env.A=4", "AB=1", "A=4", "ABC=3", NULL);
}

TEST(cmdline_env_malformed_left_out)
{
    ENV_IS("env.NOVALUE env.=x env.1X=y env.A-B=z env. env env.OK=1 envX.Y=2", "OK=1", NULL);
}

TEST(cmdline_env_option_kinds)
{
    bool is_env = false;
    CHECK(cmdline_env_option("env.A_b9=", &is_env) && is_env);
    CHECK(cmdline_env_option("env._=x", &is_env) && is_env);
    CHECK(!cmdline_env_option("env.A", &is_env) && is_env);
    CHECK(!cmdline_env_option("env.=v", &is_env) && is_env);
    CHECK(!cmdline_env_option("env.9=v", &is_env) && is_env);
    CHECK(!cmdline_env_option("env.A B=v", &is_env) && is_env);
    CHECK(!cmdline_env_option("env", &is_env) && !is_env);
    CHECK(!cmdline_env_option("environment=x", &is_env) && !is_env);
    CHECK(!cmdline_env_option("quiet", &is_env) && !is_env);
}

TEST(cmdline_env_limits)
{
    /* max entries, then the rest is left out; envp stays terminated */
    cmdline_parse(&c, "env.A=1 env.B=2 env.C=3", false);
    CHECK_EQ(cmdline_env(&c, env_buf, sizeof(env_buf), env, 2), 2);
    CHECK(env[2] == NULL);
    CHECK_STREQ(env[1], "B=2");
    /* a replacement needs no new slot when the table is full */
    cmdline_parse(&c, "env.A=1 env.B=2 env.A=9", false);
    CHECK_EQ(cmdline_env(&c, env_buf, sizeof(env_buf), env, 2), 2);
    CHECK_STREQ(env[0], "A=9");
    /* a small buffer keeps the entries that fit */
    char small[8];
    cmdline_parse(&c, "env.A=1 env.LONGER=value env.B=2", false);
    CHECK_EQ(cmdline_env(&c, small, sizeof(small), env, CMDLINE_MAX_OPTS), 1);
    CHECK_STREQ(env[0], "A=1");
    CHECK(env[1] == NULL);
}

TEST(cmdline_env_copies_are_writable_and_separate)
{
    cmdline_parse(&c, "env.X=abc", false);
    CHECK_EQ(cmdline_env(&c, env_buf, sizeof(env_buf), env, CMDLINE_MAX_OPTS), 1);
    env[0][2] = 'z';   /* what newlib's setenv does to a shorter value */
    CHECK_STREQ(c.opts[0], "env.X=abc");
    CHECK_STREQ(env[0], "X=zbc");
}

TEST(cmdline_parse_uint_bounds)
{
    u64 v = 7;
    CHECK_EQ(cmdline_parse_uint("1", 1, 3600, &v), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(cmdline_parse_uint("3600", 1, 3600, &v), 0);
    CHECK_EQ(v, 3600);
    v = 7;
    CHECK_EQ(cmdline_parse_uint("0", 1, 3600, &v), -1);
    CHECK_EQ(cmdline_parse_uint("3601", 1, 3600, &v), -1);
    CHECK_EQ(cmdline_parse_uint("", 0, 10, &v), -1);
    CHECK_EQ(cmdline_parse_uint("5s", 0, 10, &v), -1);
    CHECK_EQ(cmdline_parse_uint("-1", 0, 10, &v), -1);
    CHECK_EQ(cmdline_parse_uint("18446744073709551616", 0, ~0ULL, &v), -1);
    CHECK_EQ(cmdline_parse_uint(NULL, 0, 10, &v), -1);
    CHECK_EQ(v, 7);   /* untouched by a refusal */
    CHECK_EQ(cmdline_parse_uint("18446744073709551615", 0, ~0ULL, &v), 0);
    CHECK_EQ(v, ~0ULL);
}

/* QEMU's microvm appends virtio_mmio.device= after whatever -append gave,
 * past a `--`: still a kernel option, and the app's arguments stay its. */
TEST(cmdline_machine_option_after_dashes)
{
    static struct cmdline c;
    cmdline_parse(&c, "quiet -- a b virtio_mmio.device=512@0xfeb00e00:12 c", false);
    CHECK_EQ(c.nopts, 2);
    CHECK_STREQ(c.opts[1], "virtio_mmio.device=512@0xfeb00e00:12");
    CHECK_EQ(c.nargs, 3);
    CHECK_STREQ(c.args[2], "c");
    cmdline_parse(&c, "-- virtio_mmio.devicex=1", false);
    CHECK_EQ(c.nopts, 0);   /* only the option itself */
    CHECK_EQ(c.nargs, 1);
}
