/*
 * A stand-in for the memory a boot loader leaves its structures in, for
 * the boot-protocol harnesses (fuzz_multiboot.c, fuzz_pvh.c): a 64 KiB
 * arena below 4 GiB (the protocols pass 32-bit addresses), with a page
 * that cannot be read on each side, and kernel/bootinfo.c's window set to
 * exactly the arena. A read outside the window then faults under the
 * harness, so "every structure is checked before it is read" is tested,
 * not assumed. During the parse the arena itself is unreadable but for
 * the pages the parser has asked the window to reach (arena_close):
 * x86_64 maps the loader's data only when asked (arch/x86/x86_64/
 * boot_alias.c), so a read of anything not reached first faults too.
 * Include after fuzz.h.
 */
#ifndef TESTS_FUZZ_BOOT_ARENA_H
#define TESTS_FUZZ_BOOT_ARENA_H

#include <sys/mman.h>
#include <proteus/bootinfo.h>

#define ARENA_SIZE 0x10000u

static uint8_t *arena;

static inline uint32_t arena_pa(void)
{
    return (uint32_t)(uintptr_t)arena;
}

static inline void arena_setup(void)
{
    if (!arena) {
        uint8_t *m = mmap(NULL, ARENA_SIZE + 2 * 4096, PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
        if (m == MAP_FAILED || mprotect(m + 4096, ARENA_SIZE, PROT_READ | PROT_WRITE))
            abort();
        arena = m + 4096;
    }
    memset(arena, 0, ARENA_SIZE);
    boot_readable = (struct boot_window){ arena_pa(), (uint64_t)arena_pa() + ARENA_SIZE, 0, NULL };
}

static inline void arena_protect(uintptr_t lo, uintptr_t hi, int prot)
{
    lo &= ~(uintptr_t)4095;
    hi = (hi + 4095) & ~(uintptr_t)4095;
    if (hi > lo && mprotect((void *)lo, hi - lo, prot))
        abort();
}

/* The window's reach: the pages of [pa, pa + len) become readable. */
static inline void arena_reach(uint64_t pa, uint64_t len)
{
    uintptr_t lo = (uintptr_t)pa, hi = (uintptr_t)(pa + len), a = (uintptr_t)arena;
    if (lo < a || hi > a + ARENA_SIZE)
        abort();   /* boot_ptr checked the window before asking */
    arena_protect(lo, hi, PROT_READ);
}

/* Around the parse: nothing readable until reached, then all as it was. */
static inline void arena_close(void)
{
    arena_protect((uintptr_t)arena, (uintptr_t)arena + ARENA_SIZE, PROT_NONE);
    boot_readable.reach = arena_reach;
}

static inline void arena_open(void)
{
    arena_protect((uintptr_t)arena, (uintptr_t)arena + ARENA_SIZE, PROT_READ | PROT_WRITE);
}

/* A pointer field of a structure the harness builds: an offset into the
 * arena, or with bit 31 set the raw value (most of which lie outside). */
static inline uint32_t arena_pointer(uint32_t v)
{
    return v & 0x80000000u ? v : arena_pa() + v % ARENA_SIZE;
}

#endif
