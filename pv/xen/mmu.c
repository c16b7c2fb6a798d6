/*
 * Page tables under Xen PV.
 *
 * A PV guest's page tables hold machine frame numbers (MFNs), the frames
 * of the real machine, while the kernel thinks in its own pseudo-physical
 * frames (PFNs, 0..nr_pages-1). Two tables translate: the P2M list Xen
 * hands over in start_info (mfn_list[pfn]) and the M2P table Xen maps
 * read-only into every guest (machine_to_phys[mfn]). The generic page-table
 * code keeps thinking in PFNs: set_* translate PFN -> MFN on the way in and
 * read_entry MFN -> PFN on the way out, so arch/x86/paging.c walks and
 * edits the tables unchanged.
 *
 * A page-table page must never be writable through any mapping: Xen
 * validates a frame when it is first used as a table and refuses writable
 * mappings of it after. So entries are written with the mmu_update
 * hypercall (Xen checks and applies the write), and a page about to become
 * a table is first mapped read-only where the kernel sees it
 * (update_va_mapping). Not needed here: pinning, because new tables only
 * ever join the tree Xen built and pinned; large pages, which PV refuses;
 * the global bit. protocol-facts 2.10; Xen's public xen.h, "MMU_*",
 * "MMUEXT_*".
 *
 * Not done yet: batching the updates of a lazy section into multicalls.
 */
#include "xen.h"
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/vm.h>
#include <xen/memory.h>

static unsigned long *m2p;    /* machine_to_phys, read-only, Xen's */
static unsigned long m2p_entries;
u64 xen_mmu_hypercalls;       /* for make bench: page-table hypercalls made */

static unsigned long pfn_to_mfn(unsigned long pfn)
{
    if (pfn >= xen_start_info->nr_pages)
        panic("xen: PFN 0x%lx is beyond this domain's %lu pages", pfn,
              (unsigned long)xen_start_info->nr_pages);
    return ((unsigned long *)xen_start_info->mfn_list)[pfn];
}

static unsigned long mfn_to_pfn(unsigned long mfn)
{
    return mfn < m2p_entries ? m2p[mfn] : ~0UL;
}

static u64 entry_to_machine(u64 v)
{
    if (!(v & PTE_P))
        return v;
    return (v & ~PTE_ADDR_MASK) | ((u64)pfn_to_mfn((v & PTE_ADDR_MASK) >> 12) << 12);
}

static u64 entry_to_pseudo(u64 v)
{
    if (!(v & PTE_P))
        return v;
    return (v & ~PTE_ADDR_MASK) | ((u64)mfn_to_pfn((v & PTE_ADDR_MASK) >> 12) << 12);
}

static void update(void *entryp, u64 val)
{
    vaddr_t va = (vaddr_t)entryp;
    mmu_update_t req = {
        .ptr = ((u64)pfn_to_mfn(va >> 12) << 12 | (va & 0xfff)) | MMU_NORMAL_PT_UPDATE,
        .val = entry_to_machine(val),
    };
    xen_mmu_hypercalls++;
    long err = xen_hypercall5(__HYPERVISOR_mmu_update, &req, 1, 0, DOMID_SELF, 0);
    if (err)
        panic("xen: mmu_update of the entry at %p to 0x%llx failed: %s (%ld)", entryp,
              (unsigned long long)val, xen_errno_name(err), err);
}

static PVOP_ABI void xen_set_entry(void *p, u64 v) { update(p, v); }

static PVOP_ABI u64 xen_read_entry(const void *p)
{
    return entry_to_pseudo(*(const volatile u64 *)p);
}

/* Map the frame at its own address read-only (a table) or writable again. */
static void remap(paddr_t pa, bool writable)
{
    u64 pte = ((u64)pfn_to_mfn(pa >> 12) << 12) | PTE_P | PTE_A | PTE_D | (writable ? PTE_W : 0) |
              (vm_nx_enabled() ? PTE_NX : 0);
    xen_mmu_hypercalls++;
#ifdef __x86_64__
    long err = xen_hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)pa, pte, UVMF_INVLPG);
#else
    long err = xen_hypercall5(__HYPERVISOR_update_va_mapping, (unsigned long)pa, (u32)pte,
                              (u32)(pte >> 32), UVMF_INVLPG, 0);
#endif
    if (err)
        panic("xen: update_va_mapping of 0x%llx (%s) failed: %s (%ld)", (unsigned long long)pa,
              writable ? "writable" : "read-only", xen_errno_name(err), err);
}

static PVOP_ABI void xen_alloc_pt(paddr_t table, int level) { remap(table, false); }
static PVOP_ABI void xen_release_pt(paddr_t table, int level) { remap(table, true); }

static PVOP_ABI paddr_t xen_read_pt_base(void)
{
    return (paddr_t)xen_start_info->pt_base;   /* VA == pseudo-physical here */
}

static PVOP_ABI void xen_write_pt_base(paddr_t root)
{
    if (root != xen_read_pt_base())
        panic("xen: switching to a new top-level table is not supported (0x%llx)",
              (unsigned long long)root);
}

static void mmuext(unsigned cmd, unsigned long arg)
{
    struct mmuext_op op = { .cmd = cmd };
    op.arg1.linear_addr = arg;
    xen_mmu_hypercalls++;
    long err = xen_hypercall5(__HYPERVISOR_mmuext_op, &op, 1, 0, DOMID_SELF, 0);
    if (err)
        panic("xen: mmuext_op %u failed: %s (%ld)", cmd, xen_errno_name(err), err);
}

static PVOP_ABI void xen_flush_one(vaddr_t va) { mmuext(MMUEXT_INVLPG_LOCAL, va); }
static PVOP_ABI void xen_flush_all(void) { mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0); }
static PVOP_ABI void xen_lazy_nop(void) { }

const struct pv_mmu_ops xen_mmu_ops = {
    .name = "xen-pv",
    .alloc_pt = xen_alloc_pt,
    .release_pt = xen_release_pt,
    .set_pte = xen_set_entry,
    .set_pmd = xen_set_entry,
    .set_pud = xen_set_entry,
    .set_p4d = xen_set_entry,
    .read_entry = xen_read_entry,
    .read_pt_base = xen_read_pt_base,
    .write_pt_base = xen_write_pt_base,
    .flush_tlb_one = xen_flush_one,
    .flush_tlb_all = xen_flush_all,
    .flush_tlb_global = xen_flush_all,
    .lazy_enter = xen_lazy_nop,
    .lazy_flush = xen_lazy_nop,
    .lazy_leave = xen_lazy_nop,
};

/* Where Xen maps the M2P table (it may move it: ask). */
int xen_mmu_init(void)
{
    struct xen_machphys_mapping mm;
    long err = xen_hypercall(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, &mm, 0);
    if (err) {
        printk("xen: XENMEM_machphys_mapping failed: %s (%ld)\n", xen_errno_name(err), err);
        return (int)err;
    }
    m2p = (unsigned long *)mm.v_start;
    m2p_entries = (mm.v_end - mm.v_start) / sizeof(unsigned long);
    return 0;
}
