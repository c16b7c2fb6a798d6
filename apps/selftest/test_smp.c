/*
 * The kernel's side of more than one CPU (kernel/smp.c), whichever
 * personality started them: every CPU it was to start is online, a call
 * to each runs there, each has its FPU and SSE on, and calls to every
 * other CPU are all answered. The cases ask only include/proteus/smp.h
 * (and the nosmp and maxcpus= options), so they hold natively, under Xen
 * PV and wherever vcpu.start is implemented; on one CPU each says SKIP.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <arch/cpu.h>
#include <arch/extable.h>
#include <arch/x86.h>
#include <proteus/errno.h>
#include <proteus/options.h>
#include <proteus/percpu.h>
#include <proteus/pvops.h>
#include <proteus/smp.h>
#include "selftest.h"

/* Generous: under TCG on a loaded host a halted vCPU can take a while to
 * be scheduled again. smp_call_on reports a call not answered by then. */
#define CALL_TIMEOUT_NS (2000ULL * 1000000)
#define CALLS_PER_CPU 1000

/* How many CPUs the kernel was to start: all it counted, unless nosmp or
 * maxcpus=N (a number of at least 1; anything else is ignored) left some
 * off (kernel/smp.c). */
static unsigned cpus_to_start(void)
{
    unsigned possible = smp_cpus_possible();
    if (kernel_option_bool("nosmp", false))
        return 1;
    const char *opt = kernel_option("maxcpus");
    if (!opt || !*opt)
        return possible;
    char *end;
    unsigned long n = strtoul(opt, &end, 10);
    if (*end || *opt < '0' || *opt > '9' || n == 0)
        return possible;
    return n < possible ? (unsigned)n : possible;
}

static bool one_cpu(void)
{
    if (smp_cpus_online() > 1)
        return false;
    test_skip("one CPU (%u online of %u possible, %u to start)", smp_cpus_online(),
              smp_cpus_possible(), cpus_to_start());
    return true;
}

/* Where a call ran. Static: a call that timed out may still run later
 * (include/proteus/smp.h), so its argument must outlive the case. */
static struct {
    volatile unsigned cpu, runs;
} where;

static void note_cpu(void *arg)
{
    where.cpu = smp_this_cpu();
    where.runs++;
}

/* Every CPU the kernel was to start is online (the first ones it counted,
 * by number), and smp_call_on(cpu) runs the function on that CPU, once; a
 * CPU left off, or a number past the last, is refused. */
static void test_cpus_online(void)
{
    if (one_cpu())
        return;
    unsigned started = cpus_to_start(), online = smp_cpus_online();
    CHECK(online == started, "%u CPUs online, %u started (%u possible)", online, started,
          smp_cpus_possible());
    for (unsigned cpu = 0; cpu < started; cpu++) {
        CHECK(smp_cpu_online(cpu), "CPU %u is not online", cpu);
        where.cpu = ~0u;
        where.runs = 0;
        int err = smp_call_on(cpu, note_cpu, NULL, CALL_TIMEOUT_NS);
        CHECK(err == 0, "smp_call_on(%u) returned %s (%d)", cpu, errno_name(err), err);
        CHECK(where.runs == 1, "the call to CPU %u ran %u times", cpu, where.runs);
        CHECK(where.cpu == cpu, "the call to CPU %u ran on CPU %u", cpu, where.cpu);
    }
    int err = smp_call_on(started, note_cpu, NULL, CALL_TIMEOUT_NS);
    CHECK(err == -ENODEV, "smp_call_on(%u), a CPU not started, returned %d", started, err);
    test_pass();
}

/* What each CPU's FPU did: probe_fpu's answer (0, or -EFAULT for #NM:
 * CR0.TS set), CR0 as the cpu ops read it, and an SSE2 round trip. */
static struct {
    volatile int x87;
    volatile unsigned long cr0;
    volatile uint32_t sse;
} fpu;

__attribute__((target("sse2"))) static uint32_t sse_round_trip(uint32_t v)
{
    uint32_t out;
    __asm__ __volatile__("movd %1, %%xmm3\n\t"
                         "pshufd $0, %%xmm3, %%xmm3\n\t"
                         "psrldq $4, %%xmm3\n\t"
                         "movd %%xmm3, %0"
                         : "=r"(out)
                         : "r"(v)
                         : "xmm3");
    return out;
}

/* Runs in the target's IPI handler, on the idle thread's FPU state: no
 * thread there has any to lose yet. */
