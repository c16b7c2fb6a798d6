/*
 * A tiny host test harness in the spirit of XTF's selftests.
 *
 *   TEST(name) { CHECK(x > 0); CHECK_EQ(f(1), 2); CHECK_STREQ(buf, "ok"); }
 *
 * TEST() registers the function at start-up (a constructor), so a test file
 * needs nothing but its tests; tests/unit/main.c runs every registered test in
 * definition order and prints `PASS name` or `FAIL name` for each, then
 * exactly `N passed, N failed`, exiting non-zero on any failure.
 *
 * A failed CHECK prints file:line, the expression and the values involved,
 * marks the running test failed and carries on, so one run shows every
 * broken expectation of a test. Every CHECK is also an expression yielding
 * whether it held, so a loop can stop at its first failure:
 *     if (!CHECK_EQ(got, want)) break;
 *
 * System headers come first here: the kernel headers the tests include
 * afterwards (types.h, errno.h) must not be able to change what glibc sees.
 * Never include <errno.h> in a test: the kernel's errno values are newlib's,
 * not Linux's, and the two sets of macros clash.
 */
#ifndef UNIT_H
#define UNIT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_test {
    const char *name;
    void (*fn)(void);
};

void unit_register(const char *name, void (*fn)(void));
/* Report a failed check in the running test (prints "  file:line: msg"). */
void unit_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Print a string with C escapes, or NULL, for failure messages. */
void unit_print_str(const char *label, const char *s, size_t n);

#define TEST(name)                                                          \
    static void test_##name(void);                                          \
    __attribute__((constructor)) static void register_##name(void)          \
    {                                                                       \
        unit_register(#name, test_##name);                                  \
    }                                                                       \
    static void test_##name(void)

#define CHECK(expr)                                                         \
    ({                                                                      \
        bool ok_ = (expr);                                                  \
        if (!ok_)                                                           \
            unit_fail(__FILE__, __LINE__, "CHECK(%s) failed", #expr);       \
        ok_;                                                                \
    })

/* Integer equality. Both sides are compared as unsigned long long, which is
 * exact for any mix of the integer types used here (a negative int becomes
 * the same value on both sides); values print in decimal and hex. */
#define CHECK_EQ(actual, expected)                                          \
    ({                                                                      \
        unsigned long long a_ = (unsigned long long)(actual);               \
        unsigned long long e_ = (unsigned long long)(expected);             \
        if (a_ != e_)                                                       \
            unit_fail(__FILE__, __LINE__,                                   \
                      "CHECK_EQ(%s, %s) failed: got %lld (0x%llx), "        \
                      "expected %lld (0x%llx)",                             \
                      #actual, #expected, (long long)a_, a_, (long long)e_, \
                      e_);                                                  \
        a_ == e_;                                                           \
    })

#define CHECK_NE(actual, unexpected)                                        \
    ({                                                                      \
        unsigned long long a_ = (unsigned long long)(actual);               \
        unsigned long long e_ = (unsigned long long)(unexpected);           \
        if (a_ == e_)                                                       \
            unit_fail(__FILE__, __LINE__,                                   \
                      "CHECK_NE(%s, %s) failed: both are %lld (0x%llx)",    \
                      #actual, #unexpected, (long long)a_, a_);             \
        a_ != e_;                                                           \
    })

/* String equality; either side may be NULL (equal only to NULL). */
#define CHECK_STREQ(actual, expected)                                       \
    ({                                                                      \
        const char *a_ = (actual), *e_ = (expected);                        \
        bool ok_ = (a_ && e_) ? strcmp(a_, e_) == 0 : a_ == e_;             \
        if (!ok_) {                                                         \
            unit_fail(__FILE__, __LINE__, "CHECK_STREQ(%s, %s) failed",     \
                      #actual, #expected);                                  \
            unit_print_str("got", a_, a_ ? strlen(a_) : 0);                 \
            unit_print_str("expected", e_, e_ ? strlen(e_) : 0);            \
        }                                                                   \
        ok_;                                                                \
    })

/* Byte equality of n bytes (may contain NULs). */
#define CHECK_MEMEQ(actual, expected, n)                                    \
    ({                                                                      \
        const char *a_ = (const char *)(actual);                            \
        const char *e_ = (const char *)(expected);                          \
        size_t n_ = (n);                                                    \
        bool ok_ = memcmp(a_, e_, n_) == 0;                                 \
        if (!ok_) {                                                         \
            unit_fail(__FILE__, __LINE__, "CHECK_MEMEQ(%s, %s, %s) failed", \
                      #actual, #expected, #n);                              \
            unit_print_str("got", a_, n_);                                  \
            unit_print_str("expected", e_, n_);                             \
        }                                                                   \
        ok_;                                                                \
    })

/* What the code under test printed with printk (tests/unit/printk_capture.c). */
extern char unit_log[8192];
static inline void unit_log_clear(void)
{
    unit_log[0] = '\0';
}

/* A deterministic PRNG (xorshift64*) so random tests replay exactly. */
static inline uint64_t unit_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform-enough value in [0, n), n > 0. */
static inline uint64_t unit_rand_below(uint64_t *state, uint64_t n)
{
    return unit_rand(state) % n;
}

#endif
