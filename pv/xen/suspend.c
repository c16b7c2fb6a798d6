/*
 * Saving and restoring a Xen PV domU (`xl save`, `xl restore`, `xl
 * migrate`): the guest's half of the protocol. The toolstack asks through
 * control/shutdown = "suspend" (pv/xen/control.c); the guest makes itself
 * saveable and calls SCHEDOP_shutdown(SHUTDOWN_suspend) with its
 * start_info's machine frame in the third argument register (Xen's public
 * sched.h: "the guest passes ... the MFN of its start_info page"). The
 * toolstack then copies every page out, and on restore builds a new
 * domain from them; the hypercall returns 0 there, or 1 when the save was
 * cancelled and the same domain goes on (Xen's public sched.h,
 * SHUTDOWN_suspend).
 *
 * Saveable means (the toolstack's side: tools/libs/guest/xg_sr_save_x86_pv.c):
 *   - shared_info->arch.pfn_to_mfn_frame_list_list names a frame listing
 *     frames that list the P2M's frames, and max_pfn its length, so the
 *     toolstack can read the P2M (xen_p2m_frame_list_setup);
 *   - start_info's xenstore and console frames are given as PFNs, which
 *     the restore turns into the new domain's MFNs;
 *   - no page table maps a frame that is not the domain's own: shared_info
 *     and the grant table's frames are unmapped first.
 * A restored domain has a new shared_info, no event channels but the
 * toolstack's two, no registered vcpu_info, no grant table, another
 * xenstored connection and, perhaps, another host's system time. Each
 * part is set up again, in the order below; the app's threads never
 * notice, beyond the time the domain was away (the kernel's clock does
 * not count it, as CLOCK_MONOTONIC does not count a suspend).
 *
 * With more than one vCPU, the others are parked first: a thread pinned
 * to each spins with events masked, holding nothing, while vCPU 0 does
 * the work (the toolstack saves and restores every vCPU's context, so a
 * parked vCPU wakes up still spinning). In a restored domain each one's
 * vcpu_info is registered again, which Xen allows only for a vCPU that is
 * down or is the caller: vCPU 0 takes each parked one down, registers it
 * and brings it up again (VCPUOP_down, _register_vcpu_info, _up; Xen's
 * public vcpu.h). Released, each stops its periodic tick and arms its own
 * one-shot timer again, which only the vCPU itself may do.
 */
#include "xen.h"
#include <pv/xenbus.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/smp.h>
#include <proteus/thread.h>
#include <proteus/timer.h>
#include <proteus/vm.h>
#include <hw/x86.h>
#include <pv/xen_grant.h>
#include <pv/xenstore.h>

/* P2M entries per page, and so P2M pages per frame-list page. */
#define EPP (PAGE_SIZE / sizeof(unsigned long))
#define L2_MAX 8   /* each lists EPP P2M pages: 8 GiB of domain on x86_64, 32 on i386 */

static unsigned long *p2m_l3, *p2m_l2[L2_MAX];

int xen_p2m_frame_list_setup(void)
{
    const unsigned long *p2m = (const unsigned long *)xen_start_info->mfn_list;
    unsigned long pages = (xen_start_info->nr_pages + EPP - 1) / EPP;
    unsigned long l2s = (pages + EPP - 1) / EPP;
    if ((uintptr_t)p2m & (PAGE_SIZE - 1) || l2s > L2_MAX) {
        printk("xen: the P2M list (at %p, %lu pages) cannot be described for a save: "
               "xl save will fail\n", (const void *)p2m, pages);
        return -EINVAL;
    }
    for (unsigned long i = 0; i <= l2s; i++) {
        unsigned long **slot = i < l2s ? &p2m_l2[i] : &p2m_l3;
        if (!*slot) {
            paddr_t pa = page_alloc(PAGE_DIRECT | PAGE_ZERO);
            if (!pa) {
                printk("xen: no memory for the P2M frame lists: xl save will fail\n");
                return -ENOMEM;
            }
            *slot = phys_to_virt(pa);
        }
    }
    for (unsigned long i = 0; i < pages; i++)
        p2m_l2[i / EPP][i % EPP] = (unsigned long)(xen_virt_to_machine(p2m + i * EPP) >> PAGE_SHIFT);
    for (unsigned long i = 0; i < l2s; i++)
        p2m_l3[i] = (unsigned long)(xen_virt_to_machine(p2m_l2[i]) >> PAGE_SHIFT);
    xen_shared_info->arch.max_pfn = xen_start_info->nr_pages;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    xen_shared_info->arch.pfn_to_mfn_frame_list_list =
        (xen_pfn_t)(xen_virt_to_machine(p2m_l3) >> PAGE_SHIFT);
    return 0;
}

