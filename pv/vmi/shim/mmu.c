/*T:485
 * The mmu group on hardware.
 *
 * The kernel owns its page tables and hands the shim pointers to entries
 * (virtual addresses it can write) and physical addresses (the table
 * roots). On hardware the CPU reads the tables straight from memory, so a
 * shim has to do almost nothing:
 *
 * - Writing an entry is one store in the width of the paging mode. The
 * paging mode is not passed with the call: on x86_64 it is always
 * 4-level, 8-byte entries; on i386 the kernel uses PAE (8-byte entries)
 * whenever CPUID.1:EDX[6] says the CPU has it, and 2-level paging
 * (4-byte entries) otherwise, so init's CPUID answer decides. Values
 * always arrive as 64 bits; 2-level mode keeps the low half.
 * - A PAE entry is wider than i386's stores. The CPU may walk the table
 * between the two 4-byte halves, so the order matters: a present entry
 * gets its high half (the upper address bits and NX) first and its low
 * half, which holds P, last; an entry being cleared loses its low half
 * first. No walk ever sees a present entry made of two different
 * values (SDM Vol. 3A, 4.4 PAE paging; 8.1.1 which stores are atomic).
 * x86_64 writes its entries with one 8-byte store, inline at the call
 * site (inline.S).
 * - The notices (ALLOC_PT, RELEASE_PT) and the lazy mode exist for
 * hypervisors that check or batch updates; on hardware they are NOPs
 * (calls.h), and the kernel removes their call sites.
 * - TLB flushes are invlpg, a CR3 reload (non-global entries), or a
 * toggle of CR4.PGE, which flushes global entries too (SDM 4.10.4.1).
 */
#include "shim.h"

static bool wide_entries(void)
{
    return HW_64BIT || shim_cpu.pae;
}

#if !defined(__x86_64__)
/* SET_PTE, SET_PMD, SET_PUD, SET_P4D on i386: the level changes nothing
 * on hardware. (x86_64's is one store: inline.S.) */
void SHIM_CALL shim_set_entry(void *entryp, u64 v)
{
    if (!wide_entries())
        *(volatile u32 *)entryp = (u32)v;
    else
        x86_pte64_write(entryp, v);   /* in the order a walking CPU needs */
}
#endif

u64 SHIM_CALL shim_read_entry(const void *entryp)
{
    if (!wide_entries())
        return *(const volatile u32 *)entryp;
    /* the kernel writes entries from interrupt handlers too (abi.h) */
    return x86_pte64_read(entryp);
}

/* CR3 holds the root's address and, below it, cache-control bits (PWT,
 * PCD) that are no part of the address. SDM Vol. 3A, 4.3 (2-level:
 * address in bits 31:12), 4.4.1 (PAE: a 32-byte aligned table, bits
 * 31:5), 4.5 (4-level: bits MAXPHYADDR-1:12, at most 51:12). */
u64 SHIM_CALL shim_read_pt_base(void)
{
    u64 cr3 = x86_read_cr3();
    if (HW_64BIT)
        return cr3 & 0x000ffffffffff000ULL;
    return cr3 & (wide_entries() ? ~0x1fULL : ~0xfffULL) & 0xffffffffULL;
}

void SHIM_CALL shim_write_pt_base(u64 root) { x86_write_cr3((unsigned long)root); }

void SHIM_CALL shim_flush_tlb_one(unsigned long va)
{
    __asm__ __volatile__("invlpg (%0)" ::"r"(va) : "memory");
}

void SHIM_CALL shim_flush_tlb_all(void) { x86_write_cr3(x86_read_cr3()); }

#define CR4_PGE (1ul << 7)

void SHIM_CALL shim_flush_tlb_global(void)
{
    /* Interrupts off: a handler that changed CR4 between the read and the
     * two writes would have its change undone. */
    unsigned long f = irq_save();
    unsigned long cr4;
    __asm__ __volatile__("mov %%cr4, %0" : "=r"(cr4));
    if (cr4 & CR4_PGE) {
        __asm__ __volatile__("mov %0, %%cr4" ::"r"(cr4 & ~CR4_PGE) : "memory");
        __asm__ __volatile__("mov %0, %%cr4" ::"r"(cr4) : "memory");
    } else {
        x86_write_cr3(x86_read_cr3());
    }
    irq_restore(f);
}
