/*
 * echo: reads lines from the console and prints each back, until two lines
 * have been read or input ends (Ctrl-D at the start of a line, which the
 * boot-test runner sends after a row's input; docs/console.md). It
 * exercises the console's read path through newlib's stdio, which the boot
 * tests drive by typing on the serial line. `echo -- N` reads N lines
 * instead of two. At the end it says how long it waited for input and how
 * many timer interrupts the kernel took meanwhile: none, as a blocked
 * read() waits for the console's input interrupt, not for a tick
 * (kernel/console.c).
 *
 * Given bounds, it judges those figures itself (the echo-idle boot rows):
 * `min-wait-ms=MS` (the wait really happened) and `max-ticks=N` (the read
 * was tickless; the rows' allowance depends on the platform, so they pass
 * it) each print a PASS or FAIL line with the figure and the bound, and a
 * FAIL makes the exit status 1. Without bounds the status is 0.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <proteus/timer.h>

/* A bound given as NAME=VALUE; `given` is false when the argument is absent. */
struct bound {
    const char *name;
    bool given;
    unsigned long long value;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Read `arg` as one of the bounds b[0..nb-1], NAME=VALUE in decimal; false
 * if it is none of them or its value is not a number. */
static bool parse_bound(const char *arg, struct bound *b, int nb)
{
    for (int k = 0; k < nb; k++) {
        size_t len = strlen(b[k].name);
        if (strncmp(arg, b[k].name, len) || arg[len] != '=')
            continue;
        const char *val = arg + len + 1;
        char *end;
        b[k].value = strtoull(val, &end, 10);
        b[k].given = true;
        return *val >= '0' && *val <= '9' && !*end;
    }
    return false;
}

static const char *verdict(bool ok)
{
    return ok ? "PASS" : "FAIL";
}

int main(int argc, char **argv)
{
    int lines = argc > 1 ? atoi(argv[1]) : 2;
    struct bound bounds[] = { { "min-wait-ms", false, 0 }, { "max-ticks", false, 0 } };
    char buf[256];
    uint64_t waited_ns = 0, ticks = 0;

    for (int i = 2; i < argc; i++) {
        if (!parse_bound(argv[i], bounds, 2)) {
            printf("echo: '%s' is not min-wait-ms=MS or max-ticks=N\n", argv[i]);
            return 2;
        }
    }
    printf("echo: ready\n");
    fflush(stdout);
    for (int i = 0; i < lines; i++) {
        uint64_t t0 = now_ns(), k0 = timer_interrupts;
        char *got = fgets(buf, sizeof(buf), stdin);
        waited_ns += now_ns() - t0;
        ticks += timer_interrupts - k0;
        if (!got) {
            printf("echo: end of input\n");
            break;
        }
        buf[strcspn(buf, "\r\n")] = '\0';
        printf("echo: %s\n", buf);
    }
    unsigned long long waited_ms = waited_ns / 1000000;
    printf("echo: waited %llu ms for input, %llu timer interrupts meanwhile\n", waited_ms,
           (unsigned long long)ticks);

    /* Each bound given is judged here, and said with the figure and the
     * bound, PASS or FAIL. */
    bool wait_ok = !bounds[0].given || waited_ms >= bounds[0].value;
    bool ticks_ok = !bounds[1].given || ticks <= bounds[1].value;
    if (bounds[0].given)
        printf("%s  echo.wait: waited %llu ms for input, at least %llu ms\n", verdict(wait_ok),
               waited_ms, bounds[0].value);
    if (bounds[1].given)
        printf("%s  echo.ticks: %llu timer interrupts while waiting, at most %llu\n",
               verdict(ticks_ok), (unsigned long long)ticks, bounds[1].value);
    return wait_ok && ticks_ok ? 0 : 1;
}
