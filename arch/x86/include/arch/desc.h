/*
 * Segment and gate descriptors, the GDT layout and the selectors Proteus uses.
 * Intel SDM Vol. 3A, 3.4.5 (segment descriptors), 3.5 (system descriptors),
 * 6.11 and 6.14.1 (IDT gates, 32- and 64-bit), 7.2.3 (TSS descriptor).
 */
#ifndef ARCH_DESC_H
#define ARCH_DESC_H

#include <proteus/types.h>

/* One 8-byte descriptor slot (code/data, or half of a 16-byte system one). */
struct seg_desc {
    u32 lo, hi;
} __packed;

/* SDM 3.4.5, figure 3-8: bits of the high dword. */
#define DESC_TYPE_SHIFT 8        /* bits 11:8 type */
#define DESC_S (1u << 12)        /* 1 = code/data, 0 = system */
#define DESC_DPL_SHIFT 13
#define DESC_P (1u << 15)
#define DESC_AVL (1u << 20)
#define DESC_L (1u << 21)        /* 64-bit code */
#define DESC_DB (1u << 22)       /* 32-bit default operand size */
#define DESC_G (1u << 23)        /* limit in 4 KiB units */

/* Code/data type field (S = 1), SDM table 3-1. */
#define SEG_DATA_RW 0x2
#define SEG_DATA_RW_DOWN 0x6
#define SEG_CODE_RX 0xa
/* System types (S = 0), SDM table 3-2. */
#define SYS_LDT 0x2
#define SYS_TSS_AVAIL 0x9
#define SYS_INTR_GATE 0xe
#define SYS_TRAP_GATE 0xf

/* Selector = index << 3 | TI << 2 | RPL. SDM 3.4.2. */
#define SEL_TI_LDT 4

/*
 * The GDT. The per-CPU slot gives i386 a segment whose base is the CPU's
 * per-CPU area (x86_64 uses the GS base MSR instead and leaves it null).
 * System descriptors take two slots on x86_64, so each gets two here.
 */
enum {
    GDT_NULL = 0,
    GDT_KERNEL_CS = 1,
    GDT_KERNEL_DS = 2,
    GDT_USER_CS32 = 3,
    GDT_USER_DS = 4,
    GDT_USER_CS64 = 5,
    GDT_PERCPU = 6,
    GDT_TSS = 7,   /* and 8 on x86_64 */
    GDT_LDT = 9,   /* and 10 on x86_64 */
    GDT_DF_TSS = 11,   /* i386: the double-fault task (x86_64 uses IST) */
    GDT_ENTRIES = 12,
};
/* arch/x86/i386/entry.S repeats KERNEL_DS and PERCPU_SEL as numbers. */
#define KERNEL_CS (GDT_KERNEL_CS << 3)
#define KERNEL_DS (GDT_KERNEL_DS << 3)
#define PERCPU_SEL (GDT_PERCPU << 3)
#define TSS_SEL (GDT_TSS << 3)
#define LDT_SEL (GDT_LDT << 3)
#define DF_TSS_SEL (GDT_DF_TSS << 3)
#define SYS_TASK_GATE 0x5

struct desc_ptr {
    u16 limit;
    unsigned long base;
} __packed;

/* An IDT gate: 8 bytes on i386, 16 on x86_64 (SDM 6.11, 6.14.1). */
struct gate_desc {
    u16 offset_lo;
    u16 selector;
    u8 ist;
    u8 type_attr;   /* P | DPL | 0 | type */
    u16 offset_mid;
#ifdef __x86_64__
    u32 offset_hi;
    u32 reserved;
#endif
} __packed;

static inline struct seg_desc seg_desc_make(u32 base, u32 limit, u32 type, bool code_data,
                                            unsigned dpl, u32 flags)
{
    struct seg_desc d;
    d.lo = (limit & 0xffff) | (base << 16);
    d.hi = ((base >> 16) & 0xff) | (type << DESC_TYPE_SHIFT) | (code_data ? DESC_S : 0) |
           ((dpl & 3) << DESC_DPL_SHIFT) | DESC_P | (limit & 0xf0000) | flags |
           (base & 0xff000000);
    return d;
}

static inline u32 seg_desc_base(struct seg_desc d)
{
    return (d.lo >> 16) | ((d.hi & 0xff) << 16) | (d.hi & 0xff000000);
}

static inline u32 seg_desc_limit(struct seg_desc d)
{
    u32 l = (d.lo & 0xffff) | (d.hi & 0xf0000);
    return (d.hi & DESC_G) ? (l << 12) | 0xfff : l;
}

#endif
