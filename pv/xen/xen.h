/*
 * The xen-pv personality's private declarations: the pages Xen hands over,
 * the ops tables of each group, and what its files use among themselves.
 * What apps may see and use (event channels, counters, the console ring)
 * is <pv/xen.h>, included here.
 */
#ifndef PV_XEN_XEN_H
#define PV_XEN_XEN_H

#include "hypercall.h"
#include "start_info.h"
#include <proteus/percpu.h>
#include <proteus/pvops.h>
#include <pv/xen.h>
#include <xen/event_channel.h>
#include <xen/physdev.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

struct boot_info;
struct trap_frame;

extern start_info_t *xen_start_info;

/* The vCPU running this code. The kernel's CPU numbers are Xen's vCPU ids
 * (pv/xen/vcpu.c). Until the boot CPU's per-CPU area is in (setup_cpu),
 * only vCPU 0 runs and %gs leads nowhere yet; every vCPU started later has
 * its area from its first instruction. */
extern bool xen_percpu_ready;

static inline unsigned xen_vcpu_id(void)
{
    return xen_percpu_ready ? this_cpu()->id : 0;
}

/* A vCPU's vcpu_info: the one registered for it in the kernel's own
 * memory (VCPUOP_register_vcpu_info, pv/xen/vcpu.c), or until then (and
 * where Xen refused) its slot in shared_info, which holds the first
 * XEN_LEGACY_MAX_VCPUS (Xen's public xen.h, struct shared_info). */
extern struct vcpu_info *xen_vcpu_info_of[MAX_CPUS];

static inline struct vcpu_info *xen_vcpu_info(unsigned cpu)
{
    struct vcpu_info *v = xen_vcpu_info_of[cpu];
    return v ? v : &xen_shared_info->vcpu_info[cpu];
}

/* This vCPU's. */
static inline struct vcpu_info *xen_vcpu(void)
{
    return xen_vcpu_info(xen_vcpu_id());
}

/* Move vCPU `cpu`'s vcpu_info into the kernel's memory (for vCPU 0 as it
 * runs; for another before it starts): 0, or Xen's error, said, after
 * which it keeps its shared_info slot. */
int xen_vcpu_info_register(unsigned cpu);

static inline bool xen_is_dom0(void)
{
    return xen_start_info && (xen_start_info->flags & SIF_INITDOMAIN);
}

/* The ops of each group. */
extern const struct pv_cpu_ops xen_cpu_ops;
extern const struct pv_irq_ops xen_irq_ops;
extern const struct pv_mmu_ops xen_mmu_ops;
extern const struct pv_apic_ops xen_evtchn_ops;
extern const struct pv_time_ops xen_time_ops;
extern const struct pv_vcpu_ops xen_vcpu_ops;
extern const struct pv_console_ops xen_console_ops;
extern const struct pv_power_ops xen_power_ops;

/* mmu.c */
/* The M2P table's mapping, and the P2M list checked to lie inside the
 * bootstrap region [image_start, bootstrap_end): 0, -EFAULT for a P2M list
 * outside it, or Xen's error. Prints nothing: the console is not up yet. */
int xen_mmu_init(const start_info_t *si, u64 image_start, u64 bootstrap_end);
/* Where Xen's bootstrap region lies (pv/xen/start.c): the pages Xen mapped
 * at VA == PFN for the image, P2M list, start_info, rings and tables. */
extern u64 xen_bootstrap_start, xen_bootstrap_end;
/* `bytes`, zeroed, from the padding Xen leaves mapped after the bootstrap
 * region (pv/xen/start.c): for buffers needed before the frame allocator,
 * and only from xen_start's calls (before the memory map is made). Never
 * NULL: running out of the 512 KiB Xen promises ends the domain with a
 * line on Xen's console. */
void *xen_early_take(size_t bytes);
/* cpu.c: the trap table's buffer, from xen_early_take. */
void xen_cpu_take_buffers(void);
unsigned long xen_pfn_to_mfn(unsigned long pfn);
unsigned long xen_mfn_to_pfn(unsigned long mfn);   /* ~0UL: not this domain's */
bool xen_mfn_ready(void);   /* xen_mmu_init succeeded: the two translate */
u64 xen_virt_to_machine(const void *va);           /* for a direct-map address */
/* Map the direct-map page at `va` read-only (it is to be a page table or a
 * descriptor table) or writable again. */
void xen_remap(const void *va, bool writable);

/* events.c: event channels (the rest is in <pv/xen.h>). */
int xen_evtchn_bind_virq(unsigned virq, unsigned vector, evtchn_port_t *port);
/* A per-vCPU VIRQ (VIRQ_TIMER) of vCPU `cpu`, handled on that vCPU. */
int xen_evtchn_bind_virq_cpu(unsigned virq, unsigned cpu, unsigned vector, evtchn_port_t *port);
int xen_events_init(void);
void xen_upcall(struct trap_frame *f);
/* vCPU `cpu` (not 0) is about to run, or did not start after all: IPIs to
 * it are accepted or refused from now on (each vector's port is bound to
 * it on first use). */
void xen_evtchn_cpu_running(unsigned cpu, bool running);

/* The kernel's state on the console: counts and threads (VIRQ_DEBUG,
 * which Xen's 'q' debug key sends; `xl sysrq <domain> t`). */
void xen_dump_state(const char *why);

/* Ask Xen to deliver pending events now (called after unmasking). */
void xen_force_upcall(void);

/* xenstore.c: connect to xenstored (a domU; -ENODEV for dom0). */
int xenstore_init(void);
/* grant_table.c: the table's frames from Xen, mapped (dom0 and domU);
 * unmapped for a save (a guest's tables may map no frame of Xen's then),
 * set up again after, with every grant in use written anew. */
int xen_grant_table_init(void);
void xen_grant_table_suspend(void);
int xen_grant_table_resume(void);

/* start.c: shared_info mapped at its page, from start_info's machine
 * address (again after a restore), and unmapped for a save. */
long xen_map_shared_info(const start_info_t *si);
long xen_unmap_shared_info(void);

/* suspend.c: `xl save` (control/shutdown = "suspend"): 0 when the domain
 * resumed (restored, or the save cancelled), or why it did not suspend. */
int xen_suspend(void);
/* The P2M frame lists the toolstack reads to save the domain (set up at
 * boot and again after every restore). */
int xen_p2m_frame_list_setup(void);
/* Each part's own resume, in suspend.c's order. */
int xen_events_resume(void);
void xen_console_resume(void);
void xen_time_resume(u64 clock_before);
void xen_time_resume_cpu(void);
void xenstore_suspend(void);
void xenstore_resume(void);
/* control.c: the toolstack's requests (control/shutdown, control/sysrq),
 * the feature keys that advertise them, and the exit status written to
 * data/exit-status before the domain ends. */
void xen_control_init(void);
void xen_control_exit_status(int status);

/* time.c: nanoseconds of Xen system time when the kernel's clock read 0. */
extern u64 xen_boot_system_ns;
void xen_time_init_cpu(void);   /* on a started vCPU: no periodic tick */

/* cpu.c: the trap table in force, by vector as vcpu_guest_context holds
 * it (an entry with address 0: none), for a vCPU about to start. */
void xen_trap_context(struct trap_info ctx[256]);

/* Entry points in pv/xen/<arch>/entry.S. */
extern char xen_trap_stubs[], xen_event_entry[], xen_failsafe_entry[];

#endif