static void use_fpu(void *arg)
{
    fpu.cr0 = read_cr0();
    fpu.x87 = probe_fpu();
    if (fpu.x87 == 0 && cpu_features.sse2)
        fpu.sse = sse_round_trip(0x600dcafe);
}

/* Every CPU started as vcpu.start promises (include/proteus/pvops.h): the
 * x87 usable (CR0.TS clear, EM clear) and, where the CPU has it, SSE2. */
static void test_fpu_each_cpu(void)
{
    if (one_cpu())
        return;
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!smp_cpu_online(cpu))
            continue;
        fpu.x87 = 1;
        fpu.cr0 = ~0ul;
        fpu.sse = 0;
        int err = smp_call_on(cpu, use_fpu, NULL, CALL_TIMEOUT_NS);
        CHECK(err == 0, "smp_call_on(%u) returned %s (%d)", cpu, errno_name(err), err);
        CHECK(fpu.x87 == 0, "an x87 instruction on CPU %u faulted (%d): CR0 0x%lx", cpu, fpu.x87,
              fpu.cr0);
        CHECK(!(fpu.cr0 & (X86_CR0_TS | X86_CR0_EM)), "CPU %u has CR0 0x%lx (TS or EM set)", cpu,
              fpu.cr0);
        CHECK(!cpu_features.sse2 || fpu.sse == 0x600dcafe, "an SSE2 round trip on CPU %u gave "
              "0x%x", cpu, fpu.sse);
    }
    test_pass();
}

static volatile unsigned answered[MAX_CPUS];
static volatile unsigned wrong_cpu;

static void count_call(void *arg)
{
    unsigned cpu = (unsigned)(uintptr_t)arg;
    if (smp_this_cpu() != cpu)
        wrong_cpu++;
    answered[cpu]++;
}

/* CALLS_PER_CPU rounds of a call to every other CPU: each call answered
 * in time, on its CPU. */
static void test_ipi_all(void)
{
    if (one_cpu())
        return;
    unsigned self = smp_this_cpu(), online = smp_cpus_online();
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        answered[cpu] = 0;
    wrong_cpu = 0;
    u64 start = clock_ns();
    for (unsigned i = 0; i < CALLS_PER_CPU; i++) {
        for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
            if (cpu == self || !smp_cpu_online(cpu))
                continue;
            int err = smp_call_on(cpu, count_call, (void *)(uintptr_t)cpu, CALL_TIMEOUT_NS);
            CHECK(err == 0, "call %u to CPU %u returned %s (%d)", i + 1, cpu, errno_name(err),
                  err);
        }
    }
    u64 ns = clock_ns() - start;
    unsigned calls = CALLS_PER_CPU * (online - 1);
    printf("selftest: %u calls to %u other CPUs, %llu us each on average\n", calls, online - 1,
           (unsigned long long)(ns / calls / 1000));
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        unsigned expected = cpu == self || !smp_cpu_online(cpu) ? 0 : CALLS_PER_CPU;
        CHECK(answered[cpu] == expected, "CPU %u ran %u calls, expected %u", cpu, answered[cpu],
              expected);
    }
    CHECK(wrong_cpu == 0, "%u calls ran on another CPU than their target", wrong_cpu);
    test_pass();
}

/* Fatal (fatal_tests[], test_memory.c): the stop a fatal error sends the
 * other CPUs (VEC_IPI_STOP, kernel/smp.c), sent to CPU 1 alone. CPU 1 must
 * stop there, silently (natively cli; hlt; a Xen PV vCPU cannot execute
 * those and has them emulated, pv/xen/priv_op.c), and answer no call
 * afterwards. The case ends the machine itself, with status 0 if CPU 1
 * stopped: CPU 1 still counts as online, and the next TLB shootdown would
 * wait for it in vain. */
void test_fatal_stop_cpu1(void)
{
    if (smp_cpus_online() < 2) {
        test_skip("one CPU");
        return;
    }
    int err = apic_send_ipi(1, VEC_IPI_STOP);
    CHECK(err == 0, "apic_send_ipi(1, VEC_IPI_STOP) returned %d", err);
    usleep(200000);
    err = smp_call_on(1, note_cpu, NULL, 500000000);
    printf("selftest: after the stop IPI, a call to CPU 1 returned %s (%d): %s\n",
           errno_name(err), err, err == -ETIMEDOUT ? "stopped" : "still running");
    exit(err == -ETIMEDOUT ? 0 : 1);
}

const struct test_case smp_tests[] = {
    { "smp.cpus_online", test_cpus_online },
    { "smp.fpu_each_cpu", test_fpu_each_cpu },
    { "smp.ipi_all", test_ipi_all },
    { NULL, NULL },
};
