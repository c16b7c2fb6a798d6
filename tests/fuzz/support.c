/*
 * Linked into every fuzz harness: the kernel's printk for the host, and
 * the report of a broken invariant (tests/fuzz/fuzz.h).
 *
 * printk formats into a scratch buffer and drops the text: the kernel's
 * messages are not what a harness checks, but formatting them still runs
 * every format string against its arguments under the sanitizers, at a
 * cost that does not slow fuzzing down much.
 */
#include "fuzz.h"

#include <stdarg.h>

bool printk_quiet;   /* pr_info() reads it */

int printk(const char *fmt, ...);
int printk(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    return n;
}

void fuzz_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz: INVARIANT BROKEN at %s:%d: %s: ", file, line, expr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}
