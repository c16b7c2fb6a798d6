/*
 * Starting another CPU natively: the page the trampoline is copied to
 * (arch/x86/boot/ap_trampoline.S) and the block of values the boot CPU
 * leaves in it for the starting CPU (pv/native/vcpu.c). A started CPU
 * begins in real mode at the page's first byte (its SIPI vector is the
 * page number, SDM Vol. 3A, 8.4.4 and 11.6.1), with CS = page >> 4 and
 * IP = 0; the offsets below are from the page's start, usable from 16-bit
 * code as DS-relative addresses and from 32-bit code relative to the page.
 * Shared by C and assembly: numbers only.
 */
#ifndef ARCH_AP_BOOT_H
#define ARCH_AP_BOOT_H

#define AP_BOOT_CR0 0xf00      /* u32: the boot CPU's CR0 (PG, PE, WP, NE, ...) */
#define AP_BOOT_CR3 0xf04      /* u32: the page-table root, below 4 GiB */
#define AP_BOOT_CR4 0xf08      /* u32: PAE or PSE, OSFXSR, ... */
#define AP_BOOT_EFER 0xf0c     /* u32: LME, NXE (0: no EFER write) */
#define AP_BOOT_STACK 0xf10    /* u64: the stack top the C entry runs on */
#define AP_BOOT_ENTRY 0xf18    /* u64: the C entry, void entry(unsigned cpu) */
#define AP_BOOT_CPU 0xf20      /* u32: the kernel's number for the CPU */
#define AP_BOOT_ALIVE 0xf24    /* u32: set by the CPU once paging is on */
#define AP_BOOT_FAR32 0xf28    /* 6 bytes, m16:32: the 32-bit code, selector 0x08 */
#define AP_BOOT_FAR64 0xf30    /* 6 bytes, m16:32: the 64-bit code, selector 0x18 */
#define AP_BOOT_GDTR 0xf38     /* 6 bytes: limit, base (the page + AP_BOOT_GDT) */
#define AP_BOOT_GDT 0xf40      /* 4 descriptors: null, code32, data, code64 */

#define AP_BOOT_SEL_CODE32 0x08
#define AP_BOOT_SEL_DATA 0x10
#define AP_BOOT_SEL_CODE64 0x18

#endif
