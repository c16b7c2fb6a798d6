/*
 * Tests of the LDT API: a data segment installed through it is loaded into
 * %fs by its LDT selector and read through; on i386 also a 16-bit and an
 * expand-down segment, with their limits enforced; every refusal leaves
 * the LDT as it was; each thread has its own LDT.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arch/extable.h>
#include <proteus/ldt.h>
#include <proteus/percpu.h>
#include <proteus/pvops.h>
#include <proteus/smp.h>
#include <proteus/thread.h>
#include <proteus/timer.h>
#include <proteus/vm.h>
#include "selftest.h"

static uint8_t *test_buffer(void)
{
    if (IS_ENABLED(CONFIG_64BIT)) {
        static uint8_t low_buf[64];   /* an %fs base from a descriptor has 32 bits */
        return low_buf;
    }
    /* i386: a segment may not reach the kernel image, and the app's own
     * data is inside it (one image); the heap is not */
    static uint8_t *heap_buf;
    if (!heap_buf)
        heap_buf = malloc(64);
    return heap_buf;
}

static uint16_t get_fs(void)
{
    uint16_t s;
    __asm__ __volatile__("mov %%fs, %0" : "=r"(s));
    return s;
}

static void set_fs(uint16_t s)
{
    __asm__ __volatile__("mov %0, %%fs" ::"r"(s) : "memory");
}

static int read_via(uint16_t sel, unsigned long off, uint8_t *out)
{
    uint16_t saved = get_fs();
    set_fs(sel);
    int r = probe_read_fs_byte(off, out);
    set_fs(saved);
    return r;
}

static void fill(uint8_t *b)
{
    for (int i = 0; i < 64; i++)
        b[i] = (uint8_t)(0xa0 + i);
}

static void test_data_segment(void)
{
    uint8_t *b = test_buffer(), v;
    CHECK(b, "no buffer");
    fill(b);
    struct ldt_info in = { .entry = 1, .base = (uint32_t)(uintptr_t)b, .limit = 63,
                           .contents = LDT_DATA, .seg_32bit = true };
    CHECK(ldt_set(&in) == 0, "installing a data segment failed");
    CHECK(ldt_entries_used() >= 2, "LDT size %u", ldt_entries_used());
    CHECK(read_via(ldt_selector(1), 5, &v) == 0, "reading through the LDT selector faulted");
    CHECK(v == 0xa5, "read 0x%x through the segment, expected 0xa5", v);
    struct seg_desc d;
    CHECK(ldt_get(1, &d) == 0 && seg_desc_base(d) == (uint32_t)(uintptr_t)b, "read-back differs");
    test_pass();
}

static void test_16bit_segment(void)
{
    if (IS_ENABLED(CONFIG_64BIT)) {
        test_skip("16-bit data segments have no limit in 64-bit mode");
        return;
    }
    uint8_t *b = test_buffer(), v;
    fill(b);
    struct ldt_info in = { .entry = 2, .base = (uint32_t)(uintptr_t)b, .limit = 31,
                           .contents = LDT_DATA, .seg_32bit = false };
    CHECK(ldt_set(&in) == 0, "installing a 16-bit segment failed");
    CHECK(read_via(ldt_selector(2), 31, &v) == 0 && v == 0xa0 + 31, "read at the limit: 0x%x", v);
    test_pass();
}

static void test_expand_down(void)
{
    if (IS_ENABLED(CONFIG_64BIT)) {
        test_skip("expand-down limits are not checked in 64-bit mode");
        return;
    }
    uint8_t *b = test_buffer(), v;
    fill(b);
    /* 16-bit expand-down: valid offsets are (limit, 0xffff]. Put the buffer
     * at offset 0xffc0 so the top 64 offsets read it. */
    struct ldt_info in = { .entry = 3, .base = (uint32_t)(uintptr_t)b - 0xffc0, .limit = 0xffbf,
                           .contents = LDT_DATA_EXPAND_DOWN, .seg_32bit = false };
    CHECK(ldt_set(&in) == 0, "installing an expand-down segment failed");
    CHECK(read_via(ldt_selector(3), 0xffc0 + 7, &v) == 0 && v == 0xa7, "read 0x%x, expected 0xa7", v);
    test_pass();
}

