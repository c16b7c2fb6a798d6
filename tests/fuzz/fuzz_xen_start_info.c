/*
 * pv/xen/start_info.c against any start_info page a hypervisor may hand
 * over (Xen's public xen.h, struct start_info), with any image start and
 * entry stack pointer: page counts that overflow when shifted, page tables
 * and P2M lists outside or across the bootstrap region, command lines
 * without a NUL.
 *
 * Input: u64 image start, u64 entry stack pointer, then the start_info
 * page's bytes (missing bytes are 0).
 *
 * Invariants:
 *   - the result is 0 or -EINVAL;
 *   - xen_p2m_list_ok says yes exactly when nr_pages machine frame numbers
 *     at mfn_list lie inside [image start, bootstrap end) (checked here
 *     with 128-bit arithmetic);
 *   - on success: the magic is the arch's; the bootstrap region lies
 *     inside the domain's RAM and the page tables and P2M list inside it;
 *     the map has memmap_normalize's shape, its usable RAM lies inside
 *     [4 KiB, min(nr_pages pages, 32 GiB)) and outside the bootstrap
 *     region; the command line is NUL-terminated and a prefix of Xen's.
 */
/* fuzz-sources: pv/xen/start_info.c kernel/memmap.c */
#include "fuzz.h"
#include "memmap_check.h"

#include <proteus/bootinfo.h>
#include <proteus/errno.h>
#include "../../pv/xen/start_info.h"

typedef unsigned __int128 u128;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static start_info_t si;
    static struct boot_info bi;
    struct fuzz_in in = fuzz_in(data, size);
    uint64_t image = fuzz_u64(&in), sp = fuzz_u64(&in);
    size_t got;
    const uint8_t *body = fuzz_bytes(&in, sizeof(si), &got);
    memset(&si, 0, sizeof(si));
    memcpy(&si, body, got);

    uint64_t end = sp % 4096 ? (sp | 4095) + 1 : sp;   /* may wrap to 0 */
    bool p2m = xen_p2m_list_ok(&si, image, end);
    u128 p2m_end = (u128)si.mfn_list + (u128)si.nr_pages * sizeof(unsigned long);
    FUZZ_CHECK(p2m == (si.mfn_list >= image && p2m_end <= end),
               "xen_p2m_list_ok says %d for %llu pages at %#llx in [%#llx, %#llx)", p2m,
               (unsigned long long)si.nr_pages, (unsigned long long)si.mfn_list,
               (unsigned long long)image, (unsigned long long)end);

    int err = xen_boot_info(&bi, &si, image, sp);
    FUZZ_CHECK(err == 0 || err == -EINVAL, "returned %d", err);
    if (err)
        return 0;
    FUZZ_CHECK(!strncmp(si.magic, sizeof(long) == 8 ? "xen-3.0-x86_64" : "xen-3.0-x86_32p",
                        sizeof(long) == 8 ? 14 : 15), "accepted the magic");
    FUZZ_CHECK(sp % 4096 == 0 || sp < UINT64_MAX - 4095, "accepted a stack at the top");
    u128 ram = (u128)si.nr_pages * 4096;
    FUZZ_CHECK(ram < ((u128)1 << 64), "accepted %llu pages", (unsigned long long)si.nr_pages);
    FUZZ_CHECK(image < end && end <= ram, "bootstrap region [%#llx, %#llx) in %llu bytes",
               (unsigned long long)image, (unsigned long long)end, (unsigned long long)ram);
    u128 pt_end = (u128)si.pt_base + (u128)si.nr_pt_frames * 4096;
    FUZZ_CHECK(si.pt_base >= image && pt_end <= end, "page tables outside the region");
    FUZZ_CHECK(p2m, "accepted a P2M list outside the region");
    memmap_check_shape(&bi.mem);
    uint64_t top = ram < (32ULL << 30) ? (uint64_t)ram : 32ULL << 30;
    for (unsigned i = 0; i < bi.mem.n; i++) {
        const struct mem_region *r = &bi.mem.r[i];
        if (r->type != MEM_USABLE)
            continue;
        FUZZ_CHECK(r->base >= 4096 && r->base + r->len <= top,
                   "usable [%#llx, +%#llx) outside [4 KiB, %#llx)", (unsigned long long)r->base,
                   (unsigned long long)r->len, (unsigned long long)top);
        FUZZ_CHECK(r->base + r->len <= image || r->base >= end,
                   "usable [%#llx, +%#llx) overlaps the bootstrap region",
                   (unsigned long long)r->base, (unsigned long long)r->len);
    }
    size_t n = strnlen(bi.cmdline, sizeof(bi.cmdline));
    FUZZ_CHECK(n < sizeof(bi.cmdline), "command line not terminated");
    FUZZ_CHECK(!memcmp(bi.cmdline, si.cmd_line, n), "command line differs from Xen's");
    return 0;
}
