/*
 * Looking up the symbol table (include/proteus/ksyms.h) that
 * scripts/mksyms.py writes into the second link: entries sorted by
 * address, each a function's offset from the start of the text and its
 * name's offset in the names, 32 bits each on both architectures.
 */
#include <proteus/ksyms.h>

struct ksym {
    u32 offset;   /* from __text_start */
    u32 name;     /* from __ksyms_names */
};

/* weak: the first link, which the table is made from, has none */
extern const struct ksym __ksyms_table[] __attribute__((weak));
extern const u32 __ksyms_count __attribute__((weak));
extern const char __ksyms_names[] __attribute__((weak));
extern char __text_start[], __text_end[];

const char *ksym_lookup(unsigned long addr, unsigned long *offset)
{
    if (!&__ksyms_count || !__ksyms_count || addr < (unsigned long)__text_start ||
        addr >= (unsigned long)__text_end)
        return NULL;
    unsigned long off = addr - (unsigned long)__text_start;
    u32 lo = 0, hi = __ksyms_count;   /* find the last entry <= addr */
    while (hi - lo > 1) {
        u32 mid = lo + (hi - lo) / 2;
        if (__ksyms_table[mid].offset <= off)
            lo = mid;
        else
            hi = mid;
    }
    if (__ksyms_table[lo].offset > off)
        return NULL;
    *offset = off - __ksyms_table[lo].offset;
    return __ksyms_names + __ksyms_table[lo].name;
}