/* Limits, where the CPU checks them: QEMU's TCG does not check data
 * segment limits at all, so there this says SKIP rather than pass. */
static void test_limits(void)
{
    if (IS_ENABLED(CONFIG_64BIT)) {
        test_skip("data segment limits are not checked in 64-bit mode");
        return;
    }
    uint8_t *b = test_buffer(), v;
    struct ldt_info probe = { .entry = 5, .base = (uint32_t)(uintptr_t)b, .limit = 0,
                              .contents = LDT_DATA, .seg_32bit = true };
    CHECK(ldt_set(&probe) == 0, "install failed");
    if (read_via(ldt_selector(5), 1, &v) == 0) {
        ldt_clear(5);
        test_skip("this CPU does not check segment limits (QEMU TCG does not)");
        return;
    }
    CHECK(read_via(ldt_selector(1), 64, &v) == -EFAULT, "a read past a 32-bit limit did not fault");
    CHECK(read_via(ldt_selector(2), 32, &v) == -EFAULT, "a read past a 16-bit limit did not fault");
    CHECK(read_via(ldt_selector(3), 0xffbf, &v) == -EFAULT,
          "a read at the limit of an expand-down segment did not fault");
    ldt_clear(5);
    test_pass();
}

static void test_refusals(void)
{
    struct ldt_info good = { .entry = 4, .base = (uint32_t)(uintptr_t)test_buffer(), .limit = 63,
                             .contents = LDT_DATA, .seg_32bit = true };
    CHECK(ldt_set(&good) == 0, "installing a good segment failed");
    struct seg_desc before, after;
    ldt_get(4, &before);
    unsigned used = ldt_entries_used();

    struct ldt_info out_of_range = good;
    out_of_range.entry = LDT_ENTRIES;
    CHECK(ldt_set(&out_of_range) == -EINVAL, "an index past the LDT was accepted");
    CHECK(ldt_clear(LDT_ENTRIES + 5) == -EINVAL, "clearing past the LDT was accepted");

    struct seg_desc sys = seg_desc_make(0x1000, 0xff, SYS_LDT, false, 3, 0);
    CHECK(ldt_set_raw(4, sys) == -EINVAL, "a system (LDT) descriptor was accepted");
    struct seg_desc gate = seg_desc_make(0x1000, 0, 0xc, false, 3, 0);   /* call gate */
    CHECK(ldt_set_raw(4, gate) == -EINVAL, "a call gate was accepted");
    struct seg_desc dpl0 = seg_desc_make((uint32_t)(uintptr_t)test_buffer(), 63, SEG_DATA_RW, true,
                                         0, DESC_DB);
    CHECK(ldt_set_raw(4, dpl0) == -EINVAL, "a DPL 0 segment was accepted");
    struct seg_desc conforming = seg_desc_make(0, 0xff, 0xe, true, 3, DESC_DB);
    CHECK(ldt_set_raw(4, conforming) == -EINVAL, "a conforming code segment was accepted");
    if (IS_ENABLED(CONFIG_64BIT)) {
        struct seg_desc ld = seg_desc_make(0, 0, SEG_CODE_RX, true, 3, DESC_L | DESC_DB);
        CHECK(ldt_set_raw(4, ld) == -EINVAL, "a code segment with L and D was accepted");
    } else {
        struct ldt_info flat = { .entry = 4, .base = 0, .limit = 0xfffff, .contents = LDT_DATA,
                                 .seg_32bit = true, .limit_in_pages = true };
        CHECK(ldt_set(&flat) == -EINVAL, "a flat segment over kernel memory was accepted");
        struct ldt_info down = { .entry = 4, .base = 0, .limit = 0,
                                 .contents = LDT_DATA_EXPAND_DOWN, .seg_32bit = true };
        CHECK(ldt_set(&down) == -EINVAL, "an expand-down segment over kernel memory was accepted");
        /* a thread's own state (direct map) and its stack are the kernel's too */
        struct ldt_info stack = { .entry = 4, .base = (uint32_t)VM_STACK_BASE, .limit = 0xfff,
                                  .contents = LDT_DATA, .seg_32bit = true };
        CHECK(ldt_set(&stack) == -EINVAL, "a segment over the stack window was accepted");
        struct ldt_info direct = { .entry = 4, .base = 0x200000, .limit = 0xfff,
                                   .contents = LDT_DATA, .seg_32bit = true };
        CHECK(ldt_set(&direct) == -EINVAL, "a segment over the direct map was accepted");
        struct seg_desc l_bit = seg_desc_make(0, 0xff, SEG_CODE_RX, true, 3, DESC_L);
        CHECK(ldt_set_raw(4, l_bit) == -EINVAL, "a 64-bit code segment was accepted on i386");
    }
    struct ldt_info too_big = good;
    too_big.limit = 0x100000;
    CHECK(ldt_set(&too_big) == -EINVAL, "a limit over 20 bits was accepted");

    ldt_get(4, &after);
    CHECK(before.lo == after.lo && before.hi == after.hi, "a refusal changed the entry");
    CHECK(ldt_entries_used() == used, "a refusal changed the LDT's size");
    CHECK(ldt_clear(4) == 0, "clearing failed");
    ldt_get(4, &after);
    CHECK(after.lo == 0 && after.hi == 0, "the cleared entry is not empty");
    test_pass();
}

