/*
 * Personalities: who implements the platform ops. Each is a descriptor in
 * a priority-ordered table (kernel/platform.c); boot takes the first whose
 * probe succeeds, and native, last, always does. A probe only reads (CPUID,
 * memory); install fills pv_ops, starting from the native tables and
 * replacing what the personality does differently (style.md, point 3).
 */
#ifndef PROTEUS_PERSONALITY_H
#define PROTEUS_PERSONALITY_H

#include <proteus/types.h>

struct boot_info;

struct personality {
    const char *name;
    bool (*probe)(const struct boot_info *bi);
    void (*install)(void);
};

extern const struct personality native_personality;

/* Choose and install; returns the chosen one. */
const struct personality *platform_select(const struct boot_info *bi);
const struct personality *platform_current(void);
/* The one boot line naming the implementation of every ops group. */
void platform_print_boot_line(void);

#endif
