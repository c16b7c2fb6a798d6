/*T:400
 * Page tables for the three x86 paging modes Proteus uses, behind one walk:
 *   4-level   x86_64: PML4, PDPT, PD, PT; 512 entries of 8 bytes each
 *   pae       i386 with PAE: a 4-entry PDPT, then PD and PT of 512 x 8 bytes
 *   2-level   i386 without PAE: PD and PT of 1024 x 4 bytes (no NX)
 * Level 1 is always the page table; a large page is a level-2 entry with PS
 * set (2 MiB, or 4 MiB in 2-level mode with PSE). SDM Vol. 3A, 4.3-4.5.
 *
 * Every write goes through the mmu ops (pt_set_entry and the alloc/release
 * notices), so a personality that must validate page-table pages, as Xen PV
 * does, sees each one before it is used.
 */
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/x86.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/smp.h>
#include <proteus/spinlock.h>
#include <proteus/string.h>
#include <proteus/vm.h>

unsigned paging_entry_size = 8;
int paging_levels = 4;
static bool nx_ok, large_ok;
static paddr_t root;

/* The direct map of RAM is complete below direct_end, and grows as the
 * frame allocator reaches upward (vm_direct_reach), up to direct_top.
 * Until vm_init or vm_adopt sets them, the boot's own mappings serve. */
static vaddr_t direct_end = VM_DIRECT_LIMIT, direct_top = VM_DIRECT_LIMIT;   /* fit a word */
static const struct memmap *direct_ram;

const char *vm_paging_name(void)
{
    return paging_levels == 4 ? "4-level" : paging_levels == 3 ? "pae" : "2-level";
}

bool vm_nx_enabled(void)
{
    return nx_ok;
}

paddr_t vm_phys_limit(void)
{
    if (paging_levels == 2)
        return 1ULL << 32;   /* 2-level entries hold 32-bit frame addresses */
    return 1ULL << cpu_features.phys_bits;
}

static unsigned level_shift(int level)
{
    if (paging_levels == 2)
        return level == 1 ? 12 : 22;
    return 12 + 9 * (unsigned)(level - 1);
}

static unsigned level_index(vaddr_t va, int level)
{
    unsigned n = paging_levels == 2 ? 1024 : (paging_levels == 3 && level == 3) ? 4 : 512;
    return (unsigned)((u64)va >> level_shift(level)) & (n - 1);
}

static u64 addr_mask(void)
{
    return paging_levels == 2 ? 0xfffff000ULL : PTE_ADDR_MASK;
}

static void *entry_ptr(paddr_t table, unsigned idx)
{
    return (u8 *)phys_to_virt(table) + idx * paging_entry_size;
}

static u64 table_entry(paddr_t table, int level)
{
    if (paging_levels == 3 && level == 3)
        return table | PTE_P;   /* PDPTEs take no other flags (SDM table 4-8) */
    return table | PTE_P | PTE_W;
}

static u64 leaf_entry(paddr_t pa, unsigned prot, bool large)
{
    u64 e = pa | PTE_P;
    if (prot & VM_WRITE)
        e |= PTE_W;
    if (prot & VM_USER)
        e |= PTE_U;
    if (prot & VM_UNCACHED)
        e |= PTE_PCD | PTE_PWT;
    if (!(prot & VM_EXEC) && nx_ok)
        e |= PTE_NX;
    if (large)
        e |= PTE_PS;
    return e;
}

static bool va_ok(vaddr_t va)
{
#ifdef __x86_64__
    /* canonical, lower half: the kernel uses no upper-half addresses */
    return va < 0x0000800000000000UL;
#else
    (void)va;
    return true;
#endif
}

/*T:410 Find the entry for `va` at `level`, creating tables on the way if
 * asked. -ENOENT: a table is missing; -EBUSY: a large page covers va above
 * `level`. Every read goes through pt_read_entry and every write through
 * pt_set_entry, never a plain load or store, so that a personality can
 * translate frames (Xen PV) or answer from its queue of updates not yet
 * applied. A new table is announced (pt_alloc_notice) before the entry
 * that links it is written: Xen PV must map the frame read-only before it
 * becomes part of the tree, natively the notice does nothing. */
