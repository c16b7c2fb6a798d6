/*
 * The parts of the address space the kernel hands out at run time: stacks
 * with guard pages, the app's heap, and MMIO windows. Page tables
 * themselves are arch/x86/paging.c's business; this file decides where
 * things go and which frames back them.
 */
#include <proteus/bootinfo.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/range.h>
#include <proteus/spinlock.h>
#include <proteus/sync.h>
#include <proteus/vm.h>

/* Stack slots: [guard page][room for the stack], side by side from
 * VM_STACK_BASE up to stack_next, kept in address order. A stack sits
 * right above its slot's guard page; the slot may be larger than the
 * stack (the pages above it stay unmapped). A stack takes the smallest
 * free slot it fits in, and the rest is split off when it can hold a
 * slot of its own; otherwise a new slot goes at the end. A freed slot
 * merges with free neighbours, and a free slot at the end is given back
 * to the window, so the table never fills with slots too small to use. */
#define MAX_STACK_SLOTS 64
struct stack_slot {
    vaddr_t guard;
    size_t pages;        /* above the guard page */
    const char *owner;   /* NULL: free */
};

/* Guard pages below stacks the kernel placed itself (vm_guard_add): the
 * boot stack and each CPU's double-fault stack, with room to spare. */
#define MAX_FIXED_GUARDS (4 + 2 * MAX_CPUS)
struct guard {
    vaddr_t page;
    const char *owner;
};

static spinlock_t vm_lock = SPINLOCK_INIT;
static vaddr_t stack_next = VM_STACK_BASE;
static struct stack_slot slots[MAX_STACK_SLOTS];
static unsigned nslots;
static struct guard guards[MAX_FIXED_GUARDS];
static unsigned nguards;
static vaddr_t heap_brk = VM_HEAP_BASE;
static const vaddr_t heap_limit = VM_HEAP_BASE + (vaddr_t)CONFIG_HEAP_MAX_MB * 1024 * 1024;

/* Unmap [va, va+len) and free the frames that backed it, a chunk at a
 * time: each chunk's frames are freed only once vm_unmap has returned,
 * that is once every other CPU flushed the range (kernel/smp.c), so none
 * can still reach a freed frame through its TLB. One shootdown per chunk,
 * not per page: with three other CPUs a shootdown is three round trips
 * (under Xen PV with four vCPUs on TCG about 1 ms each, and undoing a
 * failed 60 MiB heap growth page by page took 15 s, minutes on a loaded
 * host). */
#define RELEASE_CHUNK_PAGES 64
static void release_frames(vaddr_t va, size_t len)
{
    paddr_t frames[RELEASE_CHUNK_PAGES];
    for (size_t start = 0; start < len; start += RELEASE_CHUNK_PAGES * PAGE_SIZE) {
        size_t end = MIN(len, start + RELEASE_CHUNK_PAGES * PAGE_SIZE);
        unsigned n = 0;
        for (size_t off = start; off < end; off += PAGE_SIZE)
            if (vm_translate(va + off, &frames[n], NULL, NULL) == 0)
                n++;
        vm_unmap(va + start, end - start);
        while (n)
            page_free(frames[--n]);
    }
}

/* Back [va, va+len) with fresh frames from anywhere; undo on failure. */
static int back_with_frames(vaddr_t va, size_t len, unsigned prot)
{
    paddr_t frames[16];   /* a batch: mapped with one lock hold */
    size_t off = 0;
    while (off < len) {
        size_t n = 0, want = MIN(ARRAY_SIZE(frames), (len - off) / PAGE_SIZE);
        while (n < want && (frames[n] = page_alloc(0)) != 0)
            n++;
        int err = n < want ? -ENOMEM : vm_map_frames(va + off, frames, n, prot);
        if (err) {
            while (n)
                page_free(frames[--n]);
            release_frames(va, off);
            return err;
        }
        off += n * PAGE_SIZE;
    }
    return 0;
}

static void slot_insert(unsigned i, struct stack_slot slot)
{
    for (unsigned j = nslots++; j > i; j--)
        slots[j] = slots[j - 1];
    slots[i] = slot;
}

static void slot_remove(unsigned i)
{
    for (nslots--; i < nslots; i++)
        slots[i] = slots[i + 1];
}

/* Called with vm_lock held: the slot for a stack of `pages`, or -errno. */
static int slot_take(size_t pages, const char *owner)
{
    int best = -1;
    for (unsigned i = 0; i < nslots; i++)
        if (!slots[i].owner && slots[i].pages >= pages &&
            (best < 0 || slots[i].pages < slots[best].pages))
            best = (int)i;
    if (best < 0) {
        if (nslots == MAX_STACK_SLOTS)
            return -EAGAIN;
        if ((VM_STACK_END - stack_next) / PAGE_SIZE < pages + 1)
            return -ENOMEM;
        best = (int)nslots;
        slot_insert(nslots, (struct stack_slot){ stack_next, pages, NULL });
        stack_next += (pages + 1) * PAGE_SIZE;
    } else if (slots[best].pages >= pages + 2 && nslots < MAX_STACK_SLOTS) {
        struct stack_slot rest = { slots[best].guard + (pages + 1) * PAGE_SIZE,
                                   slots[best].pages - pages - 1, NULL };
        slot_insert((unsigned)best + 1, rest);
        slots[best].pages = pages;
    }
    slots[best].owner = owner;
    return best;
}

