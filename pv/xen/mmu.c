/*T:440
 * Page tables under Xen PV.
 *
 * A PV guest's page tables hold machine frame numbers (MFNs), the frames
 * of the real machine, while the kernel thinks in its own pseudo-physical
 * frames (PFNs, 0..nr_pages-1). Two tables translate: the P2M list Xen
 * hands over in start_info (mfn_list[pfn]) and the M2P table Xen maps
 * read-only into every guest (machine_to_phys[mfn]). The generic page-table
 * code keeps thinking in PFNs: set_* translate PFN -> MFN on the way in and
 * read_entry MFN -> PFN on the way out, so arch/x86/paging.c walks and
 * edits the tables unchanged. A frame that is not the domain's own (the
 * shared_info page) reads back as its MFN with FOREIGN_PFN set, which
 * writes translate back unchanged: such an entry survives a protection
 * change.
 *
 * Xen validates a frame when it is first used as a table and from then on
 * refuses any writable mapping of it. So entries are never written
 * directly but with mmu_update (Xen checks and applies each write), and a
 * frame about to become a table is first mapped read-only where the kernel
 * sees it (alloc_pt: update_va_mapping). New tables only ever join the tree
 * Xen built, whose top level Xen pinned at domain build, so nothing needs
 * pinning by hand: a table is validated, and kept so, by being referenced
 * from a pinned one. Not needed either: large pages (PV refuses them) and
 * the global bit. xen/include/public/xen.h, "MMU_*",
 * "MMUEXT_*".
 *
 * Lazy mode (mmu_lazy_enter .. leave) queues the work instead and sends
 * it in one multicall when the queue fills or the section ends: mapping
 * 1,000 pages costs a handful of hypercalls this way instead of a
 * thousand (`make bench`). What is queued, and which vCPU owns the one
 * queue: xen_lazy_enter, below.
 */
#include "xen.h"
#include "start_info.h"
#include <arch/paging.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/string.h>
#include <proteus/vm.h>
#include <xen/memory.h>

#define FOREIGN_PFN (1ULL << 39)   /* top bit of the 40-bit frame field */

static unsigned long *m2p;    /* machine_to_phys: read-only, Xen's */
static unsigned long m2p_entries;
u64 xen_mmu_hypercalls, xen_mmu_operations;

/*T:445 The two tables, and one entry through both. The P2M list
 * (start_info's mfn_list: a word per PFN of this domain) maps the kernel's
 * frames to the machine's; the M2P table (machine_to_phys: a word per
 * machine frame of the whole host, mapped read-only by Xen where
 * XENMEM_machphys_mapping says) maps back. With made-up numbers:
 *
 *      PFNs (this domain)                    MFNs (the machine)
 *      +--------+    mfn_list[pfn]           +---------+
 *      | 0x0000 | -------------------------> | 0x7a000 |
 *      |  ...   |                            |  ...    |
 *      | 0x1234 | -------------------------> | 0x7a3c1 |
 *      +--------+ <------------------------- +---------+
 *                   machine_to_phys[mfn]
 *
 *   writing (xen_set_entry -> update -> entry_to_machine):
 *     kernel's value   0x0000000001234063   PFN 0x1234, flags P W A D
 *     mfn_list[0x1234] = 0x7a3c1
 *     mmu_update val   0x000000007a3c1063   MFN 0x7a3c1, the same flags
 *   reading (xen_read_entry -> entry_to_pseudo):
 *     in the table     0x000000007a3c1063
 *     machine_to_phys[0x7a3c1] = 0x1234, and mfn_list[0x1234] == 0x7a3c1
 *     kernel sees      0x0000000001234063
 *   a frame not this domain's (the shared_info page, MFN 0x9f0b2, say):
 *     the M2P gives no PFN of ours for it, so it reads back as frame
 *     0x9f0b2 | FOREIGN_PFN (bit 39 of the frame, bit 51 of the entry),
 *     and entry_to_machine strips the bit again on the way in.
 *
 * Only present entries are translated; an entry without P is written as
 * it is. The check that the M2P's answer maps back (xen_mfn_to_pfn) is
 * what tells a foreign frame from one of ours. */
unsigned long xen_pfn_to_mfn(unsigned long pfn)
{
    if (pfn >= xen_start_info->nr_pages)
        panic("xen: PFN 0x%lx is beyond this domain's %lu pages", pfn,
              (unsigned long)xen_start_info->nr_pages);
    return ((const unsigned long *)xen_start_info->mfn_list)[pfn];
}

