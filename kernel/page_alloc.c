/*
 * The kernel's page-frame allocator: kernel/pmm.c's bitmap, placed in RAM
 * at boot and guarded by a lock. Frames for the direct map come bottom-up
 * (low memory is what every mode can reach); all others come top-down, so
 * the heap uses memory above 4 GiB first and keeps low memory for tables.
 */
#include <arch/boot.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/pmm.h>
#include <proteus/printk.h>
#include <proteus/spinlock.h>
#include <proteus/string.h>
#include <proteus/vm.h>

static struct pmm pmm;
static spinlock_t pmm_lock = SPINLOCK_INIT;
static paddr_t direct_limit;
static paddr_t bitmap_end;   /* the highest address the allocator set up for itself */
static u64 least_free = ~0ULL, free_at_mark = ~0ULL;   /* frames, under pmm_lock */

/* Frames below 1 MiB kept for what can use nothing else: the page a CPU
 * is started in by a STARTUP IPI, whose vector is that page's number
 * (SDM Vol. 3A, "MP Initialization Protocol Algorithm"): native's
 * trampoline (pv/native/vcpu.c) and a VMI shim's (pv/vmi/personality.c,
 * svc_alloc_page). Direct-map frames come bottom-up, so without them a CPU
 * started after the boot (maxcpus=1, then the monitor's `cpu start`)
 * found the low megabyte taken by driver rings. */
#define LOW_LIMIT 0x100000
static paddr_t low_kept[2];

/* After an allocation (pmm_lock held): the low-water mark of free frames. */
static void note_use(void)
{
    if (pmm.free < least_free)
        least_free = pmm.free;
}

extern char __image_start[], __bss_end[];

/* Where the bitmap goes: the first usable stretch above the image, inside
 * the entry stub's identity map (below BOOT_IDENTITY_END, arch/boot.h),
 * big enough for it. */
static paddr_t place_bitmap(const struct memmap *m, size_t bytes)
{
    paddr_t img_lo = (uintptr_t)__image_start, img_hi = ALIGN_UP((uintptr_t)__bss_end, PAGE_SIZE);
    for (unsigned i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        if (r->type != MEM_USABLE)
            continue;
        paddr_t lo = MAX(r->base, (paddr_t)PAGE_SIZE), hi = MIN(r->base + r->len, direct_limit);
        if (lo < img_hi && hi > img_lo) {
            /* skip the image: try above it, then below it */
            if (hi - MIN(hi, img_hi) >= bytes)
                return img_hi;
            hi = img_lo;
        }
        if (hi > lo && hi - lo >= bytes)
            return lo;
    }
    return 0;
}

/* Whether the image [lo, hi) fits the machine: inside the memory the map
 * knows, and no region that is not RAM begins inside it (a loader that
 * sets the image's own range aside, as Xen's start info does, makes a
 * reserved region that begins where the image does: that one is fine). */
static bool image_fits(const struct memmap *m, paddr_t lo, paddr_t hi)
{
    paddr_t top = 0;
    for (unsigned i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        top = MAX(top, r->base + r->len);
        if (r->type != MEM_USABLE && r->base > lo && r->base < hi)
            return false;
    }
    return hi <= top;
}

void page_alloc_init(const struct memmap *m)
{
    /* The loader put the image where the ELF says and cleared its BSS
     * without asking the memory map: on a machine too small for it the
     * BSS runs into firmware tables or past RAM, and nothing after this
     * point could be trusted. */
    paddr_t img_lo = (uintptr_t)__image_start, img_hi = ALIGN_UP((uintptr_t)__bss_end, PAGE_SIZE);
    if (!image_fits(m, img_lo, img_hi))
        panic("page_alloc: the image (0x%llx-0x%llx, BSS included) runs into firmware's memory or past RAM: "
              "the machine has too little memory for it (give it more: QEMU -m)",
              (unsigned long long)img_lo, (unsigned long long)img_hi);
    paddr_t top = 0;
    for (unsigned i = 0; i < m->n; i++)
        if (m->r[i].type == MEM_USABLE)
            top = MAX(top, m->r[i].base + m->r[i].len);
    direct_limit = MIN((paddr_t)VM_DIRECT_LIMIT, (paddr_t)BOOT_IDENTITY_END);

    u64 nframes = top >> PAGE_SHIFT;
    size_t bytes = ALIGN_UP(pmm_bitmap_bytes(nframes), PAGE_SIZE);
    paddr_t at = place_bitmap(m, bytes);
    if (!at)
        panic("page_alloc: no room for a %zu-byte frame bitmap below 0x%llx", bytes,
              (unsigned long long)BOOT_IDENTITY_END);
    pmm_init(&pmm, phys_to_virt(at), nframes);
    for (unsigned i = 0; i < m->n; i++)
        if (m->r[i].type == MEM_USABLE)
            pmm_add_free(&pmm, m->r[i].base, m->r[i].len);
    pmm_reserve(&pmm, (uintptr_t)__image_start, (uintptr_t)__bss_end - (uintptr_t)__image_start);
    pmm_reserve(&pmm, at, bytes);
    bitmap_end = at + bytes;
    for (unsigned i = 0; i < ARRAY_SIZE(low_kept); i++)
        low_kept[i] = pmm_alloc(&pmm, LOW_LIMIT, false);   /* 0: none left there */
    direct_limit = VM_DIRECT_LIMIT;
}

