/*
 * The cpu group on hardware: each call is the instruction it stands for,
 * except the two high-level ones. LOAD_LDT builds the LDT's system
 * descriptor in the GDT entries abi.h reserves for the shim (9, and 10 on
 * x86_64) and loads it; SET_KERNEL_STACK writes the stack pointer for
 * ring 0 into the TSS that the task register names. Layouts: Intel SDM
 * Vol. 3A, 3.4.5 (segment descriptors), 3.5 (system descriptor types),
 * 7.2.1-7.2.3 (32-bit TSS and its descriptor), 7.7 (64-bit TSS), 6.11 and
 * 6.14.1 (IDT gates).
 */
#include "shim.h"

struct desc_ptr {            /* the operand of lgdt/lidt/sgdt */
    u16 limit;
    unsigned long base;
} __attribute__((packed));

void SHIM_CALL shim_cpuid(u32 leaf, u32 sub, struct cpuid_regs *out)
{
    x86_cpuid(leaf, sub, &out->eax, &out->ebx, &out->ecx, &out->edx);
}

unsigned long SHIM_CALL shim_read_cr0(void) { return x86_read_cr0(); }
void SHIM_CALL shim_write_cr0(unsigned long v) { x86_write_cr0(v); }
unsigned long SHIM_CALL shim_read_cr2(void) { return x86_read_cr2(); }
unsigned long SHIM_CALL shim_read_cr4(void) { return x86_read_cr4(); }
void SHIM_CALL shim_write_cr4(unsigned long v) { x86_write_cr4(v); }

/* Debug registers: <hw/x86.h> says which exist. */
unsigned long SHIM_CALL shim_read_dr(int reg) { return x86_read_dr(reg); }
void SHIM_CALL shim_write_dr(int reg, unsigned long v) { x86_write_dr(reg, v); }

void SHIM_CALL shim_load_gdt(const struct desc_ptr *p)
{
    /* The shim keeps no copy of the base: LOAD_LDT and SET_KERNEL_STACK
     * ask the CPU (sgdt), which stays right whoever loaded the table, and
     * on whichever CPU, each of which has its own. */
    __asm__ __volatile__("lgdt %0" ::"m"(*p) : "memory");
}

void SHIM_CALL shim_load_idt(const struct desc_ptr *p)
{
    __asm__ __volatile__("lidt %0" ::"m"(*p) : "memory");
}

static struct desc_ptr current_gdt(void)
{
    struct desc_ptr p;
    __asm__ __volatile__("sgdt %0" : "=m"(p));
    return p;
}

/* A system descriptor's 8-byte slots: two in long mode, where TSS and
 * LDT descriptors are 16 bytes (SDM 3.5 and 7.2.3). */
#define SYS_DESC_SLOTS (HW_64BIT ? 2 : 1)

/* The base address of the system descriptor at `sel` in the current GDT,
 * or 0 if the GDT does not reach it. */
static unsigned long system_desc_base(u16 sel)
{
    struct desc_ptr gdt = current_gdt();
    unsigned idx = sel >> 3;
    if (!idx || (idx + SYS_DESC_SLOTS) * 8 - 1 > gdt.limit)
        return 0;
    const volatile u32 *d = (const volatile u32 *)(gdt.base + idx * 8);
    unsigned long base = (d[0] >> 16) | (d[1] & 0xff) << 16 | (d[1] & 0xff000000);
    if (HW_64BIT)
        base |= (unsigned long)((u64)d[2] << 32);
    return base;
}

void SHIM_CALL shim_load_tr(u16 sel)
{
    __asm__ __volatile__("ltr %0" ::"r"(sel) : "memory");
}

/* Offset 4 in both TSS formats: ESP0 (32-bit TSS; SS0 at 8 stays what the
 * kernel put there) or RSP0 (64-bit TSS, unaligned there). */
struct tss_sp0 {
    u32 other;
    unsigned long sp0;
} __attribute__((packed));

/* This CPU's TSS, asked of the CPU each time (str, sgdt): each CPU has its
 * own, and a copy kept in the shim's data would be one CPU's. */
void SHIM_CALL shim_set_kernel_stack(unsigned long sp0)
{
    u16 sel;
    __asm__ __volatile__("str %0" : "=r"(sel));
    unsigned long base = system_desc_base(sel);
    if (base)
        ((volatile struct tss_sp0 *)base)->sp0 = sp0;
}

/* Bits of a descriptor's high dword (SDM 3.4.5, figure 3-8). */
#define DESC_TYPE_LDT (0x2u << 8)   /* system type 2: LDT (table 3-2) */
#define DESC_P (1u << 15)

void SHIM_CALL shim_load_ldt(const void *base, unsigned entries)
{
    u16 sel = 0;
    unsigned long f = irq_save();   /* the descriptor and lldt as one step */
    if (entries && entries <= 8192) {
        struct desc_ptr gdt = current_gdt();
        if ((VMI_GDT_LDT_ENTRY + SYS_DESC_SLOTS) * 8 - 1 <= gdt.limit) {
            unsigned long b = (unsigned long)base;
            u32 limit = entries * 8 - 1;   /* in bytes: G = 0 */
            volatile u32 *d = (volatile u32 *)(gdt.base + VMI_GDT_LDT_ENTRY * 8);
            if (HW_64BIT) {
                d[2] = (u32)((u64)b >> 32);
                d[3] = 0;
            }
            d[1] = ((u32)b >> 16 & 0xff) | DESC_TYPE_LDT | DESC_P | (limit & 0xf0000) |
                   ((u32)b & 0xff000000);
            d[0] = (limit & 0xffff) | (u32)b << 16;
            sel = VMI_GDT_LDT_ENTRY << 3;
        }
    }
    __asm__ __volatile__("lldt %0" ::"r"(sel) : "memory");
    irq_restore(f);
}

/* Descriptor writes: interrupts off so that a gate or descriptor the CPU
 * may use at any moment never shows one new half and one old one. */
static void copy_slots(volatile u64 *dst, const u64 *src, unsigned slots)
{
    unsigned long f = irq_save();
    for (unsigned i = 0; i < slots; i++)
        dst[i] = src[i];
    irq_restore(f);
}

void SHIM_CALL shim_write_gdt_entry(void *table, unsigned idx, const void *desc)
{
    copy_slots((volatile u64 *)table + idx, desc, 1);
}

void SHIM_CALL shim_write_ldt_entry(void *table, unsigned idx, const void *desc)
{
    copy_slots((volatile u64 *)table + idx, desc, 1);
}

/* IDT gates: 16 bytes in long mode (SDM 6.14.1), 8 in protected mode. */
void SHIM_CALL shim_write_idt_entry(void *table, unsigned vec, const void *gate)
{
    copy_slots((volatile u64 *)table + vec * SYS_DESC_SLOTS, gate, SYS_DESC_SLOTS);
}

u32 SHIM_CALL shim_io_in(u16 port, int size)
{
    switch (size) {
    case 1: return x86_inb(port);
    case 2: return x86_inw(port);
    case 4: return x86_inl(port);
    default: return 0xffffffffu;   /* what an absent device reads as */
    }
}

void SHIM_CALL shim_io_out(u16 port, int size, u32 v)
{
    switch (size) {
    case 1: x86_outb(port, (u8)v); break;
    case 2: x86_outw(port, (u16)v); break;
    case 4: x86_outl(port, v); break;
    default: break;
    }
}
