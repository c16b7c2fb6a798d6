/*
 * A stand-in for the memory a boot loader leaves its structures in, for
 * the boot-protocol harnesses (fuzz_multiboot.c, fuzz_pvh.c): a 64 KiB
 * arena below 4 GiB (the protocols pass 32-bit addresses), with a page
 * that cannot be read on each side, and kernel/bootinfo.c's window set to
 * exactly the arena. A read outside the window then faults under the
 * harness, so "every structure is checked before it is read" is tested,
 * not assumed. Include after fuzz.h.
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

/* A pointer field of a structure the harness builds: an offset into the
 * arena, or with bit 31 set the raw value (most of which lie outside). */
static inline uint32_t arena_pointer(uint32_t v)
{
    return v & 0x80000000u ? v : arena_pa() + v % ARENA_SIZE;
}

#endif