/* Called with vm_lock held: free slot i, merge it with free neighbours,
 * and give a free slot at the end back to the window. */
static void slot_release(unsigned i)
{
    slots[i].owner = NULL;
    if (i + 1 < nslots && !slots[i + 1].owner) {
        slots[i].pages += slots[i + 1].pages + 1;
        slot_remove(i + 1);
    }
    if (i > 0 && !slots[i - 1].owner) {
        slots[i - 1].pages += slots[i].pages + 1;
        slot_remove(i--);
    }
    if (i == nslots - 1) {
        stack_next = slots[i].guard;
        slot_remove(i);
    }
}

/* Other threads may have moved slots in the table meanwhile: find it by
 * its guard page. */
static void slot_release_at(vaddr_t guard)
{
    unsigned long irq = spin_lock_irqsave(&vm_lock);
    for (unsigned i = 0; i < nslots; i++) {
        if (slots[i].guard == guard && slots[i].owner) {
            slot_release(i);
            break;
        }
    }
    spin_unlock_irqrestore(&vm_lock, irq);
}

vaddr_t vm_stack_alloc(size_t pages, const char *owner, int *err)
{
    if (pages == 0 || pages >= (VM_STACK_END - VM_STACK_BASE) / PAGE_SIZE) {
        *err = -EINVAL;
        return 0;
    }
    unsigned long irq = spin_lock_irqsave(&vm_lock);
    int slot = slot_take(pages, owner);
    vaddr_t guard = slot >= 0 ? slots[slot].guard : 0;
    spin_unlock_irqrestore(&vm_lock, irq);
    if (slot < 0) {
        *err = slot;
        return 0;
    }

    /* The guard page stays unmapped: running off the stack faults there. */
    *err = back_with_frames(guard + PAGE_SIZE, pages * PAGE_SIZE, VM_READ | VM_WRITE);
    if (*err) {
        slot_release_at(guard);
        return 0;
    }
    return guard + PAGE_SIZE + pages * PAGE_SIZE;
}

void vm_stack_free(vaddr_t top, size_t pages)
{
    vaddr_t guard = top - pages * PAGE_SIZE - PAGE_SIZE;
    release_frames(guard + PAGE_SIZE, pages * PAGE_SIZE);
    slot_release_at(guard);
}

int vm_guard_add(vaddr_t page, const char *owner)
{
    if (page & (PAGE_SIZE - 1))
        return -EINVAL;
    int err = vm_unmap(page, PAGE_SIZE);
    if (err)
        return err;
    unsigned long irq = spin_lock_irqsave(&vm_lock);
    if (nguards == MAX_FIXED_GUARDS) {
        spin_unlock_irqrestore(&vm_lock, irq);
        return -ENOSPC;
    }
    guards[nguards++] = (struct guard){ page, owner };
    spin_unlock_irqrestore(&vm_lock, irq);
    return 0;
}

/* Called from the fault handler: no lock, the tables only ever hold
 * whole entries. */
const char *vm_guard_owner(vaddr_t va)
{
    for (unsigned i = 0; i < nslots; i++)
        if (slots[i].owner && va >= slots[i].guard && va < slots[i].guard + PAGE_SIZE)
            return slots[i].owner;
    for (unsigned i = 0; i < nguards; i++)
        if (va >= guards[i].page && va < guards[i].page + PAGE_SIZE)
            return guards[i].owner;
    return NULL;
}

vaddr_t vm_heap_break(void)
{
    return heap_brk;
}

/* The heap has its own sleeping lock, not vm_lock: growing it by a large
 * increment maps many pages, and a spinlock would hold interrupts off for
 * all of that time. sbrk is only ever called from threads (newlib's
 * malloc), never from an interrupt handler. */
static struct mutex heap_lock = MUTEX_INIT(heap_lock);

vaddr_t vm_heap_sbrk(long delta, int *err)
{
    mutex_lock(&heap_lock);
    vaddr_t old = heap_brk, new_brk = old + (vaddr_t)delta;
    *err = 0;
    if ((delta > 0 && (new_brk < old || new_brk > heap_limit)) ||
        (delta < 0 && (new_brk > old || new_brk < VM_HEAP_BASE))) {
        mutex_unlock(&heap_lock);
        *err = -ENOMEM;
        return (vaddr_t)-1;
    }
    vaddr_t mapped_end = ALIGN_UP(old, PAGE_SIZE), want_end = ALIGN_UP(new_brk, PAGE_SIZE);
    if (want_end > mapped_end) {
        int e = back_with_frames(mapped_end, want_end - mapped_end, VM_READ | VM_WRITE);
        if (e) {
            mutex_unlock(&heap_lock);
            *err = e;
            return (vaddr_t)-1;
        }
    } else if (want_end < mapped_end) {
        release_frames(want_end, mapped_end - want_end);
    }
    heap_brk = new_brk;
    mutex_unlock(&heap_lock);
    return old;
}