static void *other_ldt(void *arg)
{
    struct seg_desc d;
    ldt_get(1, &d);
    if (d.lo || d.hi)
        return (void *)1;   /* saw main's entry: LDTs are not per thread */
    uint8_t *b = test_buffer(), v = 0;
    struct ldt_info in = { .entry = 1, .base = (uint32_t)(uintptr_t)b + 8, .limit = 7,
                           .contents = LDT_DATA, .seg_32bit = true };
    if (ldt_set(&in))
        return (void *)2;
    thread_yield();   /* main runs with its own LDT meanwhile */
    if (read_via(ldt_selector(1), 0, &v) || v != 0xa8)
        return (void *)3;
    return (void *)0;
}

static void test_per_thread(void)
{
    uint8_t *b = test_buffer(), v;
    fill(b);
    struct ldt_info in = { .entry = 1, .base = (uint32_t)(uintptr_t)b, .limit = 63,
                           .contents = LDT_DATA, .seg_32bit = true };
    CHECK(ldt_set(&in) == 0, "install failed");
    int err;
    struct thread *t = thread_create("ldt", other_ldt, NULL, 8, &err);
    CHECK(t, "create failed: %d", err);
    thread_yield();
    CHECK(read_via(ldt_selector(1), 0, &v) == 0 && v == 0xa0,
          "main's entry 1 read 0x%x after the other thread set its own", v);
    void *ret;
    thread_join(t, &ret);
    CHECK(ret == NULL, "the other thread's LDT check %ld failed", (long)(intptr_t)ret);
    test_pass();
}

/* A thread's LDT and the %fs it loaded from it go with it from CPU to CPU
 * (kernel/sched.c loads the next thread's LDT on each switch, on the CPU
 * it switches on): it sets an entry, loads %fs, and moves itself to every
 * CPU in turn, three times round; on each, %fs still reads its data. */
