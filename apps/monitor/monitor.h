/*
 * The teaching monitor's commands, one table (main.c) of name, help and
 * function; each prints what it shows and returns 0, or non-zero with a
 * message for a bad argument.
 */
#ifndef MONITOR_H
#define MONITOR_H

#include <stddef.h>

int cmd_platform(int argc, char **argv);
int cmd_ops(int argc, char **argv);
int cmd_pt(int argc, char **argv);
int cmd_apic(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_hv(int argc, char **argv);
int cmd_gdt(int argc, char **argv);
int cmd_ldt(int argc, char **argv);
int cmd_mem(int argc, char **argv);
int cmd_threads(int argc, char **argv);
int cmd_irqs(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_site(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_delta(int argc, char **argv);
int cmd_cpu(int argc, char **argv);

/* What the personality directs for an op's sites, "inline fa (cli)" or
 * "call xen_irq_disable"; and with the mode that overrides it, "counting;
 * would be inline fa (cli)" (patching.c). */
struct pvop_info;
void describe_directive(const struct pvop_info *op, char *out, size_t size);
void describe_mode_directive(const struct pvop_info *op, char *out, size_t size);

/* Parse a number (0x for hex); -1 and a message if it is not one. */
int parse_number(const char *s, unsigned long long *out);

#endif
