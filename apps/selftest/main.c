/*
 * selftest: in-guest tests of every subsystem that exists. Each case
 * prints PASS, FAIL or SKIP with a reason; the last line is
 * `N passed, N failed` (skips are counted on the line before it) and the
 * exit status is 0 only if nothing failed and something passed: a run that
 * selects no case, or whose cases all SKIP, is a failure of its own.
 * `selftest -- NAME...` runs only the cases whose names contain one of the
 * words.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <proteus/api.h>
#include <proteus/bootinfo.h>
#include <proteus/pvops.h>
#include <proteus/thread.h>
#include <proteus/personality.h>
#include <pv/kvm.h>
#include "selftest.h"

/* In rising severity: a case's most severe verdict stands (XTF's rule), so
 * a case that said PASS and then found a fault ends as FAIL. The reason is
 * the first one given with that verdict. */
enum verdict { NONE, PASS, SKIP, FAIL };
static enum verdict verdict;
static char reason[256];

void test_pass(void)
{
    if (verdict < PASS)
        verdict = PASS;
}

static void give(enum verdict v, const char *fmt, va_list ap)
{
    if (verdict >= v)
        return;
    verdict = v;
    vsnprintf(reason, sizeof(reason), fmt, ap);
}

void test_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    give(FAIL, fmt, ap);
    va_end(ap);
}

void test_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    give(SKIP, fmt, ap);
    va_end(ap);
}

bool on_xen_pv(void)
{
    return !strcmp(boot_protocol(), "xen-pv");
}

/* The kernel's own controller driver (under KVM with PV EOI laid over it:
 * an extension replaces the EOI only). */
bool native_apic(void)
{
    return pv_ops.apic.init == native_ops.apic.init;
}

bool platform_is(const struct personality *p)
{
    return platform_current() == p;
}

/* The native time group: its timer, whatever clock was mixed in. */
bool native_time(void)
{
    return pv_ops.time.init == native_ops.time.init;
}

/* Arguments of the form key=value are parameters (selftest_param), the
 * others select cases. */
static int nargs;
static char **args;

long selftest_param(const char *key, long dflt)
{
    size_t n = strlen(key);
    for (int i = 1; i < nargs; i++) {
        if (strncmp(args[i], key, n) || args[i][n] != '=')
            continue;
        char *end;
        long v = strtol(args[i] + n + 1, &end, 10);
        if (*end || end == args[i] + n + 1) {
            printf("selftest: %s is not a number: ignored\n", args[i]);
            return dflt;
        }
        return v;
    }
    return dflt;
}

static bool selected(const char *name, bool fatal, int argc, char **argv)
{
    bool any = false;
    for (int i = 1; i < argc; i++) {
        if (strchr(argv[i], '='))
            continue;
        any = true;
        if (fatal ? !strcmp(name, argv[i]) : strstr(name, argv[i]) != NULL)
            return true;
    }
    return !any && !fatal;
}

static volatile sig_atomic_t terminated;

static void on_term(int sig)
{
    terminated = sig;
}

/* stay=N: up to N seconds more before the verdict, for checks the host
 * makes of a guest that runs (a ping from Xen's dom0 to the address a
 * net case brought up); SIGTERM (xl shutdown) ends the stay early. */
static void stay(long seconds)
{
    if (seconds <= 0)
        return;
    signal(SIGTERM, on_term);
    printf("selftest: staying up to %ld s (SIGTERM ends it)\n", seconds);
    uint64_t end = proteus_clock_ns() + (uint64_t)seconds * 1000000000ull;
    while (!terminated && proteus_clock_ns() < end)
        proteus_sleep_until_ns(proteus_clock_ns() + 100000000ull);
    printf("selftest: stay ended by %s\n", terminated ? "SIGTERM" : "its deadline");
}

int main(int argc, char **argv)
{
    static const struct test_case *const suites[] = { platform_tests, memory_tests, libc_tests,
                                                      time_tests, irq_tests, console_tests,
                                                      thread_tests, pthread_tests, smp_tests,
                                                      ldt_tests, patch_tests, xen_tests,
                                                      xenstore_tests, xen_grant_tests, xenbus_tests, net_tests, blk_tests, kvm_tests,
                                                      files_tests, socket_tests, fatal_tests };
    int passed = 0, failed = 0, skipped = 0;
    nargs = argc;
    args = argv;

    /* Every case starts on the boot CPU and its own thread stays there:
     * a case that looks at this CPU's state (its APIC, its clock, its
     * TLB) sees one CPU throughout. Threads a case creates run anywhere. */
    int err = thread_set_affinity(thread_current(), 1u << 0);
    if (err)
        printf("selftest: cannot keep the main thread on CPU 0: %d\n", err);

    for (unsigned s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
        for (const struct test_case *t = suites[s]; t->name; t++) {
            if (!selected(t->name, suites[s] == fatal_tests, argc, argv))
                continue;
            verdict = NONE;
            reason[0] = '\0';
            if (suites[s] == fatal_tests)
                printf("selftest: %s ends the machine on purpose\n", t->name);
            t->run();
            switch (verdict) {
            case PASS:
                printf("PASS  %s\n", t->name);
                passed++;
                break;
            case SKIP:
                printf("SKIP  %s: %s\n", t->name, reason);
                skipped++;
                break;
            case FAIL:
                printf("FAIL  %s: %s\n", t->name, reason);
                failed++;
                break;
            case NONE:
                printf("FAIL  %s: the case gave no verdict\n", t->name);
                failed++;
                break;
            }
        }
    }
    /* A run must show something: one that selects no case, or whose cases
     * all say SKIP, fails instead of passing with nothing tested. */
    if (passed + failed + skipped == 0) {
        printf("FAIL  selftest: no case matches the arguments given\n");
        failed = 1;
    } else if (passed + failed == 0) {
        printf("FAIL  selftest: 0 cases passed (%d skipped), at least 1 must\n", skipped);
        failed = 1;
    }
    stay(selftest_param("stay", 0));
    printf("selftest: %d skipped\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
