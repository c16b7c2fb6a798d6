/*
 * The task-state segment. Proteus uses it only for the stack loaded on a
 * privilege change (sp0) and, on x86_64, the interrupt stack table.
 * Intel SDM Vol. 3A, 7.2.1 (32-bit TSS, figure 7-2) and 8.7 (64-bit TSS,
 * figure 8-11).
 */
#ifndef ARCH_TSS_H
#define ARCH_TSS_H

#include <proteus/types.h>

#ifdef __x86_64__
struct tss {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
} __packed;
#else
struct tss {
    u16 link, r0;
    u32 esp0;
    u16 ss0, r1;
    u32 esp1;
    u16 ss1, r2;
    u32 esp2;
    u16 ss2, r3;
    u32 cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    u16 es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
    u16 trap, iomap_base;
} __packed;
#endif

#endif
