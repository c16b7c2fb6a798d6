/*
 * Kernel options from the boot command line (everything before `--`),
 * kernel/options.c: the one place that knows which options exist.
 */
#ifndef PROTEUS_OPTIONS_H
#define PROTEUS_OPTIONS_H

#include <proteus/types.h>

struct cmdline;

/* Split the command line (kernel/cmdline.c) and report unknown options,
 * malformed env.NAME=value ones and a line cut short (by the split, or by
 * the boot loader: `loader_truncated`). Once, early in the boot. */
void options_parse(const char *line, bool names_image, bool loader_truncated);
/* The value of `key`: "" for a bare `key`, NULL when absent. */
const char *kernel_option(const char *key);
/* A boolean option: absent gives `def`; bare, on, 1 or yes is on; off, 0
 * or no is off; any other value is reported and `def` kept. */
bool kernel_option_bool(const char *key, bool def);
/* The whole parsed line: the app's arguments and environment. */
const struct cmdline *boot_cmdline(void);

#endif
