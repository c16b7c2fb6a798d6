/*
 * echo: reads lines from the console and prints each back, until two lines
 * have been read or input ends (Ctrl-D at the start of a line, which the
 * boot-test runner sends after a row's input; docs/console.md), and exits
 * with status 0 either way. It exercises the console's read path
 * through newlib's stdio, which the boot tests drive by typing on the
 * serial line. `echo -- N` reads N lines instead of two. At the end it says
 * how long it waited for input and how many timer interrupts the kernel
 * took meanwhile: none, as a blocked read() waits for the console's input
 * interrupt, not for a tick (kernel/console.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <proteus/timer.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int lines = argc > 1 ? atoi(argv[1]) : 2;
    char buf[256];
    uint64_t waited_ns = 0, ticks = 0;

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
    printf("echo: waited %llu ms for input, %llu timer interrupts meanwhile\n",
           (unsigned long long)(waited_ns / 1000000), (unsigned long long)ticks);
    return 0;
}
