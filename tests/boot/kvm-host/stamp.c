/*
 * stamp: runs inside the nested KVM host (scripts/build-kvm-host.sh puts it
 * in the initramfs, built static) and does there what tests/boot/run.py's
 * qemu() does on this machine for the clock rows: it copies a guest's
 * console from stdin to stdout, line by line, each line prefixed with the
 * host's CLOCK_MONOTONIC and CLOCK_REALTIME (nanoseconds) taken when the
 * line's first byte arrived, so the runner can compare the guest's clocks
 * with the nested host's (the reference there: docs/testing.md).
 *
 *   usage: stamp TOKEN      output lines: "@TOKEN@ MONO_NS WALL_NS text"
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: stamp TOKEN\n");
        return 2;
    }
    static char line[65536];
    size_t len = 0;
    unsigned long long mono = 0, wall = 0;
    char buf[4096];
    ssize_t n;
    while ((n = read(0, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (len == 0) {
                mono = now(CLOCK_MONOTONIC);
                wall = now(CLOCK_REALTIME);
            }
            if (buf[i] != '\n') {
                line[len++] = buf[i];
                if (len < sizeof(line) - 1)
                    continue;   /* a line this long goes out in pieces */
            }
            line[len] = '\0';
            printf("@%s@ %llu %llu %s\n", argv[1], mono, wall, line);
            fflush(stdout);
            len = 0;
        }
    }
    if (len) {
        line[len] = '\0';
        printf("@%s@ %llu %llu %s\n", argv[1], mono, wall, line);
    }
    return 0;
}