u64 xen_virt_to_machine(const void *va)
{
    /* page tables, descriptor tables and the image are in the direct map */
    vaddr_t v = (vaddr_t)va;
    return (u64)xen_pfn_to_mfn(v >> PAGE_SHIFT) << PAGE_SHIFT | (v & (PAGE_SIZE - 1));
}

bool xen_mfn_ready(void)
{
    return m2p != NULL;
}

/* ~0UL for a frame that is not this domain's. Usable before the page
 * tables are adopted (the console ring's page is found this way). */
unsigned long xen_mfn_to_pfn(unsigned long mfn)
{
    unsigned long pfn = mfn < m2p_entries ? m2p[mfn] : ~0UL;
    return pfn < xen_start_info->nr_pages && xen_pfn_to_mfn(pfn) == mfn ? pfn : ~0UL;
}

static u64 entry_to_machine(u64 v)
{
    if (!(v & PTE_P))
        return v;
    u64 pfn = (v & PTE_ADDR_MASK) >> PAGE_SHIFT;
    u64 mfn = pfn & FOREIGN_PFN ? pfn & ~FOREIGN_PFN : xen_pfn_to_mfn((unsigned long)pfn);
    return (v & ~PTE_ADDR_MASK) | mfn << PAGE_SHIFT;
}

static u64 entry_to_pseudo(u64 v)
{
    if (!(v & PTE_P))
        return v;
    unsigned long mfn = (unsigned long)((v & PTE_ADDR_MASK) >> PAGE_SHIFT);
    unsigned long pfn = xen_mfn_to_pfn(mfn);
    u64 frame = pfn != ~0UL ? pfn : (u64)mfn | FOREIGN_PFN;
    return (v & ~PTE_ADDR_MASK) | frame << PAGE_SHIFT;
}

/* ---- the queue ------------------------------------------------------------ */

#define MAX_CALLS 16
#define MAX_UPDATES 256
#define MAX_FLUSHES 8

static struct {
    multicall_entry_t calls[MAX_CALLS];
    unsigned ncalls;
    mmu_update_t upd[MAX_UPDATES];
    u64 upd_pseudo[MAX_UPDATES];          /* as the kernel wrote them, for reads */
    unsigned nupd;
    struct mmuext_op ext[MAX_CALLS];
    unsigned next;
    vaddr_t flush_va[MAX_FLUSHES];
    unsigned nflush;
    bool flush_all;
    unsigned nops;                /* operations queued */
} *q;   /* from xen_early_take, in xen_mmu_init */
static bool batching = true;
#define NO_OWNER (~0u)
static u32 queue_owner = NO_OWNER;     /* the vCPU whose lazy section holds the queue */
static struct {
    unsigned depth;                    /* nesting of lazy sections */
    unsigned long irq_flags;           /* as they were at the outermost enter */
} lazy_cpu[MAX_CPUS];

/* Which queued update, if any, last wrote an entry: an open-addressing
 * hash from the entry's address to its index in q->upd, emptied at each
 * flush by moving to a new generation. A read during a batch is then one
 * probe or two, not a scan of the queue (the walks of a large mapping read
 * an entry or four per page). */
#define FWD_SLOTS 1024   /* a power of two, four times MAX_UPDATES */
static struct {
    const void *entry;
    u32 gen;
    u32 idx;
} *fwd;   /* FWD_SLOTS of them, from xen_early_take, in xen_mmu_init */
static u32 fwd_gen = 1;

static unsigned fwd_slot(const void *entry)
{
    return (unsigned)(((uintptr_t)entry >> 3) * 2654435761u) & (FWD_SLOTS - 1);
}

static void fwd_record(const void *entry, unsigned idx)
{
    unsigned h = fwd_slot(entry);
    while (fwd[h].gen == fwd_gen && fwd[h].entry != entry)
        h = (h + 1) & (FWD_SLOTS - 1);
    fwd[h].entry = entry;
    fwd[h].gen = fwd_gen;
    fwd[h].idx = idx;
}

static int fwd_lookup(const void *entry)
{
    for (unsigned h = fwd_slot(entry); fwd[h].gen == fwd_gen; h = (h + 1) & (FWD_SLOTS - 1))
        if (fwd[h].entry == entry)
            return (int)fwd[h].idx;
    return -1;
}

