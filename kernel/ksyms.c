/*
 * Looking up the symbol table (include/proteus/ksyms.h). Entries are
 * 64-bit address/name pairs on both architectures, sorted by address.
 */
#include <proteus/ksyms.h>

struct ksym {
    u64 addr;
    u64 name;   /* pointer, widened to 64 bits */
};

extern const struct ksym __ksyms_table[] __attribute__((weak));
extern const u64 __ksyms_count __attribute__((weak));
extern char __text_start[], __text_end[];

const char *ksym_lookup(unsigned long addr, unsigned long *offset)
{
    if (!&__ksyms_count || !__ksyms_count || addr < (unsigned long)__text_start ||
        addr >= (unsigned long)__text_end)
        return NULL;
    u64 lo = 0, hi = __ksyms_count;   /* find the last entry <= addr */
    while (hi - lo > 1) {
        u64 mid = (lo + hi) / 2;
        if (__ksyms_table[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (__ksyms_table[lo].addr > addr)
        return NULL;
    *offset = addr - (unsigned long)__ksyms_table[lo].addr;
    return (const char *)(uintptr_t)__ksyms_table[lo].name;
}