static int walk(vaddr_t va, int level, bool create, void **entryp)
{
    paddr_t table = root;
    for (int l = paging_levels; l > level; l--) {
        void *e = entry_ptr(table, level_index(va, l));
        u64 v = pt_read_entry(e, l);
        if (!(v & PTE_P)) {
            if (!create)
                return -ENOENT;
            /* from memory already in the direct map: it is written
             * through it, and mapping more is what may have asked */
            paddr_t t = page_alloc_below(__atomic_load_n(&direct_end, __ATOMIC_ACQUIRE));
            if (!t)
                return -ENOMEM;
            memset(phys_to_virt(t), 0, PAGE_SIZE);
            pt_alloc_notice(t, l - 1);
            pt_set_entry(e, table_entry(t, l), l);
            v = table_entry(t, l);
        } else if (v & PTE_PS && l == 2) {
            return -EBUSY;
        }
        table = v & addr_mask();
    }
    *entryp = entry_ptr(table, level_index(va, level));
    return 0;
}

static int map_one(vaddr_t va, paddr_t pa, unsigned prot, bool large)
{
    int level = large ? 2 : 1;
    void *e;
    int err = walk(va, level, true, &e);
    if (err)
        return err;
    if (pt_read_entry(e, level) & PTE_P)
        return -EEXIST;
    pt_set_entry(e, leaf_entry(pa, prot, large), level);
    return 0;
}

/* One change to the tables at a time: threads are preemptible, and two
 * that both find a table missing would each install their own, the
 * second dropping the first's entries. Held for one call, with interrupts
 * off (callers map a page or a few per call). */
static spinlock_t pt_lock = SPINLOCK_INIT;

static int for_each_leaf_locked(vaddr_t va, size_t len,
                                int (*fn)(void *e, int level, vaddr_t va, void *arg), void *arg);
static int unmap_leaf(void *e, int level, vaddr_t va, void *arg);

/* [va, va + len): whole pages, canonical, not wrapping. */
static bool va_range_ok(vaddr_t va, size_t len)
{
    return !((va | len) & (PAGE_SIZE - 1)) && va_ok(va) && va_ok(va + len - 1) && va + len >= va;
}

/* Entries in one page table: 1024 in 2-level paging, else 512. */
static unsigned entries_per_table(void)
{
    return paging_levels == 2 ? 1024 : 512;
}

/*T:405 The question of this part of the tour: what happens when the kernel
 * maps one page? vm_map checks the range, takes pt_lock (one change to the
 * tables at a time), and opens a lazy section around the writes: from
 * mmu_lazy_enter to mmu_lazy_leave a personality may queue the updates
 * and apply them together (Xen PV does; native and the VMI shim on
 * hardware have nothing to queue). Then map_one walks to the level-1
 * entry, creating tables on the way, and writes the leaf with
 * pt_set_entry. */
int vm_map(vaddr_t va, paddr_t pa, size_t len, unsigned prot)
{
    if ((pa & (PAGE_SIZE - 1)) || !va_range_ok(va, len))
        return -EINVAL;
    /* Above MAXPHYADDR an entry would have reserved bits set and fault
     * on every use (SDM Vol. 3A, 4.5.4 / 4.4.2). */
    if (pa + len < pa || pa + len > vm_phys_limit())
        return -EINVAL;
    unsigned long flags = spin_lock_irqsave(&pt_lock);
    for (size_t off = 0; off < len; off += PAGE_SIZE) {
        if (vm_probe(va + off)) {
            spin_unlock_irqrestore(&pt_lock, flags);
            return -EEXIST;
        }
    }
    mmu_lazy_enter();
    int err = 0;
    size_t off;
    for (off = 0; off < len && !err; off += PAGE_SIZE)
        err = map_one(va + off, pa + off, prot, false);
    mmu_lazy_leave();
    if (err && off > PAGE_SIZE)   /* undo the part that was mapped */
        for_each_leaf_locked(va, off - PAGE_SIZE, unmap_leaf, NULL);
    spin_unlock_irqrestore(&pt_lock, flags);
    return err;
}

/* The entries of the level-1 table that hold va's, from va's on: how many
 * pages of the n from va lie in that table. */
static size_t pages_in_table(vaddr_t va, size_t n)
{
    return MIN(n, (size_t)(entries_per_table() - level_index(va, 1)));
}

