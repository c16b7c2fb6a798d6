/*
 * From Xen's start_info page to the kernel's boot information. start_info
 * comes from outside the kernel (Xen's public xen.h, struct start_info), so nothing in it is
 * trusted: the magic names the ABI, the command line need not end inside
 * its buffer, and the addresses must fall inside the region Xen built.
 *
 * The memory map follows from the start-of-day layout (Xen's
 * public xen.h, "Start-of-day memory layout"): Xen maps the domain's first pages at VA == pseudo-physical address
 * (VIRT_BASE 0), the kernel image at its link address (1 MiB), and after it
 * the P2M list, start_info, (domU) the xenstore and console pages, the
 * bootstrap page tables and the one-page bootstrap stack, whose top is the
 * stack pointer at entry. Below the image and above that stack is free RAM
 * up to nr_pages; page 0 is left out so that NULL faults.
 *
 * Only the low megabyte and some 512 KiB above the bootstrap region are
 * mapped at first, and the frame allocator's bitmap must fit there before
 * the kernel maps the rest: in the low megabyte, which holds the bitmap of
 * 32 GiB. A larger domain uses its first 32 GiB, and says so.
 *
 * Pure code: tests/unit/test_xen_start_info.c runs it on the host.
 */
#include "start_info.h"
#include <arch/boot.h>
#include <proteus/bootinfo.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/range.h>
#include <proteus/string.h>

/* #ifdef, not IS_ENABLED: the unit tests build this file for the host,
 * without CONFIG_ flags, and sizeof must see the literal itself. */
#ifdef __x86_64__
#define XEN_START_MAGIC "xen-3.0-x86_64"
#else
#define XEN_START_MAGIC "xen-3.0-x86_32p"
#endif

/* One bit per 4 KiB page, in the 1020 KiB below the image: 32 GiB. */
#define XEN_MAX_RAM (32ULL << 30)

static bool inside(u64 addr, u64 lo, u64 hi)
{
    return addr >= lo && addr < hi;
}

/* The P2M list, one machine frame number per page of the domain, must lie
 * whole inside the bootstrap region: the kernel reads it before anything
 * else can check it (the domU console's ring is found through it). */
bool xen_p2m_list_ok(const start_info_t *si, u64 image_start, u64 bootstrap_end)
{
    u64 bytes;
    return shl_checked(si->nr_pages, sizeof(unsigned long) == 8 ? 3 : 2, &bytes) &&
           range_inside(si->mfn_list, bytes, image_start, bootstrap_end);
}

int xen_boot_info(struct boot_info *bi, const start_info_t *si, u64 image_start, u64 entry_sp)
{
    memset(bi, 0, sizeof(*bi));
    memmap_init(&bi->mem);
    bi->entry = BOOT_ENTRY_XEN_PV;
    bi->protocol = "xen-pv";

    if (strncmp(si->magic, XEN_START_MAGIC, sizeof(XEN_START_MAGIC) - 1)) {
        char magic[sizeof(si->magic) + 1];
        memcpy(magic, si->magic, sizeof(si->magic));
        magic[sizeof(si->magic)] = '\0';
        for (char *c = magic; *c; c++)
            if (*c < 0x20 || *c > 0x7e)
                *c = '?';
        printk("xen: start_info magic '%s' is not '%s': not a guest of this kind\n", magic,
               XEN_START_MAGIC);
        return -EINVAL;
    }

    u64 bootstrap_end, ram_end, pt_bytes, pt_end;
    if (!align_up_checked(entry_sp, PAGE_SIZE, &bootstrap_end)) {
        printk("xen: the stack pointer at entry (0x%llx) is not in any bootstrap region\n",
               (unsigned long long)entry_sp);
        return -EINVAL;
    }
    /* nr_pages is the domain's size in pages: one that overflows 2^64
     * bytes would wrap into a small, plausible-looking size. */
    if (!shl_checked(si->nr_pages, PAGE_SHIFT, &ram_end)) {
        printk("xen: start_info gives %llu pages, more than any address space holds\n",
               (unsigned long long)si->nr_pages);
        return -EINVAL;
    }
    if (ram_end > XEN_MAX_RAM) {
        printk("xen: using the first %llu GiB of the domain's %llu MiB: the frame bitmap of "
               "more does not fit in the memory Xen maps at first\n",
               (unsigned long long)(XEN_MAX_RAM >> 30), (unsigned long long)(ram_end >> 20));
        ram_end = XEN_MAX_RAM;
    }
    if (bootstrap_end <= image_start || ram_end < bootstrap_end) {
        printk("xen: start_info gives %llu pages, but the bootstrap region runs from 0x%llx "
               "to 0x%llx\n", (unsigned long long)si->nr_pages,
               (unsigned long long)image_start, (unsigned long long)bootstrap_end);
        return -EINVAL;
    }
    if (!shl_checked(si->nr_pt_frames, PAGE_SHIFT, &pt_bytes) ||
        !range_end(si->pt_base, pt_bytes, &pt_end) ||
        !inside(si->pt_base, image_start, bootstrap_end) || pt_end > bootstrap_end ||
        !xen_p2m_list_ok(si, image_start, bootstrap_end)) {
        printk("xen: start_info's page tables (0x%llx, %llu frames) or P2M list (0x%llx) lie "
               "outside the bootstrap region 0x%llx-0x%llx\n", (unsigned long long)si->pt_base,
               (unsigned long long)si->nr_pt_frames, (unsigned long long)si->mfn_list,
               (unsigned long long)image_start, (unsigned long long)bootstrap_end);
        return -EINVAL;
    }

    size_t n = 0;
    BUILD_BUG_ON(CMDLINE_MAX > sizeof(si->cmd_line));
    while (si->cmd_line[n] && n < CMDLINE_MAX - 1) {
        bi->cmdline[n] = (char)si->cmd_line[n];
        n++;
    }
    bi->cmdline[n] = '\0';
    /* cut short, or no NUL inside Xen's buffer at all */
    bi->cmdline_truncated = si->cmd_line[n] != '\0';

    memmap_add(&bi->mem, PAGE_SIZE, image_start - PAGE_SIZE, MEM_USABLE);
    memmap_add(&bi->mem, image_start, bootstrap_end - image_start, MEM_RESERVED);
    if (ram_end > bootstrap_end)
        memmap_add(&bi->mem, bootstrap_end, ram_end - bootstrap_end, MEM_USABLE);
    memmap_normalize(&bi->mem);
    return 0;
}
