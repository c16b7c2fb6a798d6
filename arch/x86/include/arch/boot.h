/*
 * Which entry path started the kernel; shared by the assembly stubs and C.
 * Multiboot 1: EAX = MB1_BOOT_MAGIC (Multiboot 0.6.96, 3.2); PVH: EBX points
 * at hvm_start_info, whose first word is PVH_START_MAGIC (Xen's
 * docs/misc/pvh.pandoc); Xen PV: RSI/ESI point at start_info (public xen.h).
 */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

#define BOOT_ENTRY_MB1 1
#define BOOT_ENTRY_PVH 2
#define BOOT_ENTRY_XEN_PV 3     /* pv/xen/<arch>/boot.S */

#define MB1_BOOT_MAGIC 0x2badb002   /* EAX at a Multiboot 1 entry */

/* Where the boot loader's data (below 4 GiB) can be read until vm_init:
 * x86_64's entry stub maps the low 4 GiB a second time at 4 GiB, page 0
 * included (VA 0 stays unmapped: NULL faults), 2 MiB at a time as
 * boot_alias_reach is asked for it (kernel/bootinfo.c asks before each
 * read); i386 runs with paging off. BOOT_IDENTITY_END: what the entry
 * stub maps at VA == PA, where the boot may place its own things before
 * vm_init (the frame allocator's bitmap, the first page tables). */
#if defined(__x86_64__) && defined(__KERNEL__)   /* not in host-built tests */
#define BOOT_PHYS_ALIAS 0x100000000ULL
#define BOOT_ALIAS_REACH boot_alias_reach
#define BOOT_IDENTITY_END 0x40000000ULL
#else
#define BOOT_PHYS_ALIAS 0ULL
#define BOOT_ALIAS_REACH NULL
#define BOOT_IDENTITY_END 0x100000000ULL
#endif
#define PVH_START_MAGIC 0x336ec578  /* first word of hvm_start_info */

#ifndef __ASSEMBLER__
#include <proteus/types.h>
void boot_entry(u32 kind, u32 magic, u32 info);
/* Map [pa, pa + len), below 4 GiB, at BOOT_PHYS_ALIAS + pa (x86_64). */
void boot_alias_reach(u64 pa, u64 len);
#endif

#endif