/* n pages from va, each on its own frame (a stack's): one lock hold and
 * one walk per page table, where vm_map page by page made two walks a
 * page (the main thread's stack was half of the boot's last step). Nothing
 * is mapped if any of the pages is mapped already. */
int vm_map_frames(vaddr_t va, const paddr_t *frames, size_t n, unsigned prot)
{
    if (!n || n > SIZE_MAX / PAGE_SIZE || !va_range_ok(va, n * PAGE_SIZE))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if ((frames[i] & (PAGE_SIZE - 1)) || frames[i] + PAGE_SIZE > vm_phys_limit())
            return -EINVAL;
    unsigned long flags = spin_lock_irqsave(&pt_lock);
    /* all free first, creating no table */
    for (size_t i = 0; i < n;) {
        vaddr_t a = va + i * PAGE_SIZE;
        size_t run = pages_in_table(a, n - i);
        void *e;
        int err = walk(a, 1, false, &e);
        if (err && err != -ENOENT) {
            spin_unlock_irqrestore(&pt_lock, flags);
            return err == -EBUSY ? -EEXIST : err;   /* a large page maps it */
        }
        for (size_t k = 0; !err && k < run; k++, e = (u8 *)e + paging_entry_size) {
            if (pt_read_entry(e, 1) & PTE_P) {
                spin_unlock_irqrestore(&pt_lock, flags);
                return -EEXIST;
            }
        }
        i += run;
    }
    mmu_lazy_enter();
    int err = 0;
    size_t done = 0;
    while (done < n) {
        vaddr_t a = va + done * PAGE_SIZE;
        size_t run = pages_in_table(a, n - done);
        void *e;
        err = walk(a, 1, true, &e);
        if (err)
            break;
        for (size_t k = 0; k < run; k++, e = (u8 *)e + paging_entry_size)
            pt_set_entry(e, leaf_entry(frames[done + k], prot, false), 1);
        done += run;
    }
    mmu_lazy_leave();
    if (err && done)   /* undo the part that was mapped */
        for_each_leaf_locked(va, done * PAGE_SIZE, unmap_leaf, NULL);
    spin_unlock_irqrestore(&pt_lock, flags);
    return err;
}

static int for_each_leaf(vaddr_t va, size_t len, int (*fn)(void *e, int level, vaddr_t va, void *arg),
                         void *arg)
{
    unsigned long flags = spin_lock_irqsave(&pt_lock);
    int err = for_each_leaf_locked(va, len, fn, arg);
    spin_unlock_irqrestore(&pt_lock, flags);
    return err;
}

/* Visit each present leaf in [va, va+len): fn gets the entry and its level. */
static int for_each_leaf_locked(vaddr_t va, size_t len,
                                int (*fn)(void *e, int level, vaddr_t va, void *arg), void *arg)
{
    if ((va | len) & (PAGE_SIZE - 1))
        return -EINVAL;
    int ret = 0;
    mmu_lazy_enter();
    for (size_t off = 0; off < len; off += PAGE_SIZE) {
        void *e;
        int err = walk(va + off, 1, false, &e);
        if (err == -ENOENT)
            continue;
        if (err) {
            ret = err;   /* large pages are not split */
            break;
        }
        if (pt_read_entry(e, 1) & PTE_P) {
            err = fn(e, 1, va + off, arg);
            if (err) {
                ret = err;
                break;
            }
        }
    }
    mmu_lazy_leave();
    return ret;
}

static int unmap_leaf(void *e, int level, vaddr_t va, void *arg)
{
    pt_clear_entry(e, level);
    flush_tlb_one(va);
    return 0;
}

/* Removing or narrowing a mapping: this CPU's TLB is flushed page by page
 * as entries change, every other CPU's after (kernel/smp.c). */
int vm_unmap(vaddr_t va, size_t len)
{
    int err = for_each_leaf(va, len, unmap_leaf, NULL);
    smp_tlb_shootdown(va, len);
    return err;
}

static int protect_leaf(void *e, int level, vaddr_t va, void *arg)
{
    u64 old = pt_read_entry(e, level);
    pt_set_entry(e, leaf_entry(old & addr_mask(), *(unsigned *)arg, false), level);
    flush_tlb_one(va);
    return 0;
}

int vm_protect(vaddr_t va, size_t len, unsigned prot)
{
    int err = for_each_leaf(va, len, protect_leaf, &prot);
    smp_tlb_shootdown(va, len);
    return err;
}

