/*
 * Virtual memory: the kernel's one address space and how to change it.
 *
 *   direct map   physical memory at VA == PA (x86_64: all RAM; i386: RAM
 *                below 3 GiB), where the kernel image, page tables and boot
 *                data live; page 0 is never mapped, so NULL faults
 *   heap window  the app's sbrk heap, backed by frames from anywhere
 *                (above 4 GiB too), grown on demand
 *   stack window stacks, each with an unmapped guard page below it
 *   MMIO         device registers (and firmware tables outside the direct
 *                map), mapped uncached at VA == PA where that address is
 *                free, else in the MMIO window
 */
#ifndef PROTEUS_VM_H
#define PROTEUS_VM_H

#include <proteus/types.h>
#include <proteus/memmap.h>

#define VM_READ 0x1
#define VM_WRITE 0x2
#define VM_EXEC 0x4
#define VM_USER 0x8
#define VM_UNCACHED 0x10

/* #ifdef, not IS_ENABLED: x86_64's addresses do not fit i386's unsigned
 * long, so a constant expression would change the macros' types there. */
#ifdef __x86_64__
#define VM_HEAP_BASE 0x0000010000000000UL   /* 1 TiB */
#define VM_STACK_BASE 0x0000020000000000UL
#define VM_STACK_END 0x0000030000000000UL
#define VM_MMIO_BASE 0x0000030000000000UL
#define VM_MMIO_END 0x0000040000000000UL
#define VM_DIRECT_LIMIT 0x0000008000000000ULL   /* 512 GiB of RAM */
#else
#define VM_HEAP_BASE 0xc0000000UL
#define VM_STACK_BASE 0xe0000000UL
#define VM_STACK_END 0xe8000000UL
#define VM_MMIO_BASE 0xe8000000UL
#define VM_MMIO_END 0xf0000000UL
#define VM_DIRECT_LIMIT 0xc0000000ULL
#endif

/* Memory outside the image and the memory map's RAM that vm_init maps at
 * VA == physical address with its own protection (the VMI shim's copy:
 * include/proteus/personality.h, boot_regions). */
struct vm_region {
    vaddr_t va;
    size_t len;
    unsigned prot;   /* VM_* */
};

/* Build the kernel's page tables from the memory map, with `extra` mapped
 * too, and switch to them. */
void vm_init(const struct memmap *m, const struct vm_region *extra, unsigned nextra);
/* Or keep and extend the tables in use, rooted at `current_root` (a
 * personality's adopt_page_tables: Xen PV), which map RAM below
 * `mapped_end` already; the rest of the direct map is made as the frame
 * allocator reaches it. */
void vm_adopt(const struct memmap *m, paddr_t current_root, paddr_t mapped_end);
/* The direct map complete below `end` (kernel/page_alloc.c calls it for
 * each direct frame it hands out); and how far it is complete now. */
void vm_direct_reach(paddr_t end);
paddr_t vm_direct_mapped_end(void);
/* The end of the frame allocator's own bitmap: with the image, what the
 * direct map must cover from the start. */
paddr_t page_alloc_boot_end(void);
/* The kernel's text writable (and back to read+execute), for rewriting
 * call sites after paging is on (kernel/pvpatch.c). Interrupts off. */
int vm_text_writable(bool writable);
const char *vm_paging_name(void);   /* "4-level", "pae", "2-level" */
bool vm_nx_enabled(void);

/* Map [va, va+len) to [pa, pa+len) with 4 KiB pages. -EEXIST if any page
 * is already mapped (nothing changed), -ENOMEM if a table cannot be
 * allocated, -EINVAL for unaligned or non-canonical input. */
int vm_map(vaddr_t va, paddr_t pa, size_t len, unsigned prot);
/* n pages from va, page i on frames[i]; -EEXIST (and nothing mapped) if
 * any is mapped already. */
