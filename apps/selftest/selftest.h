/*
 * The selftest app's harness. A case calls test_pass(), test_fail() or
 * test_skip() (with a reason) and returns; if it calls more than one, the
 * most severe stands (FAIL over SKIP over PASS), and a case that returns
 * without a verdict counts as a failure. In the spirit of XTF's report.h;
 * the boot-test runner adds CRASH and TIMEOUT from outside.
 */
#ifndef SELFTEST_H
#define SELFTEST_H

#include <stdbool.h>

struct test_case {
    const char *name;
    void (*run)(void);
};

void test_pass(void);
void test_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fail with the expression and return from the case when `cond` is false. */
#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            test_fail(__VA_ARGS__);                                           \
            return;                                                           \
        }                                                                     \
    } while (0)

extern const struct test_case memory_tests[], libc_tests[], time_tests[], platform_tests[],
    irq_tests[], console_tests[], thread_tests[], smp_tests[], ldt_tests[], patch_tests[],
    xen_tests[], xenstore_tests[], xen_grant_tests[], xenbus_tests[], net_tests[], blk_tests[], kvm_tests[], pthread_tests[],
    socket_tests[], files_tests[];
/* Cases that end the machine on purpose (a fault the kernel must report):
 * each runs only when named exactly (`selftest -- NAME`), never in a full
 * run, and a boot row checks the report. */
extern const struct test_case fatal_tests[];
/* The libc ones among them (test_libc.c): abort() and a failed assert(). */
void test_fatal_abort(void);
void test_fatal_assert(void);
/* And test_smp.c's: CPU 1 stopped as a fatal error stops it. */
void test_fatal_stop_cpu1(void);

/* A number given on the command line as key=value, or `dflt`. */
long selftest_param(const char *key, long dflt);

/* Booted as a Xen PV guest (the xen-pv personality), where the cases about
 * local APICs and ISA devices cannot apply. */
bool on_xen_pv(void);
/* Whether a group is still the native personality's (a VMI shim or Xen
 * may own the interrupt controller and the timer instead). */
bool native_apic(void);
bool native_time(void);
/* The personality in use is `p` (&kvm_personality from <pv/kvm.h>, ...):
 * asked of the kernel by identity, never by comparing names. */
struct personality;
bool platform_is(const struct personality *p);

#endif
