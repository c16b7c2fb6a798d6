/*
 * The kernel's printk for host tests: it appends to unit_log, so that a
 * test can check that a refusal says why (tests/unit/unit.h). Linked into
 * every test binary.
 */
#include "unit.h"

#include <stdarg.h>

char unit_log[8192];
bool printk_quiet;   /* pr_info() reads it */

int printk(const char *fmt, ...);
int printk(const char *fmt, ...)
{
    va_list ap;
    size_t used = strlen(unit_log);
    va_start(ap, fmt);
    int n = vsnprintf(unit_log + used, sizeof(unit_log) - used, fmt, ap);
    va_end(ap);
    return n;
}
