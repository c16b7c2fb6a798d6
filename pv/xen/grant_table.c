/*
 * Grant tables, version 1 (Xen's public grant_table.h): the table of
 * grant entries this domain shares with Xen, through which it lets other
 * domains map or copy its frames. A PV guest asks Xen for the table's
 * frames (GNTTABOP_setup_table, after GNTTABOP_query_size says how many
 * it may have) and maps their machine frames into its own address space;
 * the entries themselves and the references' free list are
 * pv/xen/grant_ref.c.
 *
 * The other direction, mapping another domain's grant, is here too
 * (GNTTABOP_map_grant_ref / unmap_grant_ref at a direct-map page), for
 * backends and for selftest, which maps its own grants to check that an
 * end while mapped is refused.
 *
 * Ending a grant the peer still maps must not free the frame: the peer
 * could go on writing into whatever the frame holds next. So
 * xen_grant_end says -EBUSY and leaves the grant, and
 * xen_grant_end_deferred keeps trying from a timer and only then lets the
 * caller release the frame.
 */
#include "grant_ref.h"
#include "xen.h"
#include <arch/paging.h>
#include <proteus/errno.h>
#include <proteus/printk.h>
#include <proteus/smp.h>
#include <proteus/spinlock.h>
#include <proteus/timer.h>
#include <proteus/vm.h>
#include <pv/xen_grant.h>

domid_t xen_domid = DOMID_INVALID;

/* 4 frames: 2,048 references, plenty for a unikernel's few devices. */
#define FRAMES 4
#define PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))
/* Where the table's frames are mapped: pages of the direct map taken from
 * the frame allocator when the table starts (their own frames stay the
 * domain's, unused, as long as Xen's are mapped over them), so that an
 * image that never runs under Xen carries no window in its BSS. */
static u8 *table_pages;
static volatile grant_entry_v1_t *table;
static struct gnt_refs refs;
static spinlock_t lock = SPINLOCK_INIT;
static unsigned nframes;
/* Each grant in use as given (its frame as a PFN), to write it anew in the
 * table Xen sets up after a restore: the table's frames are Xen's and are
 * not saved with the domain. This, and the references' free list, are
 * frames taken at init for the references Xen allows, not image space. */
struct grant_shadow {
    unsigned long pfn;
    domid_t domid;
    bool readonly;
};
static struct grant_shadow *shadow;

static int gnt_status_errno(int16_t st)
{
    switch (st) {
    case GNTST_okay: return 0;
    /* Xen says general_error for a write-pin of a read-only grant, among
     * others (xen/common/grant_table.c, map_grant_ref) */
    case GNTST_general_error: return -EPERM;
    case GNTST_permission_denied: return -EACCES;
    case GNTST_bad_domain:
    case GNTST_bad_gntref:
    case GNTST_bad_handle:
    case GNTST_bad_virt_addr:
    case GNTST_bad_page: return -EINVAL;
    case GNTST_no_space:
    case GNTST_no_device_space: return -ENOSPC;
    case GNTST_eagain: return -EAGAIN;
    default: return -EIO;
    }
}

static int map_frames(void);

int xen_grant_table_init(void)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    long err = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, &q, 1);
    if (err || q.status) {
        printk("xen: grant table: GNTTABOP_query_size failed: %s (%ld), status %d\n",
               xen_errno_name(err), err, q.status);
        return -ENODEV;
    }
    unsigned n = gnt_frames_to_use(q.nr_frames, q.max_nr_frames, FRAMES);
    if (n > FRAMES)
        n = FRAMES;   /* Xen set up more already: use the first FRAMES */
    if (n == 0) {
        printk("xen: grant table: Xen allows no frames (max %u): no grants\n", q.max_nr_frames);
        return -ENOSPC;
    }
    if (n < FRAMES)
        printk("xen: grant table: Xen allows %u frame(s), fewer than the %u asked: %u references\n",
               n, FRAMES, (unsigned)(n * PER_FRAME));
    /* The bookkeeping for the references Xen allows, in frames of one
     * zeroed, direct-mapped run: the shadow, the free list, the in-use
     * marks, each aligned for its type by the order. */
    unsigned nrefs = (unsigned)(n * PER_FRAME);
    size_t bytes = nrefs * (sizeof(*shadow) + sizeof(grant_ref_t) + 1);
    shadow = page_alloc_bytes(bytes);
    if (!shadow) {
        printk("xen: grant table: no %zu bytes of free frames for its bookkeeping: no grants\n",
               bytes);
        return -ENOMEM;
    }
    grant_ref_t *next_free = (grant_ref_t *)(shadow + nrefs);
    unsigned char *used = (unsigned char *)(next_free + nrefs);
    table_pages = page_alloc_bytes(n * PAGE_SIZE);
    if (!table_pages) {
        printk("xen: grant table: no %u free frames to map the table at: no grants\n", n);
        return -ENOMEM;
    }
    nframes = n;
    int e = map_frames();
    if (e)
        return e;
    table = (volatile grant_entry_v1_t *)table_pages;
    gnt_refs_init(&refs, next_free, used, nrefs);
    pr_info("xen: grant table v1: %u frame(s), %u references (Xen allows %u frames)\n", n,
            (unsigned)(n * PER_FRAME), q.max_nr_frames);
    return 0;
}

