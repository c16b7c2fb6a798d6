/*
 * The replay driver: runs a fuzz harness once on each file named on the
 * command line, with no fuzzing, so that `make check` replays the seed
 * corpora and every saved reproducer in seconds (tests/fuzz/run.sh replay).
 *
 *   replay_<name> [-t SECONDS] [-x FILE]... [--] FILE...
 *
 * Each input runs in a child process, like tests/unit/main.c's tests: an
 * input that breaks an invariant, trips a sanitizer or hangs (-t, default
 * 10 s) fails on its own and the rest still run. The child's output is
 * shown only when it fails. A file also named with -x is an expected
 * failure (tests/fuzz/xfail): failing is then reported as XFAIL, and
 * passing as XPASS, which counts as a failure so that the mark is removed
 * as soon as the defect is fixed.
 *
 * Last line: `replay: N inputs, N failed, N expected failures`; exit
 * status 1 when anything failed.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    bool err = ferror(f);
    fclose(f);
    if (!buf || err) {
        free(buf);
        return NULL;
    }
    /* An exact-size copy, as libFuzzer passes it: ASan sees a read past
     * the end of the input. */
    void *exact = malloc(n ? n : 1);
    if (exact && n)
        memcpy(exact, buf, n);
    free(buf);
    *size = n;
    return exact;
}

/* Run one input in a child; its output goes to `out` (a temporary file).
 * Returns NULL on success, else why it failed. */
static const char *run_one(const char *path, unsigned timeout, FILE *out, char *why, size_t why_len)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return "cannot fork";
    if (pid == 0) {
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(out), STDERR_FILENO);
        alarm(timeout);
        size_t size = 0;
        void *data = read_file(path, &size);
        if (!data) {
            fprintf(stderr, "cannot read %s\n", path);
            _exit(2);
        }
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return NULL;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(why, why_len, "timed out after %u s", timeout);
    else if (WIFSIGNALED(status))
        snprintf(why, why_len, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, why_len, "exit status %d (a sanitizer report?)", WEXITSTATUS(status));
    return why;
}

/* Copy the child's output, indented; only lines saying what broke when
 * `brief` (an expected failure need not repeat a whole report). */
static void show_output(FILE *out, bool brief)
{
    char line[1024];
    rewind(out);
    while (fgets(line, sizeof(line), out)) {
        if (brief && !strstr(line, "INVARIANT BROKEN") && !strstr(line, "ERROR:") &&
            !strstr(line, "runtime error"))
            continue;
        printf("    %s", line);
        if (!strchr(line, '\n'))
            putchar('\n');
    }
}

int main(int argc, char **argv)
{
    unsigned timeout = 10, n = 0, failed = 0, xfailed = 0;
    const char **expected = calloc((size_t)argc, sizeof(*expected));
    unsigned nexpected = 0;
    int i = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-t") && i + 1 < argc)
            timeout = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-x") && i + 1 < argc)
            expected[nexpected++] = argv[++i];
        else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else
            break;
    }
    for (; i < argc; i++) {
        const char *path = argv[i];
        bool xfail = false;
        for (unsigned k = 0; k < nexpected; k++)
            xfail |= !strcmp(expected[k], path);
        FILE *out = tmpfile();
        char whybuf[128];
        const char *why = out ? run_one(path, timeout, out, whybuf, sizeof(whybuf))
                              : "cannot create a temporary file";
        n++;
        if (!why && xfail) {
            printf("XPASS %s: passes now: remove its line from tests/fuzz/xfail\n", path);
            failed++;
        } else if (why && xfail) {
            printf("XFAIL %s: %s (expected: tests/fuzz/xfail)\n", path, why);
            if (out)
                show_output(out, true);
            xfailed++;
        } else if (why) {
            printf("FAIL %s: %s\n", path, why);
            if (out)
                show_output(out, false);
            failed++;
        }
        if (out)
            fclose(out);
    }
    printf("replay: %u inputs, %u failed, %u expected failures\n", n, failed, xfailed);
    free(expected);
    return failed ? 1 : 0;
}
