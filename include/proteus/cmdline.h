/*
 * The boot command line: `[kernel options] [-- app arguments]`. Kernel
 * options are words `key` or `key=value`; everything after the first `--`
 * becomes the app's argv[1..]. Double quotes group words with spaces.
 * Options `env.NAME=value` become the app's environment (environ, main's
 * envp) instead of kernel settings. Pure code: host unit tests compile kernel/cmdline.c unchanged.
 */
#ifndef PROTEUS_CMDLINE_H
#define PROTEUS_CMDLINE_H

#include <proteus/types.h>

#define CMDLINE_MAX 1024
#define CMDLINE_MAX_OPTS 32
#define CMDLINE_MAX_ARGS 32

/* The one option that counts as the kernel's wherever it is, even after
 * `--`: QEMU's microvm appends it to the line the user gave. */
#define CMDLINE_MACHINE_OPTION "virtio_mmio.device"

struct cmdline {
    char buf[CMDLINE_MAX];
    const char *opts[CMDLINE_MAX_OPTS];
    unsigned nopts;
    const char *args[CMDLINE_MAX_ARGS];   /* app arguments, argv[1..] */
    unsigned nargs;
    bool truncated;                       /* line or a table was too long */
};

/* Split `line` into options and app arguments. With `skip_first`, the first
 * word (the image name a Multiboot loader puts first) is dropped. */
void cmdline_parse(struct cmdline *c, const char *line, bool skip_first);

/* The value of option `key`: "" for a bare `key`, NULL when absent. The
 * last occurrence wins, as on Linux. */
const char *cmdline_get(const struct cmdline *c, const char *key);
/* Whether the option `opt` is `key`, bare or key=value: where its name
 * ends (at '\0' or '='), else NULL. */
const char *cmdline_match(const char *opt, const char *key);

/* A boolean option `key`: a bare `key` or key=on|1|yes sets *value to
 * true, key=off|0|no to false (returns 1); absent, *value is left alone,
 * the caller's default (returns 0); any other value leaves it alone too
 * and returns -1, for the caller to report. The last occurrence wins. */
int cmdline_get_bool(const struct cmdline *c, const char *key, bool *value);

/* The prefix of an environment option, `env.NAME=value`. */
#define CMDLINE_ENV_PREFIX "env."

/* Whether option `opt` is an environment option at all (it starts with
 * `env.`) and, returned, whether it is a well-formed one: `env.NAME=value`
 * with a NAME of letters, digits and underscores that does not start with
 * a digit (the portable names of POSIX.1-2017, XBD 8.1), and any value,
 * the empty one included. */
bool cmdline_env_option(const char *opt, bool *is_env);

/* Build the environment from the well-formed environment options: each
 * becomes a string "NAME=value" copied into `buf` (so the app may rewrite
 * it without touching the kernel's options), listed in `envp` in command-
 * line order, at most `max` entries and then a NULL (envp holds max + 1).
 * A NAME given twice keeps its first place and its last value, as every
 * other option does. Returns the number of entries. */
unsigned cmdline_env(const struct cmdline *c, char *buf, size_t size, char **envp, unsigned max);

/* Parse a size with an optional K/M/G suffix; -1 on malformed input. */
int cmdline_parse_size(const char *s, u64 *out);
/* Parse a decimal number within [min, max]; -1 on malformed input or one
 * outside. */
int cmdline_parse_uint(const char *s, u64 min, u64 max, u64 *out);

#endif
