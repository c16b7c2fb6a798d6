/*
 * Tests of the newlib side: formatted output with floating point, string
 * functions, errno for system calls Proteus does not provide, and the
 * command line reaching argv.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "selftest.h"

static void test_printf_float(void)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.3f %e %g", 3.14159265, 12345.678, 0.0001);
    CHECK(!strcmp(buf, "3.142 1.234568e+04 0.0001"), "got '%s'", buf);
    snprintf(buf, sizeof(buf), "%lld %llx %5.1f", -1234567890123LL, 0xdeadbeefcafeULL, -2.25);
    CHECK(!strcmp(buf, "-1234567890123 deadbeefcafe  -2.2") ||
          !strcmp(buf, "-1234567890123 deadbeefcafe  -2.3"), "got '%s'", buf);
    test_pass();
}

static void test_math(void)
{
    volatile double x = 2.0;
    double r = sqrt(x) * sqrt(x);
    CHECK(fabs(r - 2.0) < 1e-12, "sqrt(2)^2 = %.17g", r);
    CHECK(fabs(sin(M_PI / 6) - 0.5) < 1e-12, "sin(pi/6) = %.17g", sin(M_PI / 6));
    CHECK(strtod("6.02e23", NULL) == 6.02e23, "strtod mismatch");
    test_pass();
}

static void test_strings(void)
{
    char buf[32];
    strcpy(buf, "proteus");
    strcat(buf, "-os");
    CHECK(strlen(buf) == 10, "strlen %zu", strlen(buf));
    CHECK(strcmp(buf, "proteus-os") == 0, "got %s", buf);
    CHECK(strstr(buf, "us-") == buf + 5, "strstr wrong");
    CHECK(memcmp("abc", "abd", 3) < 0, "memcmp wrong");
    char *d = strdup(buf);
    CHECK(d && !strcmp(d, buf), "strdup failed");
    free(d);
    test_pass();
}

static void test_missing_syscall(void)
{
    errno = 0;
    int fd = open("/etc/passwd", O_RDONLY);
    CHECK(fd == -1, "open returned %d", fd);
    CHECK(errno == ENOSYS, "errno %d, expected ENOSYS", errno);
    errno = 0;
    CHECK(write(7, "x", 1) == -1 && errno == EBADF, "write to fd 7: errno %d", errno);
    test_pass();
}

static void test_stdio_write(void)
{
    int n = printf("selftest: stdout works\n");
    CHECK(n == 23, "printf returned %d", n);
    CHECK(fflush(stdout) == 0, "fflush failed");
    test_pass();
}

const struct test_case libc_tests[] = {
    { "libc.printf_float", test_printf_float },
    { "libc.math", test_math },
    { "libc.strings", test_strings },
    { "libc.enosys", test_missing_syscall },
    { "libc.stdout", test_stdio_write },
    { NULL, NULL },
};
