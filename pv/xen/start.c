/*
 * The Xen PV start of day. Xen enters at xenpv_entry (pv/xen/<arch>/boot.S)
 * with its own page tables, events masked and a start_info page
 * (Xen's public xen.h, "Start-of-day"). Before any platform op can run, shared_info
 * must be mapped, because the irq ops live in its vcpu_info; then the
 * personality is installed, the console works, and the boot information
 * is built from start_info. From there the boot is the common one
 * (kernel_main), with the xen-pv personality's steps.
 */
#include "xen.h"
#include <proteus/bootinfo.h>
#include <proteus/panic.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/range.h>
#include <proteus/errno.h>
#include <proteus/memmap.h>
#include <proteus/string.h>

start_info_t *xen_start_info;
shared_info_t *xen_shared_info;

/* shared_info is given as a machine address; a page of the early
 * padding (xen_early_take, below) serves as the virtual address to map it
 * at (Xen's public xen.h, struct shared_info). If the mapping fails, the
 * page stays ordinary zeroed memory, so that the irq ops can run long
 * enough to report it. */
static void *shared_info_va;

long xen_map_shared_info(const start_info_t *si)
{
    if (!shared_info_va)
        shared_info_va = xen_early_take(PAGE_SIZE);
    u64 pte = (u64)si->shared_info | 0x7;   /* present, writable, user (x86_64 PV forces U) */
    long err = xen_update_va_mapping((unsigned long)shared_info_va, pte, UVMF_INVLPG);
    xen_shared_info = shared_info_va;
    return err;
}

/* For a save: the page is Xen's, not the domain's (pv/xen/suspend.c). */
long xen_unmap_shared_info(void)
{
    return xen_update_va_mapping((unsigned long)shared_info_va, 0, UVMF_INVLPG);
}

extern char __image_start[];
extern long xen_page0_unmap_err;
u64 xen_bootstrap_start, xen_bootstrap_end;

/* Before the console: a line through console_io, which reaches Xen's
 * console (dom0's, and a domU's where Xen lets it), then a crash, as
 * pv/xen/early_trap.c does for a fault. */
static __noreturn void early_die(const char *line)
{
    (void)xen_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, strlen(line), line);
    struct sched_shutdown s = { .reason = SHUTDOWN_crash };
    for (;;)
        (void)xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, &s, 0);
}

/* The personality's buffers that are needed before the frame allocator
 * (the boot information, the MMU queue, the trap table) come from the
 * padding Xen leaves after the last bootstrap element: at least 512 KiB,
 * mapped with the bootstrap region (Xen's public xen.h, "Start-of-day",
 * point 7). An image booted any other way carries none of them in its
 * BSS. Xen does not promise the padding is zero, so each is zeroed here;
 * xen_start sets what was taken aside in the memory map. */
#define EARLY_PADDING (512u * 1024)
#define EARLY_ALIGN 64u
static u64 early_used;

/* A page or more starts on a page boundary (the shared_info mapping needs
 * one), anything smaller on a cache line. */
void *xen_early_take(size_t bytes)
{
    u64 at = ALIGN_UP(early_used, bytes >= PAGE_SIZE ? (u64)PAGE_SIZE : (u64)EARLY_ALIGN);
    if (!xen_bootstrap_end || bytes > EARLY_PADDING || at + bytes > EARLY_PADDING)
        early_die("xen: the personality's early buffers outgrow the 512 KiB Xen leaves after "
                  "the bootstrap region\n");
    early_used = at + bytes;
    void *p = (void *)(uintptr_t)(xen_bootstrap_end + at);
    memset(p, 0, bytes);
    return p;
}

void xen_start(start_info_t *si, unsigned long entry_sp);
void xen_start(start_info_t *si, unsigned long entry_sp)
{

    /*T:185 The Xen PV counterpart of boot_entry (kernel/main.c), in the
     * same order with Xen's steps in front: the shared_info page mapped
     * (the irq ops read their mask byte in it) and the P2M list found, so
     * that the ops can run; then the personality installed, chosen by
     * this entry rather than probed (platform_select_entry, chapter 2);
     * the console; and start_info turned into the same struct boot_info
     * the native path parses from Multiboot or PVH (xen_boot_info,
     * pv/xen/start_info.c). Both paths end in kernel_main(boot): that
     * call is where they meet.
     * Xen's early trap table (pv/xen/early_trap.c) reports any fault from here
     * until setup_cpu installs the real one. Nothing in start_info is used
     * before it is checked: the P2M list by xen_mmu_init, the rest by
     * xen_boot_info once the console can say what was wrong. */
    xen_start_info = si;
    xen_bootstrap_start = (u64)(uintptr_t)__image_start;
    if (!align_up_checked(entry_sp, PAGE_SIZE, &xen_bootstrap_end))
        xen_bootstrap_end = 0;
    struct boot_info *boot = xen_early_take(sizeof(*boot));
    xen_cpu_take_buffers();
    long err = xen_map_shared_info(si);
    int mmu_err = xen_mmu_init(si, xen_bootstrap_start, xen_bootstrap_end);
    platform_select_entry(&xen_pv_personality);
    console_init();
    platform_print_notes();   /* what the selection noted before there was a console */
    if (xen_page0_unmap_err)   /* pv/xen/<arch>/early_trap.S */
        printk("xen: unmapping page 0 at entry failed: %s (%ld); NULL reads go unnoticed "
               "until the page tables are adopted\n", xen_errno_name(xen_page0_unmap_err),
               xen_page0_unmap_err);
    if (err) {
        printk("xen: mapping shared_info (machine address 0x%llx) failed: %s (%ld)\n",
               (unsigned long long)si->shared_info, xen_errno_name(err), err);
        kernel_exit(PANIC_EXIT_STATUS);
    }
    if (mmu_err == -EFAULT) {
        printk("xen: start_info's P2M list (0x%llx, %llu pages) does not lie inside the "
               "bootstrap region 0x%llx-0x%llx\n", (unsigned long long)si->mfn_list,
               (unsigned long long)si->nr_pages, (unsigned long long)xen_bootstrap_start,
               (unsigned long long)xen_bootstrap_end);
        kernel_exit(PANIC_EXIT_STATUS);
    } else if (mmu_err) {
        printk("xen: XENMEM_machphys_mapping failed: %s (%d)\n", xen_errno_name(mmu_err),
               mmu_err);
        kernel_exit(PANIC_EXIT_STATUS);
    }
    long v = xen_hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    xen_extraversion_t extra = { 0 };
    (void)xen_hypercall(__HYPERVISOR_xen_version, XENVER_extraversion, extra, 0);
    extra[sizeof(extra) - 1] = '\0';
    printk("proteus: running on Xen %ld.%ld%s as %s, %lu pages\n", v >> 16, v & 0xffff, extra,
           (si->flags & SIF_INITDOMAIN) ? "dom0" : "a domU", (unsigned long)si->nr_pages);
    if (xen_boot_info(boot, si, xen_bootstrap_start, entry_sp))
        kernel_exit(PANIC_EXIT_STATUS);   /* xen_boot_info said why */
    /* the early buffers, set aside with the bootstrap region (reserved
     * wins over RAM in the normalised map) */
    memmap_add(&boot->mem, xen_bootstrap_end, ALIGN_UP(early_used, (u64)PAGE_SIZE), MEM_RESERVED);
    memmap_normalize(&boot->mem);
    kernel_main(boot);
}