static void *ldt_traveller(void *arg)
{
    uint8_t *b = test_buffer(), v = 0;
    struct ldt_info in = { .entry = 2, .base = (uint32_t)(uintptr_t)b, .limit = 63,
                           .contents = LDT_DATA, .seg_32bit = true };
    if (ldt_set(&in))
        return (void *)1;
    uint16_t saved = get_fs();
    set_fs(ldt_selector(2));
    intptr_t bad = 0;
    for (unsigned round = 0; round < 3 && !bad; round++) {
        for (unsigned cpu = 0; cpu < MAX_CPUS && !bad; cpu++) {
            if (!smp_cpu_online(cpu))
                continue;
            if (thread_set_affinity(thread_current(), 1u << cpu))
                bad = 2;
            else if (smp_this_cpu() != cpu)
                bad = 3;
            else if (get_fs() != ldt_selector(2))
                bad = 4;
            else if (probe_read_fs_byte(cpu, &v) || v != 0xa0 + cpu)
                bad = 5;
        }
    }
    set_fs(saved);
    return (void *)bad;
}

static void test_follows_thread(void)
{
    if (smp_cpus_online() < 2) {
        test_skip("one CPU");
        return;
    }
    uint8_t *b = test_buffer();
    CHECK(b, "no buffer");
    fill(b);
    int err;
    struct thread *t = thread_create("ldt-travel", ldt_traveller, NULL, 8, &err);
    CHECK(t, "create failed: %d", err);
    void *ret;
    thread_join(t, &ret);
    static const char *const what[] = { "", "installing the entry failed",
                                        "thread_set_affinity failed",
                                        "the thread was not on the CPU it moved to",
                                        "%fs changed with the move",
                                        "%fs no longer reads the segment's data" };
    intptr_t r = (intptr_t)ret;
    CHECK(r == 0, "%s", r > 0 && r < 6 ? what[r] : "unknown result");
    test_pass();
}

/* i386's trap path saves and reloads the data segment registers. An app
 * that clears the LDT entry its %fs names makes that reload fault inside
 * the kernel; the fixup loads the null selector instead, and the app goes
 * on (and would fault in its own code on its next %fs access). */
static volatile bool fired;
static void mark_fired(struct timer *t)
{
    fired = true;
}

static void test_cleared_while_loaded(void)
{
    if (sizeof(long) == 8) {
        test_skip("x86_64's trap path does not reload data segment registers");
        return;
    }
    uint8_t *b = test_buffer();
    fill(b);
    struct ldt_info in = { .entry = 3, .base = (uint32_t)(uintptr_t)b, .limit = 63,
                           .contents = LDT_DATA, .seg_32bit = true };
    CHECK(ldt_set(&in) == 0, "install failed");
    uint16_t saved = get_fs();
    static struct timer t;
    timer_setup(&t, mark_fired);
    fired = false;
    uint64_t irqs = timer_interrupts;
    set_fs(ldt_selector(3));
    int cleared = ldt_clear(3);
    /* an interrupt now returns through the reload of the stale %fs */
    timer_arm(&t, clock_ns() + 1000000);
    uint64_t give_up = clock_ns() + 2000000000ULL;
    while (!fired && clock_ns() < give_up)
        __asm__ __volatile__("pause");
    uint16_t after = get_fs();
    set_fs(saved);
    CHECK(cleared == 0, "clearing the entry failed: %d", cleared);
    CHECK(fired && timer_interrupts > irqs, "no timer interrupt within 2 s");
    CHECK(after == 0, "%%fs is 0x%x after the interrupt, expected the null selector", after);
    test_pass();
}

const struct test_case ldt_tests[] = {
    { "ldt.data_segment", test_data_segment },
    { "ldt.16bit_segment", test_16bit_segment },
    { "ldt.expand_down", test_expand_down },
    { "ldt.limits_enforced", test_limits },
    { "ldt.refusals", test_refusals },
    { "ldt.per_thread", test_per_thread },
    { "ldt.follows_thread", test_follows_thread },
    { "ldt.cleared_while_loaded", test_cleared_while_loaded },
    { NULL, NULL },
};
