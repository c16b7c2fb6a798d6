/*
 * Xen hypercalls from a PV guest: the number in RAX/EAX and the transfer
 * instruction inline (pv/xen/hypercall_insn.h: SYSCALL on x86_64, which
 * clobbers RCX and R11; INT 0x82 on i386). Arguments: x86_64 RDI RSI RDX
 * R10 R8; i386 EBX ECX EDX ESI EDI; the result (0 or a negative Xen
 * errno) in RAX/EAX. Xen's public header xen.h, "HYPERCALLS", and Xen's
 * docs/guest-guide/x86/hypercall-abi.rst.
 */
#ifndef PV_XEN_HYPERCALL_H
#define PV_XEN_HYPERCALL_H

#include <proteus/personality.h>
#include <proteus/types.h>
#include <pv/xen_public.h>
#include "hypercall_insn.h"

#ifdef __x86_64__
#define xen_hypercall5(nr, a1, a2, a3, a4, a5)                                   \
    ({                                                                           \
        register unsigned long __r1 __asm__("rdi") = (unsigned long)(a1);        \
        register unsigned long __r2 __asm__("rsi") = (unsigned long)(a2);        \
        register unsigned long __r3 __asm__("rdx") = (unsigned long)(a3);        \
        register unsigned long __r4 __asm__("r10") = (unsigned long)(a4);        \
        register unsigned long __r5 __asm__("r8") = (unsigned long)(a5);         \
        long __ret;                                                              \
        __atomic_fetch_add(&hypercalls_made, 1, __ATOMIC_RELAXED);               \
        __asm__ __volatile__(XEN_HYPERCALL_INSN                                  \
                             : "=a"(__ret), "+r"(__r1), "+r"(__r2), "+r"(__r3),  \
                               "+r"(__r4), "+r"(__r5)                            \
                             : "0"((long)(nr))                                   \
                             : "rcx", "r11", "memory");                          \
        __ret;                                                                   \
    })
#else
#define xen_hypercall5(nr, a1, a2, a3, a4, a5)                                   \
    ({                                                                           \
        unsigned long __b = (unsigned long)(a1), __c = (unsigned long)(a2);      \
        unsigned long __d = (unsigned long)(a3), __S = (unsigned long)(a4);      \
        unsigned long __D = (unsigned long)(a5);                                 \
        long __ret;                                                              \
        __atomic_fetch_add(&hypercalls_made, 1, __ATOMIC_RELAXED);               \
        __asm__ __volatile__(XEN_HYPERCALL_INSN                                  \
                             : "=a"(__ret), "+b"(__b), "+c"(__c), "+d"(__d),     \
                               "+S"(__S), "+D"(__D)                              \
                             : "0"((long)(nr))                                   \
                             : "memory");                                        \
        __ret;                                                                   \
    })
#endif

#define xen_hypercall(nr, a1, a2, a3) xen_hypercall5(nr, a1, a2, a3, 0, 0)

/* update_va_mapping: the entry mapping `va` becomes `pte` (a machine
 * address and flags). On i386 the 64-bit PAE entry takes two argument
 * registers (Xen's public xen.h, HYPERVISOR_update_va_mapping). */
static inline long xen_update_va_mapping(unsigned long va, u64 pte, unsigned long flags)
{
#ifdef __x86_64__
    return xen_hypercall(__HYPERVISOR_update_va_mapping, va, pte, flags);
#else
    return xen_hypercall5(__HYPERVISOR_update_va_mapping, va, (u32)pte, (u32)(pte >> 32), flags, 0);
#endif
}

/* Xen's error numbers are Linux's; give them names in reports. */
const char *xen_errno_name(long err);

#endif
