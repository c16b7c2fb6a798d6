/*
 * Tests of time: the monotonic clock advances, nanosleep sleeps at least
 * as long as asked and not much longer, the timer interrupt is what wakes
 * it, the local APIC timer uses TSC-deadline mode exactly when the CPU
 * offers it, and the wall clock is a plausible date.
 */
#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arch/cpu.h>
#include <drivers/lapic.h>
#include <proteus/timer.h>
#include <proteus/pvops.h>
#include <pv/kvm.h>
#include "selftest.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_monotonic(void)
{
    uint64_t a = now_ns(), b = now_ns();
    CHECK(b >= a, "clock went backwards: %llu then %llu", (unsigned long long)a,
          (unsigned long long)b);
    uint64_t prev = b;
    for (int i = 0; i < 10000; i++) {
        uint64_t t = now_ns();
        CHECK(t >= prev, "clock went backwards at iteration %d", i);
        prev = t;
    }
    CHECK(prev > a, "clock did not advance over 10000 reads");
    test_pass();
}

static void test_nanosleep(void)
{
    /* The timer fires slightly early and the sleep finishes by re-arming,
     * so it ends within a few hundred microseconds on a quiet machine; the
     * bound allows for an emulator descheduled on a loaded host. A virtual
     * CPU can lose its host's CPU for longer than that (a Xen dom0 beside a
     * fuzzer, the nested KVM host): a sleep ending late there says nothing
     * of the kernel, which would oversleep every time, so three tries. An
     * early end fails at once. The 1 ms accuracy is checked against the
     * host's clock by the clock rows of tests/boot/tests.cfg. */
    uint64_t slept = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t irqs = timer_interrupts;
        struct timespec req = { 0, 50 * 1000 * 1000 };
        uint64_t t0 = now_ns();
        CHECK(nanosleep(&req, NULL) == 0, "nanosleep failed");
        slept = now_ns() - t0;
        CHECK(slept >= 50000000u, "slept only %llu ns of 50 ms", (unsigned long long)slept);
        CHECK(timer_interrupts > irqs, "no timer interrupt during the sleep");
        if (slept < 60000000u) {
            test_pass();
            return;
        }
    }
    CHECK(0, "slept %llu ns for 50 ms, three times in three", (unsigned long long)slept);
}

static void test_nanosleep_einval(void)
{
    struct timespec bad = { 0, 1000000000L };
    CHECK(nanosleep(&bad, NULL) == -1, "tv_nsec of 1e9 was accepted");
    test_pass();
}

static void test_wallclock(void)
{
    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday failed");
    /* 2020-01-01 .. 2100-01-01: the CMOS clock was read and converted. */
    CHECK(tv.tv_sec > 1577836800 && tv.tv_sec < 4102444800LL, "wall clock reads %lld s",
          (long long)tv.tv_sec);
    time_t t = time(NULL);
    CHECK(t >= tv.tv_sec && t - tv.tv_sec < 5, "time() %lld disagrees with gettimeofday %lld",
          (long long)t, (long long)tv.tv_sec);
    test_pass();
}

/* Tickless: a sleeping CPU takes the interrupt that ends the sleep (a
 * few where the timer cannot wait 200 ms in one go: the PIT's 55 ms) and
 * the clock-refinement samples that fall in it (pv/native/time.c: each a
 * one-shot that may fire early and be re-armed, so two apiece), not a
 * periodic tick. */
extern uint64_t tsc_refinements;

static void test_tickless(void)
{
    uint64_t before = timer_interrupts, samples = tsc_refinements;
    struct timespec req = { 0, 200 * 1000 * 1000 };
    nanosleep(&req, NULL);
    uint64_t taken = timer_interrupts - before;
    samples = tsc_refinements - samples;
    CHECK(taken >= 1, "no timer interrupt ended the sleep");
    CHECK(taken <= 4 + 2 * samples,
          "%llu timer interrupts in a 200 ms sleep (%llu of the clock's refinement samples in it): "
          "a periodic tick?", (unsigned long long)taken, (unsigned long long)samples);
    test_pass();
}

/* sleep() and usleep() from <unistd.h> link and sleep at least as long
 * as asked (kernel/libc/syscalls.c, on nanosleep). */
static void test_sleep_usleep(void)
{
    uint64_t t0 = now_ns();
    CHECK(usleep(20000) == 0, "usleep(20000) failed");
    uint64_t slept = now_ns() - t0;
    CHECK(slept >= 20000000u && slept < 200000000u, "usleep(20000) slept %llu ns",
          (unsigned long long)slept);
    t0 = now_ns();
    CHECK(sleep(1) == 0, "sleep(1) returned time left");
    slept = now_ns() - t0;
    CHECK(slept >= 1000000000u && slept < 1500000000u, "sleep(1) slept %llu ns",
          (unsigned long long)slept);
    CHECK(sleep(0) == 0, "sleep(0) returned time left");
    test_pass();
}

/* The local APIC timer uses TSC-deadline mode exactly when the CPU offers
 * it. The native time group arms it, whatever clock was mixed in (the kvm
 * personality's kvmclock); Xen's and the VMI shim's timers are their own. */
static void test_timer_mode(void)
{
    if (!native_time()) {
        test_skip("the timer is %s's", pv_ops.time.name);
        return;
    }
    if (!lapic_ready()) {
        test_skip("no local APIC: the PIT is the timer");
        return;
    }
    CHECK(lapic_timer_is_tsc_deadline() == cpu_features.tsc_deadline,
          "the CPU %s TSC-deadline mode, but the timer %s it",
          cpu_features.tsc_deadline ? "offers" : "lacks",
          lapic_timer_is_tsc_deadline() ? "uses" : "does not use");
    test_pass();
}

const struct test_case time_tests[] = {
    { "time.tickless", test_tickless },
    { "time.monotonic", test_monotonic },
    { "time.nanosleep", test_nanosleep },
    { "time.nanosleep_einval", test_nanosleep_einval },
    { "time.wallclock", test_wallclock },
    { "time.timer_mode", test_timer_mode },
    { "time.sleep_usleep", test_sleep_usleep },
    { NULL, NULL },
};
