/*
 * The teaching monitor's commands, one table (main.c) of name, help and
 * function; each prints what it shows and returns 0, or non-zero with a
 * message for a bad argument.
 */
#ifndef MONITOR_H
#define MONITOR_H

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

/* Parse a number (0x for hex); -1 and a message if it is not one. */
int parse_number(const char *s, unsigned long long *out);

#endif
