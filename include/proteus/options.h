/*
 * Kernel options from the boot command line (everything before `--`).
 * The table of known options is in kernel/main.c, which reports unknown ones.
 */
#ifndef PROTEUS_OPTIONS_H
#define PROTEUS_OPTIONS_H

/* The value of `key`: "" for a bare `key`, NULL when absent. */
const char *kernel_option(const char *key);

#endif
