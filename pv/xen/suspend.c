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
 * One vCPU only, for now: with more, each would have to be parked in a
 * known state and its vcpu_info, timer and IPIs set up again; a save of a
 * domain running on several vCPUs is refused (the toolstack reports its
 * timeout).
 */
#include "xen.h"
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/smp.h>
#include <proteus/vm.h>
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

int xen_suspend(void)
{
    unsigned online = smp_cpus_online();
    if (online > 1) {
        printk("xen: a save of a domain on %u vCPUs is not supported yet: the domain runs on\n",
               online);
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
        xen_vcpu_info_of[0] = NULL;   /* the new domain writes the shared_info slot */
        xen_vcpu_info_register(0);
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