int vm_translate(vaddr_t va, paddr_t *pa, u64 *entry, int *level)
{
    if (!va_ok(va))
        return -EINVAL;
    paddr_t table = root;
    for (int l = paging_levels; l >= 1; l--) {
        u64 v = pt_read_entry(entry_ptr(table, level_index(va, l)), l);
        if (!(v & PTE_P))
            return -ENOENT;
        if (l == 1 || (l == 2 && (v & PTE_PS))) {
            u64 size = 1ULL << level_shift(l);
            u64 base = l == 1 ? v & addr_mask() : v & addr_mask() & ~(size - 1);
            if (pa)
                *pa = base | ((u64)va & (size - 1));
            if (entry)
                *entry = v;
            if (level)
                *level = l;
            return 0;
        }
        table = v & addr_mask();
    }
    return -ENOENT;
}

bool vm_probe(vaddr_t va)
{
    if (!root)
        return true;   /* before vm_init: the boot identity map */
    return vm_translate(va, NULL, NULL, NULL) == 0;
}

void PVOP_ABI pt_fill_run_by_entry(const struct pt_run *run)
{
    u8 *e = run->entry;
    u64 v = run->first;
    for (u32 k = 0; k < run->count; k++, e += paging_entry_size, v += run->step)
        if (!(pt_read_entry(e, run->level) & PTE_P))
            pt_set_entry(e, v, run->level);
}

/* Map a range, with large pages wherever alignment allows. One walk per
 * page table, not per entry: the entries that follow in the same table
 * are written one after another (the boot maps all of RAM this way, and a
 * walk per 2 MiB made 4 GiB cost a quarter of a million instructions). An
 * entry already present is left as it is. */
static void map_range(vaddr_t va, paddr_t pa, u64 len, unsigned prot, bool allow_large)
{
    u64 large = 1ULL << level_shift(2);
    unsigned per_table = entries_per_table();
    if ((va | pa | len) & (PAGE_SIZE - 1))
        panic("vm: mapping 0x%llx bytes 0x%lx -> 0x%llx: not whole pages", (unsigned long long)len,
              (unsigned long)va, (unsigned long long)pa);
    while (len) {
        bool big = allow_large && large_ok && !(va & (large - 1)) && !(pa & (large - 1)) &&
                   len >= large;
        int level = big ? 2 : 1;
        unsigned shift = big ? level_shift(2) : PAGE_SHIFT;
        u64 step = 1ULL << shift;
        void *e;
        int err = walk(va, level, true, &e);
        if (err)
            panic("vm: mapping 0x%lx -> 0x%llx failed: %s (%d)", (unsigned long)va,
                  (unsigned long long)pa, errno_name(-err), err);
        /* The run ends where the table ends, or where the range does (a
         * tail shorter than a large page goes on in small ones). A small
         * run needs no other stop: a level-1 table spans exactly one large
         * page, so the place where a large one could start is its end. */
        unsigned idx = level_index(va, level);
        u64 n = MIN((u64)(per_table - idx), len >> shift);
        /* one op call a run (under Xen each entry is still its own update) */
        struct pt_run run = { e, leaf_entry(pa, prot, big), step, (u32)n, level };
        pt_fill_run(&run);
        va += n * step;
        pa += n * step;
        len -= n * step;
    }
}

/* Map [lo, hi) of the direct map, leaving out the kernel image. */
static void map_direct(u64 lo, u64 hi, u64 img_lo, u64 img_hi)
{
    if (lo < img_lo)
        map_range(lo, lo, MIN(hi, img_lo) - lo, VM_READ | VM_WRITE, true);
    if (hi > img_hi)
        map_range(MAX(lo, img_hi), MAX(lo, img_hi), hi - MAX(lo, img_hi), VM_READ | VM_WRITE, true);
}

extern char __image_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
    __data_start[], __bss_end[];

static void enable_nx(void)
{
    u64 efer;
    int err = rdmsr_safe(MSR_EFER, &efer);
    if (!err)
        err = wrmsr_safe(MSR_EFER, efer | EFER_NXE);
    if (err) {
        printk("vm: enabling NX through EFER (MSR 0x%x) failed: %d; running without NX\n",
               MSR_EFER, err);
        nx_ok = false;
    }
}