/* start_info's two frames as PFNs for the save, and back as MFNs when it
 * was cancelled (a restore writes the new MFNs itself). */
static void frames_to_pfns(void)
{
    xen_start_info->store_mfn = xen_mfn_to_pfn(xen_start_info->store_mfn);
    xen_start_info->console.domU.mfn = xen_mfn_to_pfn(xen_start_info->console.domU.mfn);
}

static void frames_to_mfns(void)
{
    xen_start_info->store_mfn = xen_pfn_to_mfn(xen_start_info->store_mfn);
    xen_start_info->console.domU.mfn = xen_pfn_to_mfn(xen_start_info->console.domU.mfn);
}

/* The other vCPUs while vCPU 0 suspends: parked with events masked. */
static volatile unsigned parked;
static volatile bool release, resumed_restored;
static struct thread *parkers[MAX_CPUS];

static void *park(void *unused)
{
    unsigned long flags = irq_save();
    __atomic_add_fetch(&parked, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE))
        x86_pause();
    if (resumed_restored)
        xen_time_resume_cpu();
    irq_restore(flags);
    return NULL;
}

static void unpark(void)
{
    __atomic_store_n(&release, true, __ATOMIC_RELEASE);
    for (unsigned c = 1; c < MAX_CPUS; c++)
        if (parkers[c]) {
            thread_join(parkers[c], NULL);
            parkers[c] = NULL;
        }
}

/* A thread on each other online vCPU, parked: false (all released again)
 * if one could not be made or did not park within a second. */
static bool park_others(void)
{
    u32 others = smp_online_mask() & ~1u;
    unsigned want = 0;   /* no libgcc: no __builtin_popcount */
    for (u32 m = others; m; m &= m - 1)
        want++;
    parked = 0;
    release = false;
    resumed_restored = false;
    for (unsigned c = 1; c < MAX_CPUS; c++) {
        if (!(others & (1u << c)))
            continue;
        int err;
        parkers[c] = thread_create_on("xen-park", park, NULL, 2, 1u << c, &err);
        if (!parkers[c]) {
            printk("xen: no thread to park vCPU %u for the save: %s\n", c, errno_name(err));
            unpark();
            return false;
        }
    }
    u64 end = clock_ns() + 1000000000ULL;
    while (__atomic_load_n(&parked, __ATOMIC_SEQ_CST) < want && clock_ns() < end)
        thread_yield();
    if (parked < want) {
        printk("xen: only %u of %u other vCPUs parked for the save within 1 s\n", parked, want);
        unpark();
        return false;
    }
    return true;
}

/* A parked vCPU's vcpu_info registered again (pv/xen/vcpu.c), which Xen
 * allows only while the vCPU is down. */
static void reregister(unsigned cpu)
{
    long err = xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_down, cpu, 0);
    if (err)
        panic("xen: VCPUOP_down of vCPU %u after the restore failed: %s (%ld)", cpu,
              xen_errno_name(err), err);
    xen_vcpu_info_register(cpu);
    xen_vcpu_info(cpu)->evtchn_upcall_mask = 1;   /* it is parked with events masked */
    err = xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_up, cpu, 0);
    if (err)
        panic("xen: VCPUOP_up of vCPU %u after the restore failed: %s (%ld)", cpu,
              xen_errno_name(err), err);
}