static void fwd_clear(void)
{
    if (++fwd_gen == 0) {   /* wrapped: old generations could match again */
        memset(fwd, 0, FWD_SLOTS * sizeof(*fwd));
        fwd_gen = 1;
    }
}

void xen_mmu_set_batching(bool on)
{
    batching = on;
}

/* This vCPU holds the queue (only inside its lazy section). */
static bool owner(void)
{
    return __atomic_load_n(&queue_owner, __ATOMIC_RELAXED) == xen_vcpu_id();
}

static bool lazy(void)
{
    return owner() && batching;
}

static const char *op_name(xen_ulong_t op)
{
    return op == __HYPERVISOR_mmu_update ? "mmu_update"
         : op == __HYPERVISOR_update_va_mapping ? "update_va_mapping"
         : op == __HYPERVISOR_mmuext_op ? "mmuext_op" : "hypercall";
}

static void flush_queue(void);

static multicall_entry_t *new_call(xen_ulong_t op)
{
    if (q->ncalls >= MAX_CALLS - 1)   /* one slot stays free for the TLB flush */
        flush_queue();
    multicall_entry_t *c = &q->calls[q->ncalls++];
    memset(c, 0, sizeof(*c));
    c->op = op;
    return c;
}

static void queue_flush_ops(void)
{
    if (!q->flush_all && !q->nflush)
        return;
    unsigned first = q->next;
    if (q->flush_all) {
        q->ext[q->next].cmd = MMUEXT_TLB_FLUSH_LOCAL;
        q->next++;
    } else {
        for (unsigned i = 0; i < q->nflush; i++) {
            q->ext[q->next].cmd = MMUEXT_INVLPG_LOCAL;
            q->ext[q->next].arg1.linear_addr = q->flush_va[i];
            q->next++;
        }
    }
    multicall_entry_t *c = &q->calls[q->ncalls++];
    memset(c, 0, sizeof(*c));
    c->op = __HYPERVISOR_mmuext_op;
    c->args[0] = (xen_ulong_t)(uintptr_t)&q->ext[first];
    c->args[1] = q->next - first;
    c->args[3] = DOMID_SELF;
    q->nops += q->next - first;
    q->nflush = 0;
    q->flush_all = false;
}

/*T:465 The batch goes to Xen: the TLB flushes gathered in the section
 * become one last mmuext_op call, then every queued call (mmu_update
 * arrays, update_va_mappings, mmuext_ops, in the order they were made) is
 * issued by a single multicall hypercall, an array of struct
 * multicall_entry {op, result, args[6]} that Xen runs in order, storing
 * each call's result (xen/include/public/xen.h, __HYPERVISOR_multicall).
 * Xen's answer to the multicall itself is only whether it could read the
 * array, so each call's result is checked too. Here is where batching
 * shows: xen_mmu_hypercalls grows by one, xen_mmu_operations by every
 * request the batch carried. Reached at the outermost lazy_leave, at
 * lazy_flush, and whenever the queue fills (MAX_UPDATES requests or
 * MAX_CALLS calls). */
static void flush_queue(void)
{
    queue_flush_ops();
    if (!q->ncalls)
        return;
    xen_mmu_hypercalls++;
    xen_mmu_operations += q->nops;
    long err = xen_hypercall(__HYPERVISOR_multicall, q->calls, q->ncalls, 0);
    if (err)
        panic("xen: multicall of %u page-table calls failed: %s (%ld)", q->ncalls,
              xen_errno_name(err), err);
    for (unsigned i = 0; i < q->ncalls; i++) {
        long r = (long)q->calls[i].result;
        if (r)
            panic("xen: %s (call %u of %u in a batch) failed: %s (%ld)", op_name(q->calls[i].op),
                  i + 1, q->ncalls, xen_errno_name(r), r);
    }
    q->ncalls = q->nupd = q->next = q->nops = 0;
    fwd_clear();
}

/* ---- the operations ---------------------------------------------------- */

/*T:450 One entry write under Xen PV (set_pte..set_p4d all come here: the
 * level does not matter to Xen, which knows each table's level from its
 * validation). The request is a struct mmu_update {ptr, val}: ptr the
 * machine address of the entry with the command in its low two bits,
 * MMU_NORMAL_PT_UPDATE (a checked `*ptr = val`), val the entry with its
 * frame translated to an MFN (xen/include/public/xen.h, HYPERVISOR_mmu_update
 * and struct mmu_update). Outside a lazy section held by this vCPU it is
 * one hypercall of one request, counted in xen_mmu_hypercalls. Inside, it
 * is appended to the queue's request array, extending the last queued
 * mmu_update call when that call's requests end just where this one goes,
 * and remembered for reads (fwd_record). */
