/*
 * Tests of console input (kernel/console.c, pv/native/console.c) that need
 * no typing: the serial console's receive interrupt is routed, and a
 * thread blocked in the console read sleeps without being polled, then
 * wakes on the interrupt for bytes the UART receives in loopback mode.
 * (Loopback forces OUT2 inactive, so on a PC the IRQ line rises when
 * loopback ends, with INTR already high; QEMU raises it at once.)
 */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <arch/cpu.h>
#include <drivers/ns16550.h>
#include <proteus/api.h>
#include <proteus/console.h>
#include <proteus/pvops.h>
#include <proteus/thread.h>
#include "selftest.h"

#define SERIAL_VECTOR (VEC_IRQ_BASE + 4)   /* COM1's IRQ 4 */

static bool serial_console(void)
{
    if (strcmp(pv_ops.console.name, "serial")) {
        test_skip("console %s is not the 16550", pv_ops.console.name);
        return false;
    }
    return true;
}

static void test_input_irq(void)
{
    if (!serial_console())
        return;
    CHECK(console_input_has_irq(), "console input is polled, not interrupt-driven");
    const char *name = irq_name(SERIAL_VECTOR);
    CHECK(name && !strcmp(name, "serial-input"), "vector 0x%x has handler %s", SERIAL_VECTOR,
          name ? name : "(none)");
    test_pass();
}

/* The reader reads one byte at a time, twice: the second read finds the
 * FIFO empty and must re-arm the interrupt (pv/native/console.c) to wake. */
static volatile int got;
static volatile char got_c[2];

static void *reader(void *arg)
{
    for (int i = 0; i < 2; i++) {
        char c;
        if (proteus_console_read(&c, 1) != 1)
            break;
        got_c[i] = c;
        got = i + 1;
    }
    return NULL;
}

struct seen {
    uint64_t id, switches_in;
    const char *state;
};

static void find_thread(const struct thread_info *ti, void *ctx)
{
    struct seen *s = ctx;
    if (ti->id == s->id) {
        s->switches_in = ti->switches_in;
        s->state = ti->state;
    }
}

static struct seen look(struct thread *t)
{
    struct seen s = { thread_id(t), 0, "gone" };
    thread_for_each(find_thread, &s);
    return s;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { 0, ms * 1000000 };
    nanosleep(&ts, NULL);
}

/* Wait until the reader has `n` bytes; true if it had them in 100 ms. */
static bool reader_has(int n)
{
    for (int i = 0; i < 100 && got < n; i++)
        sleep_ms(1);
    return got >= n;
}

static void test_blocked_reader(void)
{
    if (!serial_console())
        return;
    if (!console_input_has_irq()) {
        test_skip("console input is polled");
        return;
    }
    got = 0;
    int err;
    struct thread *t = thread_create("console-reader", reader, NULL, 8, &err);
    CHECK(t, "thread_create failed: %d", err);
    sleep_ms(10);
    struct seen before = look(t);
    sleep_ms(40);
    struct seen after = look(t);
    CHECK(!strcmp(after.state, "blocked"), "the reader is %s, not blocked", after.state);
    /* A 1 ms poll would have run it about 40 times meanwhile. */
    CHECK(after.switches_in == before.switches_in, "the blocked reader ran %llu times in 40 ms",
          (unsigned long long)(after.switches_in - before.switches_in));

    uint64_t irqs = irq_counts[SERIAL_VECTOR];
    static const char bytes[2] = { 'q', 'r' };
    for (int i = 0; i < 2; i++) {
        CHECK(ns16550_loopback_byte(CONFIG_SERIAL_PORT, bytes[i]),
              "the UART did not transmit in loopback");
        CHECK(reader_has(i + 1), "byte %d did not reach the reader within 100 ms", i + 1);
        CHECK(got_c[i] == bytes[i], "byte %d is '%c', expected '%c'", i + 1, got_c[i], bytes[i]);
    }
    CHECK(irq_counts[SERIAL_VECTOR] >= irqs + 2, "%llu interrupt(s) on vector 0x%x for 2 bytes",
          (unsigned long long)(irq_counts[SERIAL_VECTOR] - irqs), SERIAL_VECTOR);
    CHECK(thread_join(t, NULL) == 0, "join failed");
    test_pass();
}

const struct test_case console_tests[] = {
    { "console.input_irq", test_input_irq },
    { "console.blocked_reader", test_blocked_reader },
    { NULL, NULL },
};
