/*
 * More than one CPU: the kernel's side (kernel/smp.c; docs/smp.md). How a
 * CPU is started is the personality's (the vcpu ops: INIT-SIPI-SIPI
 * natively, VCPUOP_initialise and VCPUOP_up under Xen PV); what it does
 * once it runs kernel code is the kernel's, the same everywhere.
 *
 * CPUs are numbered by the kernel: 0 is the boot CPU, 1..n-1 the others in
 * the order the personality counts them (the MADT's order natively, the
 * vCPU ids under Xen). The personality maps a number to its own id (an
 * APIC id, a vCPU id) for vcpu.start and apic.send_ipi.
 *
 * A started CPU runs threads like the boot CPU (kernel/sched.c) and takes
 * the calls other CPUs send it (smp_call_on).
 */
#ifndef PROTEUS_SMP_H
#define PROTEUS_SMP_H

#include <proteus/types.h>

/* Start every CPU the vcpu ops count, up to MAX_CPUS and the maxcpus=
 * option (none with nosmp); each one that does not come up is reported by
 * number and the boot goes on without it. kernel_main, after interrupts
 * are on. */
void smp_init(void);

/* Start CPU `cpu` now, as smp_init starts each (vcpu.start, then a wait
 * of up to 2 s for it to come online), for a CPU the boot left off
 * (maxcpus=, nosmp, or one that failed): 0 once it runs kernel code;
 * -ENODEV for CPU 0 or one the personality does not count; -EEXIST if it
 * is online; -EBUSY while another start is under way; -ENOSYS if the
 * personality starts no CPU on this machine; -ETIMEDOUT if it was started
 * but did not arrive; else the personality's error. Each failure but the
 * first three is also said on the console. From a thread. */
int smp_start_cpu(unsigned cpu);

unsigned smp_cpus_possible(void);   /* counted by the personality, capped */
unsigned smp_cpus_online(void);     /* running kernel code, the boot CPU included */
bool smp_cpu_online(unsigned cpu);
u32 smp_online_mask(void);          /* bit n: CPU n is online */
unsigned smp_this_cpu(void);        /* this CPU's kernel number */

/* Run fn(arg) on `cpu` from its IPI handler (interrupts off there) and
 * wait until it returned: 0; -ENODEV for a CPU that is not online;
 * -ETIMEDOUT if it did not answer within `timeout_ns` (the call may still
 * run later: `fn` and `arg` must stay valid). On this CPU: a direct call. */
int smp_call_on(unsigned cpu, void (*fn)(void *arg), void *arg, u64 timeout_ns);

/* After a mapping in [va, va+len) was removed or narrowed on this CPU:
 * every other online CPU flushes it from its TLB before this returns
 * (the mmu ops' flush_tlb_others: natively a call to each, where a CPU
 * that does not answer is a panic, since a stale entry there could reach
 * freed memory; under Xen PV one hypercall). Nothing with one CPU online. */
void smp_tlb_shootdown(vaddr_t va, size_t len);

/* The native flush_tlb_others (pv/native/mmu.c): a call to each CPU in
 * `cpus`, which flushes the range (or its whole TLB past
 * TLB_FLUSH_PAGES_MAX pages); one that does not answer is a panic. */
void smp_flush_tlb_by_call(u32 cpus, vaddr_t va, size_t len);

/* A fatal error: stop every other CPU (an IPI each, which they take even
 * with interrupts on at any point; they halt with interrupts off), so
 * that nothing runs on while the report is printed (kernel/panic.c). */
void smp_stop_others(void);

/* Where a started CPU enters the kernel (its vcpu_start_info.entry); the
 * argument is its kernel number. */
__noreturn void smp_ap_main(void *cpu);

#endif
