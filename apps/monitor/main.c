/*
 * monitor: a teaching monitor. Interactively it is a prompt on the console
 * (`help` lists the commands); given arguments (`monitor -- "pt 0x100000"
 * ops`) it runs each as a command and exits, which is how the boot tests
 * drive it. End of input (Ctrl-D at the start of a line) ends it like
 * `exit`, with status 0. It shows the platform and its ops table
 * (implementation, patching, call counts), one call site's bytes before
 * and after patching and the directive that chose them (`site`), the
 * counts over a stretch of commands (`reset`, `delta`), page-table
 * walks, the APIC (or under Xen PV the event channels), the GDT and LDT,
 * the memory map, the threads, the interrupt counts and the devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "monitor.h"

static int cmd_help(int argc, char **argv);
static int cmd_exit(int argc, char **argv);

static const struct command {
    const char *name, *args, *help;
    int (*run)(int argc, char **argv);
} commands[] = {
    { "help", "", "this list", cmd_help },
    { "platform", "", "the personality, the CPU and the boot line", cmd_platform },
    { "ops", "[filter]", "every platform op: implementation, call sites, patching, calls", cmd_ops },
    { "site", "OP [N]", "call site N of op OP: its bytes as compiled, as built and now, and why", cmd_site },
    { "reset", "", "pvstats: zero every op's call and hypercall counts", cmd_reset },
    { "delta", "[filter]", "pvstats: the calls (and hypercalls) since the last reset or delta", cmd_delta },
    { "pt", "ADDR", "the page-table walk for a virtual address", cmd_pt },
    { "apic", "", "local APIC registers and IOAPIC routing", cmd_apic },
    { "events", "", "Xen PV: the event channels bound, pending and masked", cmd_events },
    { "hv", "", "hypervisors seen in CPUID, what KVM offers and what is in use", cmd_hv },
    { "gdt", "", "this CPU's GDT, decoded", cmd_gdt },
    { "ldt", "", "the current thread's LDT, decoded", cmd_ldt },
    { "mem", "", "the memory map and page-frame use", cmd_mem },
    { "threads", "", "every thread and its state", cmd_threads },
    { "cpu", "[start N]", "the CPUs counted and online; start CPU N through vcpu.start", cmd_cpu },
    { "irqs", "", "interrupt vectors that have fired, with counts", cmd_irqs },
    { "devices", "", "every device the buses found, its driver, and the network devices", cmd_devices },
    { "exit", "[status]", "end the machine", cmd_exit },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int cmd_help(int argc, char **argv)
{
    for (unsigned i = 0; i < NCOMMANDS; i++)
        printf("  %-9s %-9s %s\n", commands[i].name, commands[i].args, commands[i].help);
    return 0;
}

static int cmd_exit(int argc, char **argv)
{
    exit(argc > 1 ? atoi(argv[1]) : 0);
}

int parse_number(const char *s, unsigned long long *out)
{
    char *end;
    if (!s || !*s) {
        printf("monitor: a number is needed\n");
        return -1;
    }
    errno = 0;
    *out = strtoull(s, &end, 0);
    if (*end || *s == '-') {
        printf("monitor: '%s' is not a number\n", s);
        return -1;
    }
    if (errno == ERANGE) {
        printf("monitor: '%s' does not fit in 64 bits\n", s);
        return -1;
    }
    return 0;
}

/* Split `line` in place into words; returns how many. */
static int split(char *line, char **words, int max)
{
    int n = 0;
    for (char *tok = strtok(line, " \t\r\n"); tok && n < max; tok = strtok(NULL, " \t\r\n"))
        words[n++] = tok;
    return n;
}

static int run_line(char *line)
{
    char *words[8];
    int n = split(line, words, 8);
    if (n == 0)
        return 0;
    for (unsigned i = 0; i < NCOMMANDS; i++)
        if (!strcmp(words[0], commands[i].name))
            return commands[i].run(n, words);
    printf("monitor: unknown command '%s' (try help)\n", words[0]);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        int failed = 0;
        for (int i = 1; i < argc; i++) {
            printf("monitor> %s\n", argv[i]);
            char line[256];
            snprintf(line, sizeof(line), "%s", argv[i]);
            failed |= run_line(line) != 0;
        }
        return failed;
    }
    printf("Proteus monitor: type help for the commands\n");
    char line[256];
    for (;;) {
        printf("monitor> ");
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin)) {
            printf("exit (end of input)\n");
            return 0;
        }
        run_line(line);
    }
}
