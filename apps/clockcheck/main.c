/*
 * clockcheck: prints the monotonic clock, the real-time clock and
 * gettimeofday, sleeps (2 s unless `-- SECONDS` says otherwise) with
 * nanosleep, and prints them again; three times. The boot-test runner timestamps both
 * lines on the host and compares the guest's elapsed times with its own
 * (the clock_tolerance_ms field of tests/boot/tests.cfg). Then it says how
 * late each sleep woke, and fails if one woke early or the median late.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

/* How late the median sleep may wake: a wakeup on a loaded host (two
 * busy TCG guests on two cores) costs milliseconds, a timer at twice its
 * rate a whole sleep. */
#define LATE_MAX_NS 25000000ll

static unsigned long long ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* A short marker line goes out, then the clocks are read at once: the
 * host timestamps the marker's first byte (QEMU's UART model may hand the
 * rest of a line over later, after the guest has moved on). The values
 * follow in a second line. */
static void report(const char *when)
{
    struct timeval tv;
    printf("clock: %s\n", when);
    fflush(stdout);
    unsigned long long mono = ns(CLOCK_MONOTONIC), real = ns(CLOCK_REALTIME);
    gettimeofday(&tv, NULL);
    unsigned long long tod = (unsigned long long)tv.tv_sec * 1000000000ull +
                             (unsigned long long)tv.tv_usec * 1000ull;
    printf("clock: %s mono=%llu real=%llu tod=%llu\n", when, mono, real, tod);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    struct timespec req = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
    /* The first report is slower than the others on an emulator that
     * translates code on first use; that time would count on one side
     * only. A throw-away report first makes start and end cost the same. */
    report("warmup");
    /* The end marker follows a quiet stretch (the sleep); so does the start
     * marker, so that whatever the host takes to notice output after
     * silence (waking its reader) is the same on both sides. */
    struct timespec quiet = { 0, 300000000 };
    nanosleep(&quiet, NULL);
    /* Three rounds: the runner takes the median, so one round disturbed on
     * the host (a descheduled reader) does not decide the verdict. */
    long long want = (long long)req.tv_sec * 1000000000ll + req.tv_nsec, late[3];
    for (int round = 0; round < 3; round++) {
        report("start");
        unsigned long long t0 = ns(CLOCK_MONOTONIC);
        if (nanosleep(&req, NULL)) {
            printf("clockcheck: nanosleep failed\n");
            return 1;
        }
        late[round] = (long long)(ns(CLOCK_MONOTONIC) - t0) - want;
        report("end");
    }
    /* The sleep itself, by the guest's own clock (which the runner checks
     * against the host's): never early (POSIX), and not late by more than
     * a wakeup on a busy host costs. A timer armed at a wrong rate keeps
     * the clocks right and still wakes the sleeper late (or early). */
    printf("clockcheck: woke late by %.3f %.3f %.3f ms\n", late[0] / 1e6, late[1] / 1e6,
           late[2] / 1e6);
    long long sorted[3] = { late[0], late[1], late[2] };
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (sorted[j] < sorted[i]) {
                long long t = sorted[i];
                sorted[i] = sorted[j];
                sorted[j] = t;
            }
    if (sorted[0] < 0) {
        printf("clockcheck: nanosleep returned %lld ns early\n", -sorted[0]);
        return 1;
    }
    if (sorted[1] > LATE_MAX_NS) {
        printf("clockcheck: nanosleep woke %.3f ms late (the median; at most %.3f ms)\n",
               sorted[1] / 1e6, LATE_MAX_NS / 1e6);
        return 1;
    }
    printf("clockcheck: slept %.3f s three times\n", secs);
    return 0;
}