/* MMIO mappings made so far, so that asking again (ACPI tables are looked
 * at many times) reuses one instead of using up the window. */
#define MAX_MMIO_MAPS 64
struct mmio_map {
    paddr_t pa;
    size_t len;
    vaddr_t va;
};
static struct mmio_map mmio_maps[MAX_MMIO_MAPS];
static unsigned n_mmio_maps;
static vaddr_t mmio_next = VM_MMIO_BASE;

static bool identity_possible(paddr_t lo, paddr_t hi)
{
    if (hi - 1 > (paddr_t)(vaddr_t)-1)
        return false;   /* i386: beyond 4 GiB, no such virtual address */
    vaddr_t va = (vaddr_t)lo, end = (vaddr_t)hi;
    return !(va < VM_MMIO_END && end > VM_HEAP_BASE);   /* not in the windows */
}

static int map_pages(vaddr_t va, paddr_t lo, paddr_t hi)
{
    for (paddr_t p = lo; p < hi; p += PAGE_SIZE, va += PAGE_SIZE) {
        paddr_t cur;
        if (vm_translate(va, &cur, NULL, NULL) == 0) {
            if (cur != p)
                return -EEXIST;
            continue;   /* already mapped here, e.g. RAM in the direct map */
        }
        int err = vm_map(va, p, PAGE_SIZE, VM_READ | VM_WRITE | VM_UNCACHED);
        if (err)
            return err;
    }
    return 0;
}

void *vm_map_mmio(paddr_t pa, size_t len)
{
    paddr_t lo = ALIGN_DOWN(pa, (paddr_t)PAGE_SIZE), end, hi;
    if (pa < PAGE_SIZE) {
        printk("vm: refusing to map physical page 0 (address 0x%llx): NULL must fault\n",
               (unsigned long long)pa);
        return NULL;
    }
    /* The address comes from firmware or a hypervisor: a range that wraps
     * past 2^64, or reaches above what this CPU's page tables can hold
     * (those bits are reserved: the entry would fault on every use), is
     * refused here, once, for every caller. */
    if (!range_end(pa, len ? len : 1, &end) || !align_up_checked(end, PAGE_SIZE, &hi) ||
        hi > vm_phys_limit()) {
        printk("vm: refusing to map 0x%llx (+%zu bytes): beyond the %llu GiB this CPU can "
               "address\n", (unsigned long long)pa, len,
               (unsigned long long)(vm_phys_limit() >> 30));
        return NULL;
    }
    unsigned long irq = spin_lock_irqsave(&vm_lock);
    for (unsigned i = 0; i < n_mmio_maps; i++) {
        struct mmio_map *m = &mmio_maps[i];
        if (lo >= m->pa && hi <= m->pa + m->len) {
            spin_unlock_irqrestore(&vm_lock, irq);
            return (void *)(m->va + (vaddr_t)(pa - m->pa));
        }
    }
    vaddr_t va;
    int err;
    if (identity_possible(lo, hi)) {
        va = (vaddr_t)lo;
        err = map_pages(va, lo, hi);
    } else if (hi - lo <= VM_MMIO_END - mmio_next) {
        va = mmio_next;
        err = map_pages(va, lo, hi);
        if (!err)
            mmio_next += hi - lo;
    } else {
        err = -ENOSPC;
        va = 0;
    }
    if (!err && n_mmio_maps < MAX_MMIO_MAPS)
        mmio_maps[n_mmio_maps++] = (struct mmio_map){ lo, hi - lo, va };
    spin_unlock_irqrestore(&vm_lock, irq);
    if (err) {
        printk("vm: mapping MMIO 0x%llx-0x%llx failed: %s (%d)\n", (unsigned long long)lo,
               (unsigned long long)hi, errno_name(err), err);
        return NULL;
    }
    return (void *)(va + (vaddr_t)(pa - lo));
}

void *vm_map_device(paddr_t pa, size_t len, const char *what)
{
    const struct memmap *m = boot_memmap();
    for (unsigned i = 0; i < m->n; i++) {
        if (m->r[i].type == MEM_USABLE && range_overlaps(pa, len, m->r[i].base, m->r[i].len)) {
            printk("%s: registers at 0x%llx (+%zu bytes) would lie in RAM: refused\n", what,
                   (unsigned long long)pa, len);
            return NULL;
        }
    }
    return vm_map_mmio(pa, len);
}