static void update(void *entryp, u64 val)
{
    mmu_update_t req = {
        .ptr = xen_virt_to_machine(entryp) | MMU_NORMAL_PT_UPDATE,
        .val = entry_to_machine(val),
    };
    if (!lazy()) {
        xen_mmu_hypercalls++;
        xen_mmu_operations++;
        long err = xen_hypercall5(__HYPERVISOR_mmu_update, &req, 1, 0, DOMID_SELF, 0);
        if (err)
            panic("xen: mmu_update of the entry at %p to 0x%llx failed: %s (%ld)", entryp,
                  (unsigned long long)val, xen_errno_name(err), err);
        return;
    }
    if (q->nupd == MAX_UPDATES)
        flush_queue();
    multicall_entry_t *last = q->ncalls ? &q->calls[q->ncalls - 1] : NULL;
    bool extend = last && last->op == __HYPERVISOR_mmu_update &&
                  last->args[0] + last->args[1] * sizeof(mmu_update_t) ==
                      (xen_ulong_t)(uintptr_t)&q->upd[q->nupd];
    if (!extend) {
        last = new_call(__HYPERVISOR_mmu_update);
        last->args[0] = (xen_ulong_t)(uintptr_t)&q->upd[q->nupd];
        last->args[3] = DOMID_SELF;
    }
    q->upd[q->nupd] = req;
    q->upd_pseudo[q->nupd] = val;
    fwd_record(entryp, q->nupd);
    q->nupd++;
    last->args[1]++;
    q->nops++;
}

static PVOP_ABI void xen_set_entry(void *p, u64 v)
{
    update(p, v);
}

static PVOP_ABI u64 xen_read_entry(const void *p)
{
    int i = owner() && q->nupd ? fwd_lookup(p) : -1;
    if (i >= 0)
        return q->upd_pseudo[i];   /* written in this batch, not yet applied */
    return entry_to_pseudo(*(const volatile u64 *)p);
}

/*T:455 Map the direct-map page at `va` read-only (a table, a GDT or LDT
 * page) or writable again, queued if `queue` and this vCPU is in a lazy
 * section. This is the other half of a new table: walk's pt_alloc_notice
 * lands in xen_alloc_pt, which calls this before the entry linking the
 * table is written, because Xen refuses to validate a frame as a table
 * while any writable mapping of it exists. The call is
 * update_va_mapping(va, pte, flags): the kernel names the page by its
 * virtual address and Xen finds and checks the level-1 entry itself;
 * UVMF_INVLPG | UVMF_LOCAL has it flush that one page from this vCPU's TLB
 * (xen/include/public/xen.h, UVMF_*). On i386 the 64-bit pte takes two
 * argument words, so the flags move to the fourth. */
static void remap(const void *va, bool writable, bool queue)
{
    u64 pte = xen_virt_to_machine(va) | PTE_P | PTE_A | PTE_D | (writable ? PTE_W : 0) |
              (vm_nx_enabled() ? PTE_NX : 0);
    unsigned long v = (unsigned long)(uintptr_t)va;
    if (queue && lazy()) {
        multicall_entry_t *c = new_call(__HYPERVISOR_update_va_mapping);
        c->args[0] = v;
        if (IS_ENABLED(CONFIG_64BIT)) {
            c->args[1] = pte;
            c->args[2] = UVMF_INVLPG | UVMF_LOCAL;
        } else {
            c->args[1] = (u32)pte;
            c->args[2] = (u32)(pte >> 32);
            c->args[3] = UVMF_INVLPG | UVMF_LOCAL;
        }
        q->nops++;
        return;
    }
    xen_mmu_hypercalls++;
    xen_mmu_operations++;
    long err = xen_update_va_mapping(v, pte, UVMF_INVLPG | UVMF_LOCAL);
    if (err)
        panic("xen: update_va_mapping of %p (%s) failed: %s (%ld)", va,
              writable ? "writable" : "read-only", xen_errno_name(err), err);
}

/* At once or queued. */
void xen_remap(const void *va, bool writable)
{
    remap(va, writable, true);
}