int xen_suspend(void)
{
    /* A connected split device would need its rings, grants and event
     * channel made again with the new domain's backend after a restore
     * (a new backend, in the Initialising state); that is not done, so
     * the save is refused rather than leave the device dead after it. */
    unsigned devices = xenbus_connected_count();
    if (devices) {
        printk("xen: suspend refused: %u split device(s) connected (vif, vbd), and reconnecting "
               "them after a restore is not supported\n", devices);
        return -EBUSY;
    }
    /* vCPU 0 does it, with every other parked */
    u32 was_affinity = thread_affinity(thread_current());
    int err0 = thread_set_affinity(thread_current(), 1u << 0);
    if (err0) {
        printk("xen: cannot move to vCPU 0 for the save: %s\n", errno_name(err0));
        return err0;
    }
    u32 others = smp_online_mask() & ~1u;
    if (others && !park_others()) {
        thread_set_affinity(thread_current(), was_affinity);
        return -EBUSY;
    }
    printk("xen: suspending for the toolstack (xl save)\n");
    xenstore_suspend();
    unsigned long flags = irq_save();
    u64 clock_before = clock_ns();

    xen_grant_table_suspend();
    frames_to_pfns();
    long err = xen_unmap_shared_info();
    if (err)
        printk("xen: unmapping shared_info for the save failed: %s (%ld)\n", xen_errno_name(err),
               err);
    struct sched_shutdown sd = { .reason = SHUTDOWN_suspend };
    unsigned long start_info_mfn =
        (unsigned long)(xen_virt_to_machine(xen_start_info) >> PAGE_SHIFT);
    long rc = xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &sd, start_info_mfn);

    /* Here again: in a new domain (0), or the same one (1, cancelled; or
     * an error, and nothing happened). */
    bool restored = rc == 0;
    if (!restored)
        frames_to_mfns();
    err = xen_map_shared_info(xen_start_info);
    if (err)
        panic("xen: mapping shared_info (machine address 0x%llx) after the save failed: %s (%ld)",
              (unsigned long long)xen_start_info->shared_info, xen_errno_name(err), err);
    if (restored) {
        /* the new domain writes each vCPU's shared_info slot until it is
         * registered again; no event may reach one meanwhile */
        for (unsigned c = 0; c < MAX_CPUS; c++) {
            if (!(c == 0 || (others & (1u << c))))
                continue;
            xen_vcpu_info_of[c] = NULL;
            if (c < XEN_LEGACY_MAX_VCPUS)
                xen_shared_info->vcpu_info[c].evtchn_upcall_mask = 1;
        }
        xen_vcpu_info_register(0);
        xen_vcpu_info(0)->evtchn_upcall_mask = 1;
        for (unsigned c = 1; c < MAX_CPUS; c++)
            if (others & (1u << c))
                reregister(c);
        int e = xen_events_resume();
        if (e)
            panic("xen: the event channels could not be set up again after the restore: %d", e);
    }
    xen_time_resume(restored ? clock_before : clock_ns());
    if (restored)
        xen_console_resume();
    xen_grant_table_resume();
    xen_p2m_frame_list_setup();
    irq_restore(flags);
    resumed_restored = restored;
    if (others)
        unpark();   /* each re-arms its own timer first */
    thread_set_affinity(thread_current(), was_affinity);
    xenstore_resume();
    if (rc < 0)
        printk("xen: SCHEDOP_shutdown (suspend) failed: %s (%ld); the domain runs on\n",
               xen_errno_name(rc), rc);
    else
        printk("xen: resumed (%s) at clock %llu.%03llu s\n",
               restored ? "restored" : "the save was cancelled",
               (unsigned long long)(clock_before / 1000000000ULL),
               (unsigned long long)(clock_before / 1000000 % 1000));
    return rc < 0 ? (int)rc : 0;
}
