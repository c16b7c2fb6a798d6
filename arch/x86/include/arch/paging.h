/*
 * Page-table entry bits shared by every x86 paging mode Proteus uses:
 * 2-level 32-bit, 3-level PAE and 4-level long mode.
 * Intel SDM Vol. 3A, 4.3 (32-bit paging), 4.4 (PAE), 4.5 (4-level), tables
 * 4-4..4-6, 4-8..4-11, 4-15..4-20.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#define PTE_P (1ULL << 0)     /* present */
#define PTE_W (1ULL << 1)     /* writable */
#define PTE_U (1ULL << 2)     /* user accessible */
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)   /* cache disable: MMIO */
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)    /* large page, in a directory entry */
#define PTE_G (1ULL << 8)     /* global */
#define PTE_NX (1ULL << 63)   /* no execute: PAE and long mode, with EFER.NXE */

/* Bits 12..51 hold the frame in PAE and long-mode entries. */
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
/* PAE PDPT entries accept only P, PWT, PCD and the address (SDM table 4-8). */
#define PDPTE_ALLOWED (PTE_P | PTE_PWT | PTE_PCD | PTE_ADDR_MASK)


#ifndef __ASSEMBLER__
#include <proteus/types.h>

/* The paging mode in force (arch/x86/paging.c): entries are 4 bytes in
 * 2-level mode and 8 bytes otherwise. Read by the native mmu ops. */
extern unsigned paging_entry_size;
extern int paging_levels;

/* PAE: clear the bits a PDPTE must not have (PDPTE_ALLOWED) before CR3 is
 * loaded with it (arch/x86/paging.c says why). */
void pae_pdpt_clean(paddr_t pdpt);
/* The page-table root a CPU other than the boot CPU loads: the kernel's, or
 * on PAE a clean copy of its four PDPTEs for that CPU alone. Below 4 GiB. */
paddr_t vm_cpu_root(unsigned cpu);
#endif

#endif
