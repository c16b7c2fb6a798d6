/*
 * The monitor's `cpu`: which CPUs the personality counts and which run
 * kernel code, and `cpu start N`, which starts one the boot left off
 * (maxcpus=, nosmp) through the same high-level platform op the boot uses,
 * vcpu.start: INIT-SIPI-SIPI natively and under KVM, VCPUOP_initialise and
 * VCPUOP_up under Xen PV, the shim's VCPU_START_AP under VMI. A student
 * sees one op, four mechanisms (the tour's chapter 7).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <proteus/errno.h>
#include <proteus/pvops.h>
#include <proteus/smp.h>
#include <proteus/thread.h>
#include "monitor.h"

/* A thread pinned to the new CPU, which must be woken there (the
 * scheduler's reschedule IPI to a halted CPU): proof that the CPU takes
 * threads, not only that it came online. */
static volatile unsigned ran_on = ~0u;
static void *where_am_i(void *arg)
{
    ran_on = smp_this_cpu();
    return NULL;
}

static int run_thread_on(unsigned cpu)
{
    int err;
    ran_on = ~0u;
    struct thread *t = thread_create_on("cpu-check", where_am_i, NULL, 4, 1u << cpu, &err);
    if (!t) {
        printf("cpu: no thread for CPU %u: %s (%d)\n", cpu, errno_name(err), err);
        return 1;
    }
    uint64_t deadline = clock_ns() + 2000000000ULL;
    while (ran_on == ~0u && clock_ns() < deadline)
        thread_sleep_until(clock_ns() + 1000000);
    if (ran_on != cpu) {
        /* the thread may still run later: it only writes a static */
        printf("cpu: a thread for CPU %u did not run there within 2 s\n", cpu);
        return 1;
    }
    thread_join(t, NULL);
    printf("cpu: a thread ran on CPU %u\n", cpu);
    return 0;
}

static void list(void)
{
    unsigned n = smp_cpus_possible();
    printf("%u CPU%s counted by %s, %u online\n", n, n == 1 ? "" : "s", pv_ops.vcpu.name,
           smp_cpus_online());
    for (unsigned cpu = 0; cpu < n; cpu++)
        printf("  cpu %u  %s\n", cpu, smp_cpu_online(cpu) ? "online" : "off");
}

int cmd_cpu(int argc, char **argv)
{
    if (argc == 1) {
        list();
        return 0;
    }
    unsigned long long cpu;
    if (argc != 3 || strcmp(argv[1], "start")) {
        printf("cpu: usage: cpu, or cpu start N\n");
        return 1;
    }
    if (parse_number(argv[2], &cpu))
        return 1;
    if (cpu >= smp_cpus_possible()) {
        printf("cpu: %s counts %u CPUs: there is no CPU %llu\n", pv_ops.vcpu.name,
               smp_cpus_possible(), cpu);
        return 1;
    }
    int err = smp_start_cpu((unsigned)cpu);
    if (err == -EEXIST)
        printf("cpu: CPU %llu is online already\n", cpu);
    else if (err == -ENODEV)
        printf("cpu: CPU 0 is the boot CPU: it is never started\n");
    else if (err)
        printf("cpu: starting CPU %llu through %s's vcpu.start failed: %s (%d)\n", cpu,
               pv_ops.vcpu.name, errno_name(err), err);
    else
        printf("cpu: CPU %llu started through %s's vcpu.start: online, %u CPUs now\n", cpu,
               pv_ops.vcpu.name, smp_cpus_online());
    return err ? 1 : run_thread_on((unsigned)cpu);
}