/* GNTTABOP_setup_table for `nframes`, and the frames mapped over
 * table_pages. */
static int map_frames(void)
{
    unsigned n = nframes;
    xen_pfn_t frames[FRAMES];
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = n };
    set_xen_guest_handle(st.frame_list, frames);
    long err = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1);
    if (err || st.status) {
        printk("xen: grant table: GNTTABOP_setup_table (%u frames) failed: %s (%ld), status %d\n",
               n, xen_errno_name(err), err, st.status);
        return -ENODEV;
    }
    for (unsigned i = 0; i < n; i++) {
        u64 pte = ((u64)frames[i] << PAGE_SHIFT) | PTE_P | PTE_W | PTE_A | PTE_D |
                  (vm_nx_enabled() ? PTE_NX : 0);
        err = xen_update_va_mapping((unsigned long)(table_pages + i * PAGE_SIZE), pte,
                                    UVMF_INVLPG | UVMF_ALL);
        if (err) {
            printk("xen: grant table: mapping frame %u (mfn %#lx) failed: %s (%ld)\n", i,
                   (unsigned long)frames[i], xen_errno_name(err), err);
            return -ENODEV;
        }
    }
    return 0;
}

/* For a save: the table's frames are Xen's, and a PV guest's page tables
 * may hold no frame that is not its own when the toolstack saves them. */
void xen_grant_table_suspend(void)
{
    for (unsigned i = 0; table && i < nframes; i++) {
        long err = xen_update_va_mapping((unsigned long)(table_pages + i * PAGE_SIZE), 0,
                                         UVMF_INVLPG | UVMF_ALL);
        if (err)
            printk("xen: grant table: unmapping frame %u for the save failed: %s (%ld)\n", i,
                   xen_errno_name(err), err);
    }
}

/* After the save: the table again (in a restored domain a new one, empty,
 * with the grants in use written anew from the shadow; after a cancelled
 * save the same frames, whose entries are still there). */
int xen_grant_table_resume(void)
{
    if (!table)
        return 0;
    int err = map_frames();
    if (err)
        return err;
    unsigned n = 0;
    for (grant_ref_t r = GNTTAB_NR_RESERVED_ENTRIES; r < refs.count; r++) {
        if (!refs.used[r] || (table[r].flags & GTF_permit_access))
            continue;
        volatile grant_entry_v1_t *e = &table[r];
        e->frame = (u32)xen_pfn_to_mfn(shadow[r].pfn);
        e->domid = shadow[r].domid;
        __atomic_thread_fence(__ATOMIC_RELEASE);
        e->flags = (u16)(GTF_permit_access | (shadow[r].readonly ? GTF_readonly : 0));
        n++;
    }
    if (n)
        printk("xen: grant table: %u grant(s) written anew after the restore\n", n);
    return 0;
}

/*T:875 A grant is one 8-byte entry of the table this domain shares with
 * Xen (xen/include/public/grant_table.h, grant_entry_v1_t): the machine
 * frame (a PV domain's own pseudo-physical frame number means nothing to
 * another domain: the P2M gives the MFN), the one domain allowed, and the
 * flags, GTF_permit_access with GTF_readonly or not. Flags are written
 * last, after a release fence: the moment Xen can see them, frame and
 * domid must be right. No hypercall: granting is a store into memory Xen
 * reads when the peer asks to map or copy the frame
 * (GNTTABOP_map_grant_ref, GNTTABOP_copy). The shadow keeps each grant
 * by PFN, to write the table anew after a restore. */
int xen_grant_access(domid_t domid, unsigned long pfn, bool readonly, grant_ref_t *ref)
{
    if (!table)
        return -ENODEV;
    if (pfn >= xen_start_info->nr_pages)
        return -EINVAL;   /* not a frame of this domain's */
    unsigned long mfn = xen_pfn_to_mfn(pfn);
    unsigned long f = spin_lock_irqsave(&lock);
    int err = gnt_refs_get(&refs, ref);
    spin_unlock_irqrestore(&lock, f);
    if (err)
        return err;
    shadow[*ref].pfn = pfn;
    shadow[*ref].domid = domid;
    shadow[*ref].readonly = readonly;
    volatile grant_entry_v1_t *e = &table[*ref];
    e->frame = (u32)mfn;
    e->domid = domid;
    __atomic_thread_fence(__ATOMIC_RELEASE);   /* frame and domid before the flags */
    e->flags = (u16)(GTF_permit_access | (readonly ? GTF_readonly : 0));
    return 0;
}

