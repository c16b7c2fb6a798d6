/*
 * The loader's data, read through the alias of the low 4 GiB at 4 GiB
 * (BOOT_PHYS_ALIAS, arch/boot.h) until vm_init builds the kernel's own
 * tables. The entry stub (boot.S) maps only the first GiB at VA == PA and
 * leaves the alias empty; kernel/bootinfo.c calls boot_alias_reach before
 * it reads a structure, and the 2 MiB pages under it are mapped then.
 * A loader puts its few structures together, so a boot maps one or two
 * large pages here where the stub used to write 3,072 entries.
 *
 * Entries are only ever added, never changed: a not-present entry is not
 * cached (SDM Vol. 3A, 4.10.2.3 and 4.10.3.1), so no TLB flush is needed.
 * The formats: 4.5, tables 4-15 (PDPTE) and 4-17 (PDE mapping 2 MiB).
 */
#include <arch/boot.h>
#include <proteus/string.h>

#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_PS 0x80ULL
#define LARGE (2ULL << 20)
#define GIB_SHIFT 30

extern u64 boot_pdpt[512];            /* boot.S: PDPT[4..7] are the alias */
extern u64 boot_alias_pd[4][512];     /* boot.S: one directory per GiB, not zeroed */

void boot_alias_reach(u64 pa, u64 len)
{
    /* The caller's window (boot_readable) ends at 4 GiB; nothing past it
     * has an alias to map. */
    u64 end = pa + len;
    if (end > 0x100000000ULL)
        end = 0x100000000ULL;
    for (u64 at = pa & ~(LARGE - 1); at < end; at += LARGE) {
        unsigned gib = (unsigned)(at >> GIB_SHIFT);
        u64 *pd = boot_alias_pd[gib];
        if (!(boot_pdpt[4 + gib] & PTE_P)) {
            memset(pd, 0, sizeof(boot_alias_pd[0]));
            boot_pdpt[4 + gib] = (u64)(uintptr_t)pd | PTE_P | PTE_W;
        }
        pd[(at >> 21) & 511] = at | PTE_P | PTE_W | PTE_PS;
    }
}
