/*
 * Fixed-width types and small helpers shared by every kernel file. The kernel
 * is freestanding, so it takes only GCC's own <stdint.h>/<stddef.h>/<stdbool.h>
 * and never newlib's headers (those belong to the app side of the image).
 */
#ifndef PROTEUS_TYPES_H
#define PROTEUS_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* Physical addresses are 64-bit on both architectures: i386 with PAE reaches
 * RAM above 4 GiB, so a physical address never fits in a pointer there. */
typedef u64 paddr_t;
typedef uintptr_t vaddr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* newlib's <sys/cdefs.h> defines some of these the same way; apps include
 * both, so each is defined only if it is not yet. */
#ifndef __noreturn
#define __noreturn __attribute__((noreturn))
#endif
#ifndef __packed
#define __packed __attribute__((packed))
#endif
#ifndef __aligned
#define __aligned(n) __attribute__((aligned(n)))
#endif
#ifndef __unused
#define __unused __attribute__((unused))
#endif
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
#ifndef __section
#define __section(s) __attribute__((section(s)))
#endif
#ifndef __used
#define __used __attribute__((used))
#endif
/* For wrappers that must be expanded where they are called, whatever the
 * optimisation level: each platform-op call site is its own patch site
 * (include/proteus/pvops.h), and a port access is one instruction. Under
 * -Os GCC would otherwise make one out-of-line copy of each. */
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
/* Uninitialised image memory that the code writes before it reads (a
 * stack, a page of descriptors built whole, a copy): in the BSS, but it
 * need not start zero. The rest of the BSS must; the loader zeroes it,
 * and the entry checks, and zeroes it itself only after a loader that did
 * not (arch/x86/boot/start32.S): that range leaves these out
 * (arch/x86/kernel.ld), so that the check and that zeroing stay short. */
#ifndef __noclear
#define __noclear __attribute__((section(".bss.noclear")))
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)

/* Build-time configuration as C expressions: `if (IS_ENABLED(CONFIG_X))`
 * keeps both branches compiled and type-checked, where #if would hide the
 * branch not taken from the compiler. */
#define IS_ENABLED(opt) (opt)

/* The one spelling of "this is the 64-bit kernel" in C bodies: a constant,
 * so both arches' branches compile (XTF's habit). #ifdef __x86_64__ stays
 * only where the other branch cannot compile (other struct fields, other
 * instructions, other Xen ABI types) or where the host unit tests compile
 * the code without CONFIG_ flags. include/hw/ and the VMI shim, which have
 * none either, spell it HW_64BIT (hw/x86.h). */
#define CONFIG_64BIT (CONFIG_ARCH_BITS == 64)   /* config/<arch>.mk */
#define ARCH_NAME (IS_ENABLED(CONFIG_64BIT) ? "x86_64" : "i386")

#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#endif
