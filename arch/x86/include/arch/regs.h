/*
 * The register frame built by the trap entry code (arch/x86/<arch>/entry.S):
 * general registers pushed by the stub, then the vector and error code, then
 * what the CPU pushed (SDM Vol. 3A, 6.12.1, figures 6-4 and 6-9).
 */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#include <proteus/types.h>

#ifdef __x86_64__
struct trap_frame {
    u64 r15, r14, r13, r12, r11, r10, r9, r8;
    u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
    u64 vector, error;
    u64 ip, cs, flags, sp, ss;     /* pushed by the CPU */
};
#else
struct trap_frame {
    u32 gs, fs, es, ds;                                  /* pushed after pusha */
    u32 edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;   /* pusha order */
    u32 vector, error;
    u32 ip, cs, flags;
    u32 sp, ss;   /* pushed by the CPU only on a privilege change */
};
#endif

/* The stack pointer at the moment of the trap. */
static inline unsigned long trap_frame_sp(const struct trap_frame *f)
{
    if (IS_ENABLED(CONFIG_64BIT))
        return f->sp;
    /* i386: from the kernel's own ring (0 natively, 1 under Xen PV) the
     * CPU pushed no SS:ESP, except for the double fault, which arrives
     * through a task switch with ESP saved (desc.c). */
    u16 cs;
    __asm__("mov %%cs, %0" : "=r"(cs));
    if ((f->cs & 3) == (cs & 3u) && f->vector != 8)
        return (unsigned long)&f->sp;
    return f->sp;
}

static inline unsigned long trap_frame_fp(const struct trap_frame *f)
{
#ifdef __x86_64__
    return f->rbp;
#else
    return f->ebp;
#endif
}

/* Report a fatal exception and end the machine (arch/x86/traps.c). */
__noreturn void fatal_exception(struct trap_frame *f);

#endif
