/*
 * The Xen PV start of day. Xen enters at xenpv_entry with its own page
 * tables and a start_info page (protocol-facts 2.3-2.5); this file checks
 * that page, installs the xen-pv personality and reports what it found.
 *
 * Not done yet: everything after that (trap table, events, pvclock, the
 * page-table hypercalls, threads). Until then the kernel says so and shuts
 * the domain down, with status 2, rather than run half a platform.
 */
#include "xen.h"
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/string.h>

start_info_t *xen_start_info;
shared_info_t *xen_shared_info;

/* shared_info is given as a machine address; a page of the kernel's own
 * BSS serves as the virtual address to map it at (protocol-facts 2.7). */
static u8 shared_info_page[4096] __aligned(4096);

static long map_shared_info(const start_info_t *si)
{
    u64 pte = (u64)si->shared_info | 0x7;   /* present, writable, user (x86_64 PV forces U) */
#ifdef __x86_64__
    long err = xen_hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)shared_info_page,
                             pte, UVMF_INVLPG);
#else
    /* a 64-bit PAE entry takes two argument registers on i386 */
    long err = xen_hypercall5(__HYPERVISOR_update_va_mapping, (unsigned long)shared_info_page,
                              (u32)pte, (u32)(pte >> 32), UVMF_INVLPG, 0);
#endif
    if (!err)
        xen_shared_info = (shared_info_t *)shared_info_page;
    return err;
}

void xen_events_pending(void)
{
    /* No event channel is bound yet, so there is nothing to deliver:
     * clear the flag so that enabling does not look again and again. */
    xen_shared_info->vcpu_info[0].evtchn_upcall_pending = 0;
}

static bool magic_ok(const start_info_t *si)
{
#ifdef __x86_64__
    static const char want[] = "xen-3.0-x86_64";
#else
    static const char want[] = "xen-3.0-x86_32p";
#endif
    return !strncmp(si->magic, want, sizeof(want) - 1);
}

void xen_start(start_info_t *si);
void xen_start(start_info_t *si)
{
    xen_start_info = si;
    /* Before any platform op: printk's lock uses the irq ops, which
     * live in shared_info. */
    long err = map_shared_info(si);
    platform_select_entry(&xen_pv_personality);
    console_init();
    if (err) {
        printk("xen: mapping shared_info (machine address 0x%lx) failed: %ld\n",
               (unsigned long)si->shared_info, err);
        machine_exit(2);
    }
    if (!magic_ok(si)) {
        char magic[33];
        memcpy(magic, si->magic, 32);
        magic[32] = '\0';
        printk("xen: start_info magic '%s' is not one this kernel knows\n", magic);
        machine_exit(2);
    }
    long v = xen_hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    printk("proteus: running on Xen %ld.%ld as %s, %lu pages\n", v >> 16, v & 0xffff,
           (si->flags & SIF_INITDOMAIN) ? "dom0" : "a domU", (unsigned long)si->nr_pages);
    platform_print_boot_line();
    printk("proteus: the xen-pv personality is not complete yet: stopping here\n");
    machine_exit(2);
}
