/*
 * ticker: the model of a long-running appliance, for the lifecycle a
 * toolstack drives (docs/lifecycle.md). It prints "tick N" every 200 ms
 * and keeps running until it is told to stop:
 *
 *   - SIGTERM (Xen's `xl shutdown` and `xl reboot` reach the app as
 *     SIGTERM): it finishes the tick it is in, says so and exits 0, so the
 *     domain powers off or reboots as asked;
 *   - a line "quit" typed on the console: it exits 0 (console input);
 *   - any other line is echoed back, to show input arrives.
 *
 * It also shows the xenstore key data/config whenever its value changes
 * (the toolstack can write it: `xenstore-write /local/domain/N/data/config
 * v`), read with proteus_xenstore_read.
 *
 * Arguments: `ignore-term` ignores SIGTERM (the kernel then ends the app
 * after its grace time), `default-term` leaves SIGTERM's default action
 * (the kernel ends the app at once); `ticks=N` exits 0 after N ticks.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <proteus/api.h>

static volatile sig_atomic_t stop_signal;
static volatile int quit_typed;

static void on_term(int sig)
{
    stop_signal = sig;
}

/* Console lines: "quit" stops, anything else is echoed. */
static void *reader(void *unused)
{
    char line[128];
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strcmp(line, "quit")) {
            quit_typed = 1;
            break;
        }
        printf("ticker: typed '%s'\n", line);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long limit = -1;
    const char *term = "handled";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "ignore-term")) {
            signal(SIGTERM, SIG_IGN);
            term = "ignored";
        } else if (!strcmp(argv[i], "default-term")) {
            term = "default";
        } else if (!strncmp(argv[i], "ticks=", 6)) {
            limit = strtol(argv[i] + 6, NULL, 10);
        } else {
            printf("ticker: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!strcmp(term, "handled"))
        signal(SIGTERM, on_term);
    pthread_t t;
    if (pthread_create(&t, NULL, reader, NULL) != 0) {
        printf("ticker: no reader thread\n");
        return 1;
    }
    printf("ticker: started (SIGTERM %s)\n", term);
    char config[256] = "", now[256];
    for (long n = 1; limit < 0 || n <= limit; n++) {
        int len = proteus_xenstore_read("data/config", now, sizeof(now));
        if (len >= 0 && strcmp(now, config)) {
            strcpy(config, now);
            printf("ticker: data/config = '%s'\n", config);
        }
        printf("tick %ld\n", n);
        fflush(stdout);
        usleep(200000);
        if (stop_signal) {
            printf("ticker: SIGTERM after tick %ld (the platform asks for a %s): exiting\n", n,
                   proteus_shutdown_requested() == 2 ? "reboot" : "poweroff");
            return 0;
        }
        if (quit_typed) {
            printf("ticker: quit typed after tick %ld: exiting\n", n);
            return 0;
        }
    }
    return 0;
}