static PVOP_ABI void xen_alloc_pt(paddr_t table, int level)
{
    xen_remap(phys_to_virt(table), false);
}

/* The frame may be reused, and written, as soon as this returns: nothing
 * about it may stay queued. */
static PVOP_ABI void xen_release_pt(paddr_t table, int level)
{
    if (owner())
        flush_queue();
    remap(phys_to_virt(table), true, false);
}

static PVOP_ABI paddr_t xen_read_pt_base(void)
{
    return (paddr_t)xen_start_info->pt_base;   /* VA == pseudo-physical */
}

/* The kernel keeps the tree Xen built (arch/x86/paging.c, vm_adopt). */
static PVOP_ABI void xen_write_pt_base(paddr_t root)
{
    if (root != xen_read_pt_base())
        panic("xen: switching to another top-level table (0x%llx) is not supported",
              (unsigned long long)root);
}

static void mmuext_now(unsigned cmd, unsigned long va)
{
    struct mmuext_op op = { .cmd = cmd };
    op.arg1.linear_addr = va;
    xen_mmu_hypercalls++;
    xen_mmu_operations++;
    long err = xen_hypercall5(__HYPERVISOR_mmuext_op, &op, 1, 0, DOMID_SELF, 0);
    if (err)
        panic("xen: mmuext_op %u failed: %s (%ld)", cmd, xen_errno_name(err), err);
}

/*T:470 invlpg is privileged, and a PV kernel runs in ring 1 or 3: a TLB
 * flush is a request to Xen. Outside a lazy section, one mmuext_op
 * MMUEXT_INVLPG_LOCAL (xen/include/public/xen.h, struct mmuext_op). Inside
 * one, the address is only noted: queue_flush_ops turns up to MAX_FLUSHES
 * of them into INVLPG_LOCAL ops at the end of the batch, or one
 * MMUEXT_TLB_FLUSH_LOCAL beyond that, after the updates they follow. */
static PVOP_ABI void xen_flush_one(vaddr_t va)
{
    if (!lazy()) {
        mmuext_now(MMUEXT_INVLPG_LOCAL, va);
    } else if (q->nflush < MAX_FLUSHES) {
        q->flush_va[q->nflush++] = va;
    } else {
        q->flush_all = true;
    }
}

/* Other vCPUs' TLBs in one hypercall: Xen flushes every vCPU the bitmap
 * names, page by page (MMUEXT_INVLPG_MULTI) or whole (MMUEXT_TLB_FLUSH_MULTI;
 * xen/include/public/xen.h, struct mmuext_op), and returns once they are
 * flushed. The bitmap is of vCPU ids, which are the kernel's CPU numbers
 * under Xen PV (pv/xen/vcpu.c). No IPI, no answer to wait for, and a
 * descheduled vCPU need not be woken. */
static PVOP_ABI void xen_flush_others(u32 cpus, vaddr_t va, size_t len)
{
    xen_ulong_t mask = cpus;
    struct mmuext_op ops[TLB_FLUSH_PAGES_MAX];
    unsigned n = 0;
    bool whole = len > TLB_FLUSH_PAGES_MAX * PAGE_SIZE;
    for (size_t off = 0; off < len && n < TLB_FLUSH_PAGES_MAX; off += PAGE_SIZE) {
        ops[n].cmd = whole ? MMUEXT_TLB_FLUSH_MULTI : MMUEXT_INVLPG_MULTI;
        ops[n].arg1.linear_addr = va + off;
        set_xen_guest_handle(ops[n].arg2.vcpumask, &mask);
        n++;
        if (whole)
            break;
    }
    xen_mmu_hypercalls++;
    xen_mmu_operations += n;
    long err = xen_hypercall5(__HYPERVISOR_mmuext_op, ops, n, 0, DOMID_SELF, 0);
    if (err)
        panic("xen: mmuext_op %s for vCPUs 0x%x (0x%lx+0x%zx) failed: %s (%ld)",
              whole ? "MMUEXT_TLB_FLUSH_MULTI" : "MMUEXT_INVLPG_MULTI", cpus, (unsigned long)va,
              len, xen_errno_name(err), err);
}

