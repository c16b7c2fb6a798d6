/*
 * Test runner for the host unit tests: runs every TEST() linked into this
 * binary in registration order (or only those whose name contains argv[1]),
 * prints `PASS name` / `FAIL name` per test and ends with exactly
 * `N passed, N failed`. Exit status 1 when anything failed.
 */
#include <stdarg.h>

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

int main(int argc, char **argv)
{
    unsigned passed = 0, failed = 0;
    const char *filter = argc > 1 ? argv[1] : NULL;

    /* Output order must survive a crash in the middle of a test. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (too_many) {
        printf("FAIL harness: more than %d tests registered\n", MAX_TESTS);
        failed++;
    }
    for (unsigned i = 0; i < ntests; i++) {
        if (filter && !strstr(tests[i].name, filter))
            continue;
        current_failed = false;
        tests[i].fn();
        printf("%s %s\n", current_failed ? "FAIL" : "PASS", tests[i].name);
        if (current_failed)
            failed++;
        else
            passed++;
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
