/*
 * The page a CPU that vmi-native starts begins in (ap_start.S, vcpu.c):
 * its STARTUP vector is the page's number, so the CPU starts in real mode
 * at the page's first byte with CS = page >> 4 and IP = 0 (SDM Vol. 3A,
 * 8.4.4 and 11.6.1). The trampoline's code is copied to the start; the
 * boot CPU leaves the values below at these offsets, which 16-bit code
 * reads DS-relative and 32- and 64-bit code relative to the page's
 * address. Numbers only: shared by C and assembly.
 */
#ifndef VMI_SHIM_AP_H
#define VMI_SHIM_AP_H

#define AP_CR0 0xf00        /* u32: the calling CPU's CR0 (PG, PE, WP, NE...), TS clear */
#define AP_CR4 0xf04        /* u32: its CR4 (PAE or PSE, OSFXSR...) */
#define AP_EFER 0xf08       /* u32: its EFER (LME, NXE), LMA clear; 0: no EFER write */
#define AP_ALIVE 0xf0c      /* u32: the CPU adds 1 in protected mode, before paging */
#define AP_ROOT 0xf10       /* u32: vmi_ap_state.pt_root, below 4 GiB */
#define AP_STACK 0xf18      /* u64: vmi_ap_state.stack_top */
#define AP_ENTRY 0xf20      /* u64: vmi_ap_state.entry */
#define AP_ARG 0xf28        /* u64: vmi_ap_state.arg */
#define AP_SHIM 0xf30       /* u64: shim_ap_entry, at its address in the kernel's tables */
#define AP_FAR32 0xf38      /* 6 bytes, m16:32: the 32-bit code, selector AP_SEL_CODE32 */
#define AP_FAR64 0xf40      /* 6 bytes, m16:32: the 64-bit code, selector AP_SEL_CODE64 */
#define AP_GDTR 0xf48       /* 6 bytes: limit, base (the page + AP_GDT) */
#define AP_GDT 0xf50        /* 4 descriptors: null, code32, data, code64 */
#define AP_PAGE_END 0xf70

#define AP_SEL_CODE32 0x08
#define AP_SEL_DATA 0x10
#define AP_SEL_CODE64 0x18

#endif