int vm_map_frames(vaddr_t va, const paddr_t *frames, size_t n, unsigned prot);
int vm_unmap(vaddr_t va, size_t len);
int vm_protect(vaddr_t va, size_t len, unsigned prot);
bool vm_probe(vaddr_t va);
struct vm_walk_step {
    int level;          /* 4..1; 1 is the page table */
    paddr_t table;      /* the table read at this level */
    unsigned index;
    u64 entry;
};
int vm_walk(vaddr_t va, struct vm_walk_step steps[4]);
/* The physical address `va` maps to and its leaf entry; -ENOENT if none. */
int vm_translate(vaddr_t va, paddr_t *pa, u64 *entry, int *level);
/* Map device memory (or a firmware table) uncached and return its
 * address; NULL, after a message, for page 0, a range that wraps or lies
 * beyond vm_phys_limit(), or when no room is left. */
void *vm_map_mmio(paddr_t pa, size_t len);
/* The same for a device's registers at an address firmware or the
 * hypervisor gave: also refused, naming `what`, when the range overlaps
 * usable RAM (writing "registers" there would corrupt the kernel). */
void *vm_map_device(paddr_t pa, size_t len, const char *what);
/* The first physical address the page tables cannot map: 2^MAXPHYADDR,
 * or 4 GiB in 2-level paging (arch/x86/paging.c). */
paddr_t vm_phys_limit(void);

/* Physical <-> virtual for the direct map. */
static inline void *phys_to_virt(paddr_t pa) { return (void *)(uintptr_t)pa; }
static inline paddr_t virt_to_phys_direct(const void *va) { return (paddr_t)(uintptr_t)va; }

/* Page frames (kernel/page_alloc.c). PAGE_DIRECT: must lie in the direct
 * map (page tables, kernel data); otherwise any frame, highest first. */
#define PAGE_DIRECT 0x1
#define PAGE_ZERO 0x2
paddr_t page_alloc(unsigned flags);
/* A direct-mapped frame below `limit` (a CPU's real-mode start page), or 0. */
paddr_t page_alloc_below(paddr_t limit);
void page_free(paddr_t pa);
/* `count` frames in a row of guest-physical memory, in the direct map,
 * zeroed: the first's address, or 0. For a device that takes one address
 * for a structure longer than a page (a legacy virtqueue). Guest-physical
 * only: under Xen PV the machine frames behind them are not in a row.
 * Freed a page at a time with page_free. */
paddr_t page_alloc_contig(unsigned count);
/* The same for a structure of `bytes`, as a pointer into the direct map:
 * memory taken at start-up rather than a table in the image, or NULL. */
void *page_alloc_bytes(size_t bytes);
/* The pages `bytes` bytes take, the last one part-filled. */
static inline unsigned pages_for(size_t bytes) { return (unsigned)((bytes + PAGE_SIZE - 1) / PAGE_SIZE); }
void page_alloc_init(const struct memmap *m);
void page_alloc_stats(u64 *free_pages, u64 *total_pages);
/* Frames in use (not free) now, at the mark (page_alloc_mark: the app's
 * main), and at the most since boot: for the exit line that says what an
 * app took (issue 18). */
void page_alloc_mark(void);
void page_alloc_usage(u64 *now, u64 *at_mark, u64 *peak);
paddr_t page_highest_frame(void);

/* A stack of `pages` pages in the stack window with an unmapped guard page
 * below it; returns its top, or 0 with *err set: -EAGAIN when all stack
 * slots are in use, -ENOMEM without the frames or the room in the window.
 * `owner` names it in fault reports. A freed slot serves any stack that
 * fits in it. */
vaddr_t vm_stack_alloc(size_t pages, const char *owner, int *err);
void vm_stack_free(vaddr_t top, size_t pages);
const char *vm_guard_owner(vaddr_t va);
/* Unmap `page` and name it as the guard of a stack the kernel placed
 * itself (the boot stack, the double-fault stacks). */
int vm_guard_add(vaddr_t page, const char *owner);

/* The heap behind sbrk: grow or shrink by `delta` bytes; returns the old
 * break, or (vaddr_t)-1 with *err set (-ENOMEM). */
vaddr_t vm_heap_sbrk(long delta, int *err);
vaddr_t vm_heap_break(void);

#endif