static int end_locked(grant_ref_t ref)
{
    if (ref >= refs.count || ref < GNTTAB_NR_RESERVED_ENTRIES || !refs.used[ref])
        return -EINVAL;
    int err = gnt_entry_end(&table[ref]);
    if (!err)
        gnt_refs_put(&refs, ref);
    return err;
}

int xen_grant_end(grant_ref_t ref)
{
    if (!table)
        return -ENODEV;
    unsigned long f = spin_lock_irqsave(&lock);
    int err = end_locked(ref);
    spin_unlock_irqrestore(&lock, f);
    return err;
}

/* Ends waiting for their peer: a small fixed list, tried again from one
 * timer every 100 ms. */
#define DEFERRED_MAX 64
static struct {
    grant_ref_t ref;
    void (*release)(void *ctx);
    void *ctx;
} deferred[DEFERRED_MAX];
static unsigned ndeferred;
static struct timer retry_timer;
static bool retry_ready;

static void retry(struct timer *t)
{
    unsigned long f = spin_lock_irqsave(&lock);
    for (unsigned i = 0; i < ndeferred;) {
        if (end_locked(deferred[i].ref)) {
            i++;
            continue;
        }
        void (*release)(void *) = deferred[i].release;
        void *ctx = deferred[i].ctx;
        deferred[i] = deferred[--ndeferred];
        spin_unlock_irqrestore(&lock, f);
        if (release)
            release(ctx);
        f = spin_lock_irqsave(&lock);
    }
    if (ndeferred)
        timer_arm(&retry_timer, clock_ns() + 100000000);
    spin_unlock_irqrestore(&lock, f);
}

void xen_grant_end_deferred(grant_ref_t ref, void (*release)(void *ctx), void *ctx)
{
    if (!xen_grant_end(ref)) {
        if (release)
            release(ctx);
        return;
    }
    unsigned long f = spin_lock_irqsave(&lock);
    if (!retry_ready) {
        timer_setup(&retry_timer, retry);
        retry_timer.background = true;   /* a peer may never let go: no thread waits on it */
        retry_ready = true;
    }
    bool full = ndeferred == DEFERRED_MAX;
    if (!full) {
        deferred[ndeferred++] = (typeof(deferred[0])){ ref, release, ctx };
        timer_arm(&retry_timer, clock_ns() + 100000000);
    }
    spin_unlock_irqrestore(&lock, f);
    if (full)   /* the grant stays and its frame is never released: leaked, not reused */
        printk("xen: grant table: %u ends already wait for their peers: reference %u and its "
               "frame are left granted\n", DEFERRED_MAX, ref);
}

unsigned xen_grant_free_count(void)
{
    return table ? refs.free : 0;
}

unsigned xen_grant_count(void)
{
    return table ? refs.count : 0;
}

unsigned xen_grant_deferred_count(void)
{
    return ndeferred;
}

int xen_grant_map(domid_t domid, grant_ref_t ref, void *va, bool readonly, grant_handle_t *handle)
{
    struct gnttab_map_grant_ref m = {
        .host_addr = (u64)(uintptr_t)va,
        .flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
        .ref = ref,
        .dom = domid,
    };
    long err = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, &m, 1);
    if (err) {
        printk("xen: GNTTABOP_map_grant_ref failed: %s (%ld)\n", xen_errno_name(err), err);
        return -EIO;
    }
    if (m.status != GNTST_okay)
        return gnt_status_errno(m.status);
    *handle = m.handle;
    /* the page's old translation may be cached, here and elsewhere */
    flush_tlb_one((vaddr_t)(uintptr_t)va);
    smp_tlb_shootdown((vaddr_t)(uintptr_t)va, PAGE_SIZE);
    return 0;
}

int xen_grant_unmap(void *va, grant_handle_t handle)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = (u64)(uintptr_t)va, .handle = handle };
    long err = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, &u, 1);
    if (err) {
        printk("xen: GNTTABOP_unmap_grant_ref failed: %s (%ld)\n", xen_errno_name(err), err);
        return -EIO;
    }
    if (u.status != GNTST_okay)
        return gnt_status_errno(u.status);
    /* the unmap cleared the entry: put the page's own frame back */
    xen_remap(va, true);
    return 0;
}
