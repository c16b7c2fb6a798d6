/*T:420
 * Native mmu ops: page tables are ordinary memory written directly, so
 * the page-table notices and the lazy mode cost nothing here; they exist
 * for personalities that must see or batch every update.
 *
 * A PAE entry is 8 bytes but i386 stores 4 at a time, so the halves are
 * ordered to never expose a present entry with a stale other half: a new
 * present entry gets its high half first; a cleared one loses its low half
 * (which holds P) first. SDM Vol. 3A, 4.4 and 8.1.1 (atomicity of stores).
 */
#include "native.h"
#include <arch/paging.h>
#include <arch/x86.h>
#include <proteus/smp.h>

static PVOP_ABI void native_pt_notice(paddr_t table, int level)
{
}

/*T:425 One entry, in the width of the paging mode: the whole of a native
 * page-table write. On i386 this is what a pt_set_entry site calls (every
 * level alike): 4 bytes in 2-level mode, or a PAE entry as two ordered
 * halves (x86_pte64_write, above). On x86_64 a patched site never gets
 * here: it is the 8-byte store itself, which the CPU makes atomically when
 * aligned (SDM Vol. 3A, 8.1.1); these functions serve the unpatched sites
 * (pvpatch=off, pvstats). Nothing is flushed after the store: a new entry
 * replaces a not-present one, which no TLB holds (SDM Vol. 3A, 4.10.4.3);
 * only a change to a present entry is followed by a flush (vm_unmap,
 * vm_protect). Exported for the image built without the layer
 * (CONFIG_PVOPS=0), whose pt_set_entry calls it. */
void native_pt_write(void *p, u64 v);
void native_pt_write(void *p, u64 v)
{
    if (paging_entry_size == 4) {
        *(volatile u32 *)p = (u32)v;
        return;
    }
    x86_pte64_write(p, v);   /* in the order a walking CPU needs */
}

static PVOP_ABI void native_set_pte(void *p, u64 v) { native_pt_write(p, v); }
static PVOP_ABI void native_set_pmd(void *p, u64 v) { native_pt_write(p, v); }
static PVOP_ABI void native_set_pud(void *p, u64 v) { native_pt_write(p, v); }
static PVOP_ABI void native_set_p4d(void *p, u64 v) { native_pt_write(p, v); }

static PVOP_ABI u64 native_read_entry(const void *p)
{
    if (paging_entry_size == 4)
        return *(const volatile u32 *)p;
    return x86_pte64_read(p);
}

/* A run written directly: on i386 a call per entry read and per write
 * through the ops was about 37 instructions an entry of the boot's 500.
 * Only the low half of an entry is read (P is bit 0), and the loop keeps
 * its state in registers: on i386 that was 20 instructions an entry with
 * the whole entry read, 9 now. Each write is still the ordered pair of
 * halves x86_pte64_write makes. */
static PVOP_ABI void native_fill_run(const struct pt_run *run)
{
    u64 v = run->first;
    const u32 step = run->step;
    if (paging_entry_size == 4) {
        volatile u32 *e = run->entry, *end = e + run->count;
        for (; e != end; e++, v += step)
            if (!(*e & 1))
                *e = (u32)v;
        return;
    }
    volatile u32 *e = run->entry, *end = e + 2 * (size_t)run->count;
    for (; e != end; e += 2, v += step)
        if (!(*e & 1))   /* the low half: x86 is little-endian */
            x86_pte64_write((void *)e, v);
}

static PVOP_ABI paddr_t native_read_pt_base(void) { return x86_read_cr3() & ~0xfffUL; }
static PVOP_ABI void native_write_pt_base(paddr_t root) { x86_write_cr3((unsigned long)root); }
/*T:430 The flushes that follow a change to a present entry (vm_unmap,
 * vm_protect in arch/x86/paging.c: this CPU page by page as each entry
 * changes, then smp_tlb_shootdown for the others). Natively they are the
 * instructions: invlpg for one page (SDM Vol. 2A, INVLPG), a CR3 reload
 * for every non-global entry, a CR4.PGE toggle for global ones too (SDM
 * Vol. 3A, 4.10.4.1). Other CPUs' TLBs cannot be flushed from here: no
 * instruction reaches them, so native_flush_others calls each CPU with an
 * IPI (kernel/smp.c) and waits for its answer. */
static PVOP_ABI void native_flush_one(vaddr_t va) { x86_invlpg(va); }
/* Reloading CR3 flushes the TLB; on PAE it also reloads the PDPTEs, which
 * must be clean (arch/x86/paging.c, pae_pdpt_clean). */
static PVOP_ABI void native_flush_all(void)
{
    unsigned long cr3 = x86_read_cr3();
    if (paging_levels == 3)
        pae_pdpt_clean(cr3);
    x86_write_cr3(cr3);
}

static PVOP_ABI void native_flush_global(void)
{
    /* Toggling CR4.PGE flushes global entries too (SDM 4.10.4.1). */
    unsigned long cr4 = x86_read_cr4();
    if (cr4 & X86_CR4_PGE) {
        x86_write_cr4(cr4 & ~X86_CR4_PGE);
        x86_write_cr4(cr4);
    } else {
        native_flush_all();
    }
}

/* The kernel's calls to each CPU (kernel/smp.c): no hardware broadcasts a
 * flush of one page to chosen CPUs. */
static PVOP_ABI void native_flush_others(u32 cpus, vaddr_t va, size_t len)
{
    smp_flush_tlb_by_call(cpus, va, len);
}

static PVOP_ABI void native_lazy_nop(void)
{
}

const struct pv_mmu_ops native_mmu_ops = {
    .name = "native",
    .alloc_pt = native_pt_notice,
    .release_pt = native_pt_notice,
    .set_pte = native_set_pte,
    .set_pmd = native_set_pmd,
    .set_pud = native_set_pud,
    .set_p4d = native_set_p4d,
    .read_entry = native_read_entry,
    .fill_run = native_fill_run,
    .read_pt_base = native_read_pt_base,
    .write_pt_base = native_write_pt_base,
    .flush_tlb_one = native_flush_one,
    .flush_tlb_all = native_flush_all,
    .flush_tlb_global = native_flush_global,
    .flush_tlb_others = native_flush_others,
    .lazy_enter = native_lazy_nop,
    .lazy_flush = native_lazy_nop,
    .lazy_leave = native_lazy_nop,
};