paddr_t page_alloc_boot_end(void)
{
    return bitmap_end;
}

paddr_t page_alloc(unsigned flags)
{
    unsigned long irq = spin_lock_irqsave(&pmm_lock);
    paddr_t pa = (flags & PAGE_DIRECT) ? pmm_alloc(&pmm, direct_limit, false)
                                       : pmm_alloc(&pmm, 0, true);
    note_use();
    spin_unlock_irqrestore(&pmm_lock, irq);
    if (pa && (flags & PAGE_DIRECT)) {
        vm_direct_reach(pa + PAGE_SIZE);
        if (flags & PAGE_ZERO)
            memset(phys_to_virt(pa), 0, PAGE_SIZE);
    }
    return pa;
}

paddr_t page_alloc_below(paddr_t limit)
{
    unsigned long irq = spin_lock_irqsave(&pmm_lock);
    paddr_t pa = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(low_kept) && !pa && limit <= LOW_LIMIT; i++)
        if (low_kept[i] && low_kept[i] + PAGE_SIZE <= limit) {
            pa = low_kept[i];
            low_kept[i] = 0;
        }
    if (!pa)
        pa = pmm_alloc(&pmm, MIN(limit, direct_limit), false);
    note_use();
    spin_unlock_irqrestore(&pmm_lock, irq);
    /* Not past what is mapped: a page table's frame (arch/x86/paging.c,
     * walk) asks below it, with the tables' lock held. */
    if (pa && pa + PAGE_SIZE > vm_direct_mapped_end())
        vm_direct_reach(pa + PAGE_SIZE);
    return pa;
}

paddr_t page_alloc_contig(unsigned count)
{
    unsigned long irq = spin_lock_irqsave(&pmm_lock);
    paddr_t pa = pmm_alloc_contig(&pmm, count, direct_limit);
    note_use();
    spin_unlock_irqrestore(&pmm_lock, irq);
    if (pa) {
        vm_direct_reach(pa + (paddr_t)count * PAGE_SIZE);
        memset(phys_to_virt(pa), 0, (size_t)count * PAGE_SIZE);
    }
    return pa;
}

void *page_alloc_bytes(size_t bytes)
{
    paddr_t pa = page_alloc_contig(pages_for(bytes));
    return pa ? phys_to_virt(pa) : NULL;
}

void page_free(paddr_t pa)
{
    unsigned long irq = spin_lock_irqsave(&pmm_lock);
    int err = pmm_free(&pmm, pa);
    spin_unlock_irqrestore(&pmm_lock, irq);
    if (err)
        panic("page_free: bad free of frame 0x%llx (%s)", (unsigned long long)pa, errno_name(-err));
}

void page_alloc_mark(void)
{
    unsigned long irq = spin_lock_irqsave(&pmm_lock);
    free_at_mark = pmm.free;
    spin_unlock_irqrestore(&pmm_lock, irq);
}

void page_alloc_usage(u64 *now, u64 *at_mark, u64 *peak)
{
    unsigned long irq = spin_lock_irqsave(&pmm_lock);
    *now = pmm.total - pmm.free;
    *at_mark = free_at_mark == ~0ULL ? 0 : pmm.total - free_at_mark;
    *peak = least_free == ~0ULL ? *now : pmm.total - MIN(least_free, pmm.free);
    spin_unlock_irqrestore(&pmm_lock, irq);
}

void page_alloc_stats(u64 *free_pages, u64 *total_pages)
{
    *free_pages = pmm.free;
    *total_pages = pmm.total;
}

paddr_t page_highest_frame(void)
{
    return (paddr_t)pmm.nframes << PAGE_SHIFT;
}