static PVOP_ABI void xen_flush_all(void)
{
    if (lazy())
        q->flush_all = true;
    else
        mmuext_now(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

/*T:460 The lazy section from Xen's side. Inside one, the work is queued
 * instead of sent: entry updates into one mmu_update request array,
 * remappings and TLB flushes as further calls, all issued in order by one
 * multicall when the queue fills or the section ends (flush_queue, above).
 * TLB flushes are gathered at the end of the batch (several pages, or the
 * whole TLB when there are many), which is safe because nothing may use a
 * mapping changed inside a lazy section before it ends. A read of an
 * entry whose update is still queued returns the queued value (found
 * through a small hash, fwd_*).
 *
 * The outermost enter masks events (irq_save: this vCPU's
 * evtchn_upcall_mask, pv/xen/irq.c), so that no handler and no other
 * thread sees the queue half built, and claims the one queue if no other
 * vCPU holds it; nested enters only count. The outermost leave sends what
 * is queued (flush_queue), gives the queue back and restores the event
 * mask. A vCPU in a lazy section while another holds the queue does not
 * batch: its updates go straight to Xen, which lazy mode allows (it
 * permits deferring, never requires it), and it never flushes or reads a
 * queue half built by someone else. No vCPU waits for the queue, so it
 * adds no lock to the kernel's lock order (the kernel's own lazy sections
 * run under paging.c's pt_lock anyway).
 *
 * So the 1,000 writes of a large vm_map inside one section cost a few
 * multicalls; the same writes each in their own section (or with batching
 * off: xen_mmu_set_batching, used by apps/pvbench and selftest's
 * xen.batched_mappings) cost one hypercall each. */
static PVOP_ABI void xen_lazy_enter(void)
{
    unsigned long f = irq_save();
    u32 cpu = xen_vcpu_id(), none = NO_OWNER;
    if (lazy_cpu[cpu].depth++ == 0) {
        lazy_cpu[cpu].irq_flags = f;
        /* the queue, if no other vCPU holds it; else no batching here */
        __atomic_compare_exchange_n(&queue_owner, &none, cpu, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED);
    }
}

static PVOP_ABI void xen_lazy_flush(void)
{
    if (owner())
        flush_queue();
}

static PVOP_ABI void xen_lazy_leave(void)
{
    unsigned cpu = xen_vcpu_id();
    if (!lazy_cpu[cpu].depth)
        panic("xen: mmu lazy_leave without lazy_enter on vCPU %u", cpu);
    if (--lazy_cpu[cpu].depth == 0) {
        if (owner()) {
            flush_queue();
            __atomic_store_n(&queue_owner, NO_OWNER, __ATOMIC_RELEASE);
        }
        irq_restore(lazy_cpu[cpu].irq_flags);
    }
}

const struct pv_mmu_ops xen_mmu_ops = {
    .name = "xen-pv",
    .alloc_pt = xen_alloc_pt,
    .release_pt = xen_release_pt,
    .set_pte = xen_set_entry,
    .set_pmd = xen_set_entry,
    .set_pud = xen_set_entry,
    .set_p4d = xen_set_entry,
    .read_entry = xen_read_entry,
    .fill_run = pt_fill_run_by_entry,   /* each entry through xen_set_entry (queued when lazy) */
    .read_pt_base = xen_read_pt_base,
    .write_pt_base = xen_write_pt_base,
    .flush_tlb_one = xen_flush_one,
    .flush_tlb_all = xen_flush_all,
    .flush_tlb_global = xen_flush_all,
    .flush_tlb_others = xen_flush_others,
    .lazy_enter = xen_lazy_enter,
    .lazy_flush = xen_lazy_flush,
    .lazy_leave = xen_lazy_leave,
};

/* Where Xen maps the M2P table (it may move it: ask). */
int xen_mmu_init(const start_info_t *si, u64 image_start, u64 bootstrap_end)
{
    /* 24 KiB on x86_64 that only a Xen PV boot needs: not in the BSS */
    q = xen_early_take(sizeof(*q));
    fwd = xen_early_take(FWD_SLOTS * sizeof(*fwd));
    struct xen_machphys_mapping mm;
    long err = xen_hypercall(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, &mm, 0);
    if (err)
        return (int)err;
    /* Nothing may read the P2M list until it is known to lie inside what
     * Xen mapped for the domain (the domU console finds its ring through
     * it, before xen_boot_info checks the rest of start_info). */
    if (!xen_p2m_list_ok(si, image_start, bootstrap_end))
        return -EFAULT;
    m2p = (unsigned long *)(uintptr_t)mm.v_start;
    m2p_entries = (unsigned long)((mm.v_end - mm.v_start) / sizeof(unsigned long));
    return 0;
}
