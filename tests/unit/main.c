/*
 * Test runner for the host unit tests: runs every TEST() linked into this
 * binary in registration order (or only those whose name contains argv[1]),
 * prints `PASS name` / `FAIL name` per test and ends with exactly
 * `N passed, N failed`. Exit status 1 when anything failed.
 *
 * Each test runs in a child process, so one that crashes -- a sanitizer
 * report, a fault -- fails on its own and the rest still run. Set
 * UNIT_NOFORK=1 to run everything in one process (for a debugger).
 */
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#define MAX_TESTS 512

static struct unit_test tests[MAX_TESTS];
static unsigned ntests;
static bool too_many;
static bool current_failed;

void unit_register(const char *name, void (*fn)(void))
{
    if (ntests == MAX_TESTS) {
        too_many = true;
        return;
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    current_failed = true;
    printf("  %s:%d: ", file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

void unit_print_str(const char *label, const char *s, size_t n)
{
    printf("    %-8s ", label);
    if (!s) {
        puts("NULL");
        return;
    }
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    printf("\" (%zu bytes)\n", n);
}

/* Exit codes of a test's child process. */
#define CHILD_PASSED 0
#define CHILD_FAILED 3

static bool run_one(const struct unit_test *t, bool nofork)
{
    if (nofork) {
        current_failed = false;
        t->fn();
        return !current_failed;
    }

    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        printf("  cannot fork to run the test\n");
        return false;
    }
    if (pid == 0) {
        current_failed = false;
        t->fn();
        fflush(stdout);
        _exit(current_failed ? CHILD_FAILED : CHILD_PASSED);
    }

    int status;
    while (waitpid(pid, &status, 0) < 0)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_PASSED)
        return true;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_FAILED)
        return false;
    if (WIFSIGNALED(status))
        printf("  test crashed: killed by signal %d\n", WTERMSIG(status));
    else
        printf("  test crashed: exit status %d (a sanitizer report above?)\n",
               WEXITSTATUS(status));
    return false;
}

int main(int argc, char **argv)
{
    unsigned passed = 0, failed = 0;
    const char *filter = argc > 1 ? argv[1] : NULL;
    const char *nofork_env = getenv("UNIT_NOFORK");
    bool nofork = nofork_env && *nofork_env && strcmp(nofork_env, "0") != 0;

    /* Output order must survive a crash in the middle of a test. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (too_many) {
        printf("FAIL harness: more than %d tests registered\n", MAX_TESTS);
        failed++;
    }
    for (unsigned i = 0; i < ntests; i++) {
        if (filter && !strstr(tests[i].name, filter))
            continue;
        bool ok = run_one(&tests[i], nofork);
        printf("%s %s\n", ok ? "PASS" : "FAIL", tests[i].name);
        if (ok)
            passed++;
        else
            failed++;
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