/* The kernel image's own protections: text RX, read-only data, data NX. */
static void map_image(void)
{
    u64 img_hi = ALIGN_UP((uintptr_t)__bss_end, PAGE_SIZE);
    map_range((uintptr_t)__text_start, (uintptr_t)__text_start,
              ALIGN_UP((uintptr_t)__text_end, PAGE_SIZE) - (uintptr_t)__text_start,
              VM_READ | VM_EXEC, false);
    map_range((uintptr_t)__rodata_start, (uintptr_t)__rodata_start,
              ALIGN_UP((uintptr_t)__rodata_end, PAGE_SIZE) - (uintptr_t)__rodata_start, VM_READ,
              false);
    map_range((uintptr_t)__data_start, (uintptr_t)__data_start,
              img_hi - (uintptr_t)__data_start, VM_READ | VM_WRITE, false);
}

static int nx_leaf(void *e, int level, vaddr_t va, void *arg)
{
    pt_set_entry(e, pt_read_entry(e, level) | PTE_NX, level);
    flush_tlb_one(va);
    return 0;
}

/* Map the usable RAM in [lo, hi) at VA == physical address (large pages
 * where the mode has them and alignment allows). */
static void map_direct_ram(paddr_t lo, paddr_t hi)
{
    mmu_lazy_enter();
    for (unsigned i = 0; i < direct_ram->n; i++) {
        const struct mem_region *r = &direct_ram->r[i];
        paddr_t a = MAX(r->base, lo), b = MIN(r->base + r->len, hi);
        if (r->type == MEM_USABLE && a < b)
            map_range(a, a, b - a, VM_READ | VM_WRITE, true);
    }
    /* Queued entries are written before anyone is told the map grew, even
     * when a caller's own lazy section is still open around this one. */
    mmu_lazy_flush();
    mmu_lazy_leave();
}

/*
 * The direct map grows in 2 MiB steps (one large page, or one page table
 * of 4 KiB entries where large pages are not taken), kept DIRECT_HEADROOM
 * ahead of the highest direct frame handed out, so that the tables for
 * the next step come from memory already mapped (walk takes them below
 * direct_end, and so never calls back here). Called by the frame
 * allocator with the end of what it is about to return. Mapping all of
 * RAM at boot made the boot's cost grow with the machine's memory: 2048
 * entries for 4 GiB natively, and under Xen PV a checked hypercall for
 * every 4 KiB of it.
 */
#define DIRECT_STEP (2ULL << 20)
#define DIRECT_HEADROOM (2ULL << 20)

/* RAM below `limit` is the direct map's to cover; [0, end) of it is
 * mapped or about to be. */
static void direct_start(const struct memmap *m, u64 limit, paddr_t end)
{
    direct_ram = m;
    direct_top = 0;
    for (unsigned i = 0; i < m->n; i++)
        if (m->r[i].type == MEM_USABLE)
            direct_top = (vaddr_t)MAX((u64)direct_top, MIN(m->r[i].base + m->r[i].len, limit));
    direct_end = (vaddr_t)MIN(ALIGN_DOWN(end, PAGE_SIZE), (paddr_t)direct_top);
}

