/*
 * The x86 instructions and architectural constants, each written once for
 * everything in this repository that runs on x86: the kernel (through
 * arch/x86/include/arch/x86.h, which adds what only the kernel has) and the
 * VMI shim (pv/vmi/shim/), which links nothing of the kernel. Freestanding:
 * nothing but the compiler's <stdint.h>, no kernel type or function.
 * Register and bit definitions cite the SDM.
 */
#ifndef HW_X86_H
#define HW_X86_H

#include <stdint.h>

/* "This is 64-bit code" as a constant, so that a C body says
 * `if (HW_64BIT)` and both arches' branches compile on every build: the
 * kernel's IS_ENABLED(CONFIG_64BIT) (include/proteus/types.h) for this
 * header and the VMI shim, which have no CONFIG_ flags. */
#ifdef __x86_64__
#define HW_64BIT 1
#else
#define HW_64BIT 0
#endif

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
#define EFER_LMA (1ULL << 10)   /* long mode active: the CPU sets it, writes ignore it */
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

static inline void x86_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
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

static inline uint64_t x86_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void x86_invlpg(uintptr_t va)
{
    __asm__ __volatile__("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void x86_outb(uint16_t port, uint8_t v) { __asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void x86_outw(uint16_t port, uint16_t v) { __asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void x86_outl(uint16_t port, uint32_t v) { __asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t x86_inb(uint16_t port)
{
    uint8_t v;
    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t x86_inw(uint16_t port)
{
    uint16_t v;
    __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t x86_inl(uint16_t port)
{
    uint32_t v;
    __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* Debug registers 0-3 (addresses), 6 (status) and 7 (control); DR4 and
 * DR5 alias 6 and 7 or fault, depending on CR4.DE (SDM Vol. 3B, 17.2), so
 * they and any other number read 0 and ignore writes. */
static inline unsigned long x86_read_dr(int reg)
{
    unsigned long v = 0;
    switch (reg) {
    case 0: __asm__ __volatile__("mov %%db0, %0" : "=r"(v)); break;
    case 1: __asm__ __volatile__("mov %%db1, %0" : "=r"(v)); break;
    case 2: __asm__ __volatile__("mov %%db2, %0" : "=r"(v)); break;
    case 3: __asm__ __volatile__("mov %%db3, %0" : "=r"(v)); break;
    case 6: __asm__ __volatile__("mov %%db6, %0" : "=r"(v)); break;
    case 7: __asm__ __volatile__("mov %%db7, %0" : "=r"(v)); break;
    default: break;
    }
    return v;
}

static inline void x86_write_dr(int reg, unsigned long v)
{
    switch (reg) {
    case 0: __asm__ __volatile__("mov %0, %%db0" ::"r"(v)); break;
    case 1: __asm__ __volatile__("mov %0, %%db1" ::"r"(v)); break;
    case 2: __asm__ __volatile__("mov %0, %%db2" ::"r"(v)); break;
    case 3: __asm__ __volatile__("mov %0, %%db3" ::"r"(v)); break;
    case 6: __asm__ __volatile__("mov %0, %%db6" ::"r"(v)); break;
    case 7: __asm__ __volatile__("mov %0, %%db7" ::"r"(v)); break;
    default: break;
    }
}

/* A 64-bit page-table entry (PAE, 4-level) written and read as the CPU
 * may walk it meanwhile (SDM Vol. 3A, 4.4 and 4.10). On i386 that is two
 * 32-bit accesses: a present entry gets its high half first, so the walker
 * never sees the new low half (P set) with the old high half; a non-present
 * one its low half first (P clear before the rest goes). A read takes the
 * high half again to see that no write came between the two loads. */
static inline void x86_pte64_write(void *p, uint64_t v)
{
    if (HW_64BIT) {
        *(volatile uint64_t *)p = v;
        return;
    }
    volatile uint32_t *half = p;
    uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
    if (lo & 1) {   /* P, bit 0 */
        half[1] = hi;
        __asm__ __volatile__("" ::: "memory");
        half[0] = lo;
    } else {
        half[0] = lo;
        __asm__ __volatile__("" ::: "memory");
        half[1] = hi;
    }
}

static inline uint64_t x86_pte64_read(const void *p)
{
#ifdef __x86_64__   /* not HW_64BIT: the "A" pair below is i386's EDX:EAX only */
    return *(const volatile uint64_t *)p;
#else
    /* In assembly only so that the second load of the high half is
     * compared in place: written in C with volatile loads, GCC keeps it in
     * a fourth register, and the read (hundreds at each boot on i386)
     * saved and restored three of them. The result is built in EDX:EAX
     * ("A"), where it is returned, and the pointer kept in ECX, for the
     * same reason: nothing then needs saving. */
    uint64_t v;
    __asm__ __volatile__("1: mov 4(%1), %%edx\n\t"
                         "mov (%1), %%eax\n\t"
                         "cmp 4(%1), %%edx\n\t"
                         "jne 1b"
                         : "=&A"(v)
                         : "c"(p)
                         : "memory", "cc");
    return v;
#endif
}

/* rdmsr/wrmsr as they are: a #GP for an MSR the CPU lacks is not survived,
 * so only for MSRs CPUID has shown (the shim's case: no exception table of
 * its own). The kernel uses x86_rdmsr_safe/x86_wrmsr_safe (arch/x86.h). */
static inline uint64_t x86_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static inline void x86_wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ __volatile__("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

#endif
