/*
 * The privileged x86 instructions, each wrapped once, so that the one
 * place an instruction is written is the one place to read or change it.
 * Only the native personality and the earliest boot code include this file;
 * everything else goes through <proteus/pvops.h>, so a Xen PV kernel never
 * executes one of these by accident.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <proteus/types.h>

/* EFLAGS bits, SDM Vol. 1, 3.4.3. */
#define X86_EFLAGS_IF (1UL << 9)

/* Control-register bits, SDM Vol. 3A, 2.5. */
#define X86_CR0_PE (1UL << 0)
#define X86_CR0_MP (1UL << 1)
#define X86_CR0_EM (1UL << 2)
#define X86_CR0_TS (1UL << 3)
#define X86_CR0_NE (1UL << 5)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_PSE (1UL << 4)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_PGE (1UL << 7)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)

/* MSRs, SDM Vol. 4, table 2-2. */
#define MSR_APIC_BASE 0x1b
#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102   /* swapped with GS base by SWAPGS */
#define EFER_LME (1ULL << 8)
#define EFER_NXE (1ULL << 11)

static inline unsigned long x86_read_flags(void)
{
    unsigned long f;
    __asm__ __volatile__("pushf; pop %0" : "=rm"(f)::"memory");
    return f;
}

static inline void x86_write_flags(unsigned long f)
{
    __asm__ __volatile__("push %0; popf" ::"g"(f) : "memory", "cc");
}

static inline void x86_cli(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void x86_sti(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void x86_sti_hlt(void) { __asm__ __volatile__("sti; hlt" ::: "memory"); }
static inline void x86_hlt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
static inline void x86_pause(void) { __asm__ __volatile__("pause"); }

static inline void x86_cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
    __asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

#define X86_CR_ACCESSORS(n)                                                       \
    static inline unsigned long x86_read_cr##n(void)                              \
    {                                                                             \
        unsigned long v;                                                          \
        __asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)::"memory");           \
        return v;                                                                 \
    }                                                                             \
    static inline void x86_write_cr##n(unsigned long v)                           \
    {                                                                             \
        __asm__ __volatile__("mov %0, %%cr" #n ::"r"(v) : "memory");              \
    }
X86_CR_ACCESSORS(0)
X86_CR_ACCESSORS(2)
X86_CR_ACCESSORS(3)
X86_CR_ACCESSORS(4)
#undef X86_CR_ACCESSORS

static inline u64 x86_rdtsc(void)
{
    u32 lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}

static inline void x86_invlpg(vaddr_t va)
{
    __asm__ __volatile__("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void x86_outb(u16 port, u8 v) { __asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void x86_outw(u16 port, u16 v) { __asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void x86_outl(u16 port, u32 v) { __asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline u8 x86_inb(u16 port)
{
    u8 v;
    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline u16 x86_inw(u16 port)
{
    u16 v;
    __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline u32 x86_inl(u16 port)
{
    u32 v;
    __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* rdmsr/wrmsr that survive a #GP: the fault handler finds the faulting
 * address in the exception table and resumes at the label after it with
 * the error register set (arch/x86/extable.c). */
#ifdef __x86_64__
int x86_rdmsr_safe(u32 msr, u64 *val);
int x86_wrmsr_safe(u32 msr, u64 val);
#else
__attribute__((regparm(3))) int x86_rdmsr_safe(u32 msr, u64 *val);
__attribute__((regparm(3))) int x86_wrmsr_safe(u32 msr, u64 val);
#endif

#endif