void vm_direct_reach(paddr_t end)
{
    vaddr_t want = (vaddr_t)MIN(end + DIRECT_HEADROOM, (paddr_t)direct_top);
    if (want <= __atomic_load_n(&direct_end, __ATOMIC_ACQUIRE))
        return;
    unsigned long flags = spin_lock_irqsave(&pt_lock);
    while (direct_end < want) {
        vaddr_t next = (vaddr_t)MIN(ALIGN_DOWN((paddr_t)direct_end, DIRECT_STEP) + DIRECT_STEP,
                                    (paddr_t)direct_top);
        map_direct_ram(direct_end, next);
        __atomic_store_n(&direct_end, next, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&pt_lock, flags);
}

paddr_t vm_direct_mapped_end(void)
{
    return __atomic_load_n(&direct_end, __ATOMIC_ACQUIRE);
}

/*
 * Adopting page tables the kernel was started on, whose top level it did
 * not build and must keep (a personality's adopt_page_tables; Xen PV's
 * reasons are in pv/xen/personality.c): extend them rather than replace
 * them. RAM is mapped at VA == physical address with 4 KiB pages (whoever
 * built these tables may refuse large ones): at boot only what they map
 * already (below `mapped_end`; walked here, so that a gap is filled), the
 * rest as the frame allocator reaches it (vm_direct_reach). Under Xen PV
 * every entry is a checked hypercall, and mapping all of a 64 MiB domain
 * at boot cost 14 of its 15 ms to main. Then the image's protections are
 * applied and page 0 unmapped. Protections only tighten: data pages gain
 * NX, and pages someone already made read-only (the GDT, for a
 * hypervisor's sake) stay so. 4-level paging on x86_64, PAE on i386: the
 * only modes a kernel is started in with paging on.
 */
void vm_adopt(const struct memmap *m, paddr_t current_root, paddr_t mapped_end)
{
    paging_levels = IS_ENABLED(CONFIG_64BIT) ? 4 : 3;
    paging_entry_size = 8;
    nx_ok = cpu_features.nx;
    large_ok = false;
    root = current_root;

    direct_start(m, VM_DIRECT_LIMIT, mapped_end);
    map_direct_ram(0, direct_end);   /* present already: read, not written */
    int err = vm_protect((uintptr_t)__text_start,
                         ALIGN_UP((uintptr_t)__text_end, PAGE_SIZE) - (uintptr_t)__text_start,
                         VM_READ | VM_EXEC);
    if (!err)
        err = vm_protect((uintptr_t)__rodata_start,
                         ALIGN_UP((uintptr_t)__rodata_end, PAGE_SIZE) - (uintptr_t)__rodata_start,
                         VM_READ);
    if (!err && nx_ok)
        err = for_each_leaf((uintptr_t)__data_start,
                            ALIGN_UP((uintptr_t)__bss_end, PAGE_SIZE) - (uintptr_t)__data_start,
                            nx_leaf, NULL);
    if (!err)
        err = vm_unmap(0, PAGE_SIZE);
    if (err)
        panic("vm: protecting the kernel image failed: %s (%d)", errno_name(err), err);
}

/* PAE's four PDPTEs hold only P, PWT, PCD and the address (PDPTE_ALLOWED):
 * bits 2:1 and 8:5 must be 0 (SDM Vol. 3A, 4.4.1, table 4-8), and loading
 * CR3, or turning paging on, with one set is a #GP. Page walkers of some
 * hypervisors set bit 5 (accessed) in them all the same (KVM nested under
 * QEMU's TCG does: a CPU started later then faulted as it turned paging
 * on), and the kernel never changes a PDPTE after vm_init, so a copy made
 * now and masked is as good as the original. */
void pae_pdpt_clean(paddr_t pdpt)
{
    u64 *e = phys_to_virt(pdpt & ~0x1fULL);
    for (int i = 0; i < 4; i++)
        if (e[i] & ~PDPTE_ALLOWED)
            e[i] &= PDPTE_ALLOWED;
}

paddr_t vm_cpu_root(unsigned cpu)
{
    static u64 pdpt[MAX_CPUS][4] __aligned(32);
    if (paging_levels != 3 || cpu == 0 || cpu >= MAX_CPUS)
        return root;
    for (int i = 0; i < 4; i++)
        pdpt[cpu][i] = pt_read_entry(entry_ptr(root, (unsigned)i), 3) & PDPTE_ALLOWED;
    return virt_to_phys_direct(pdpt[cpu]);
}

int vm_text_writable(bool writable)
{
    return vm_protect((uintptr_t)__text_start,
                      ALIGN_UP((uintptr_t)__text_end, PAGE_SIZE) - (uintptr_t)__text_start,
                      VM_READ | VM_EXEC | (writable ? VM_WRITE : 0));
}

void vm_init(const struct memmap *m, const struct vm_region *extra, unsigned nextra)
{
    if (IS_ENABLED(CONFIG_64BIT)) {
        paging_levels = 4;
        nx_ok = cpu_features.nx;
        large_ok = true;
    } else {
        paging_levels = cpu_features.pae ? 3 : 2;
        nx_ok = cpu_features.pae && cpu_features.nx;
        large_ok = cpu_features.pae || cpu_features.pse;
    }
    paging_entry_size = paging_levels == 2 ? 4 : 8;
    if (nx_ok)
        enable_nx();

    /* PAE's top table is four entries, all written below (a PAE CPU
     * reads no more of the page: SDM Vol. 3A, 4.4.1), so its page is not
     * zeroed: 1,000 stores of i386's boot. */
    root = page_alloc(PAGE_DIRECT | (paging_levels == 3 ? 0 : PAGE_ZERO));
    if (!root)
        panic("vm: no memory for the top-level page table");
    pt_alloc_notice(root, paging_levels);
    if (paging_levels == 3) {
        /* All four PDPTEs exist from the start: a PAE CPU caches them when
         * CR3 is loaded (SDM 4.4.1), so they are never changed afterwards. */
        for (int i = 0; i < 4; i++) {
            paddr_t pd = page_alloc(PAGE_DIRECT | PAGE_ZERO);
            if (!pd)
                panic("vm: no memory for page directories");
            pt_alloc_notice(pd, 2);
            pt_set_entry(entry_ptr(root, i), table_entry(pd, 3), 3);
        }
    }

    u64 img_lo = (uintptr_t)__image_start, img_hi = ALIGN_UP((uintptr_t)__bss_end, PAGE_SIZE);
    mmu_lazy_enter();
    map_image();
    /* Before paging is on: code that runs from a region (the VMI shim's
     * copy, outside the image and the map's RAM) must be mapped, at VA ==
     * physical address, by the time the CPU first fetches through these
     * tables. */
    for (unsigned i = 0; i < nextra; i++) {
        int err = vm_map(extra[i].va, virt_to_phys_direct((const void *)extra[i].va), extra[i].len,
                         extra[i].prot);
        if (err)
            panic("vm: mapping 0x%lx+0x%zx failed: %s (%d)", (unsigned long)extra[i].va,
                  extra[i].len, errno_name(err), err);
    }

    /* Low memory (BIOS data, EBDA, ROMs: where ACPI tables are found)
     * except page 0 and the legacy video window (0xA0000-0xBFFFF, device
     * memory on every PC, which nothing here uses: a stray access faults
     * instead of reaching it), then ACPI regions above 1 MiB, and RAM as
     * far as the boot has used it (the image, the frame bitmap above it)
     * and a step more: the rest as the frame allocator reaches it. */
    map_direct(PAGE_SIZE, 0xa0000, img_lo, img_hi);
    map_direct(0xc0000, 0x100000, img_lo, img_hi);
    u64 limit = VM_DIRECT_LIMIT;
    if (paging_levels == 2 && limit > 0x100000000ULL)
        limit = 0x100000000ULL;
    direct_start(m, limit, ALIGN_UP(MAX(img_hi, page_alloc_boot_end()), DIRECT_STEP) + DIRECT_HEADROOM);
    for (unsigned i = 0; i < m->n; i++) {
        const struct mem_region *r = &m->r[i];
        if (r->type != MEM_USABLE && r->type != MEM_ACPI && r->type != MEM_NVS)
            continue;
        u64 lo = MAX(r->base, 0x100000ULL),
            hi = MIN(r->base + r->len, r->type == MEM_USABLE ? (u64)direct_end : limit);
        if (lo < hi)
            map_direct(ALIGN_DOWN(lo, PAGE_SIZE), ALIGN_UP(hi, PAGE_SIZE), img_lo, img_hi);
    }
    mmu_lazy_leave();

    if (paging_levels != 4) {
        unsigned long cr4 = read_cr4();
        cr4 |= paging_levels == 3 ? X86_CR4_PAE : (large_ok ? X86_CR4_PSE : 0);
        write_cr4(cr4);
    }
    write_pt_base(root);
    write_cr0(read_cr0() | X86_CR0_PG | X86_CR0_WP);
}

/* The walk for `va`, level by level from the top, for `monitor`: how many
 * levels were visited (the last one is the leaf, or not present). */
int vm_walk(vaddr_t va, struct vm_walk_step steps[4])
{
    if (!va_ok(va) || !root)
        return 0;
    paddr_t table = root;
    int n = 0;
    for (int l = paging_levels; l >= 1; l--) {
        unsigned idx = level_index(va, l);
        u64 v = pt_read_entry(entry_ptr(table, idx), l);
        steps[n].level = l;
        steps[n].table = table;
        steps[n].index = idx;
        steps[n].entry = v;
        n++;
        if (!(v & PTE_P) || l == 1 || (l == 2 && (v & PTE_PS)))
            break;
        table = v & addr_mask();
    }
    return n;
}
