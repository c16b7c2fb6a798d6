/*
 * kernel/cmdline.c's environment options: `env.NAME=value` before `--`
 * becomes the app's environment, quoted values keep their blanks, a name
 * given twice keeps its last value, and malformed options are told apart
 * so that the kernel can report them.
 */
#include "unit.h"

#include <proteus/cmdline.h>

static struct cmdline c;
static char buf[CMDLINE_MAX];
static char *env[CMDLINE_MAX_OPTS + 1];

/* The environment built from `line` equals `want` (NULL-terminated). */
static bool env_is(const char *file, int line, const char *cmd, const char *const *want)
{
    cmdline_parse(&c, cmd, false);
    unsigned n = cmdline_env(&c, buf, sizeof(buf), env, CMDLINE_MAX_OPTS), wn = 0;
    while (want[wn])
        wn++;
    bool ok = n == wn && env[n] == NULL;
    for (unsigned i = 0; ok && i < n; i++)
        ok = strcmp(env[i], want[i]) == 0 && env[i] >= buf && env[i] < buf + sizeof(buf);
    if (!ok) {
        unit_fail(file, line, "environment of '%s': %u entries, expected %u", cmd, n, wn);
        for (unsigned i = 0; i < n; i++)
            unit_print_str("got", env[i], strlen(env[i]));
        for (unsigned i = 0; i < wn; i++)
            unit_print_str("expected", want[i], strlen(want[i]));
    }
    return ok;
}
#define ENV_IS(cmd, ...) env_is(__FILE__, __LINE__, cmd, (const char *const[]){ __VA_ARGS__ })

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
    CHECK_EQ(cmdline_env(&c, buf, sizeof(buf), env, 2), 2);
    CHECK(env[2] == NULL);
    CHECK_STREQ(env[1], "B=2");
    /* a replacement needs no new slot when the table is full */
    cmdline_parse(&c, "env.A=1 env.B=2 env.A=9", false);
    CHECK_EQ(cmdline_env(&c, buf, sizeof(buf), env, 2), 2);
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
    CHECK_EQ(cmdline_env(&c, buf, sizeof(buf), env, CMDLINE_MAX_OPTS), 1);
    env[0][2] = 'z';   /* what newlib's setenv does to a shorter value */
    CHECK_STREQ(c.opts[0], "env.X=abc");
    CHECK_STREQ(env[0], "X=zbc");
}
