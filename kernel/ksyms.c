/*
 * Looking up the symbol table (include/proteus/ksyms.h) that
 * scripts/mksyms.py writes into the second link. The table is made small
 * rather than fast (it is read when a fault is reported and by `monitor`,
 * never on a hot path): a stream of entries in address order, each the
 * distance from the previous entry's offset into the text (LEB128), the
 * name's length in codes (one byte) and the codes. A code is a byte of the
 * name, or, where the pair table has a pair for it, the two codes it
 * stands for (byte-pair merging; mksyms.py says how the pairs are chosen).
 */
#include <proteus/ksyms.h>

/* mksyms.py's DEPTH_MAX: how deep a code's pairs nest. */
#define KSYM_DEPTH_MAX 15

/* weak: the first link, which the table is made from, has none */
extern const u32 __ksyms_count __attribute__((weak));
extern const u8 __ksyms_pairs[256][2] __attribute__((weak));
extern const u8 __ksyms_data[] __attribute__((weak));
extern const u8 __ksyms_end[] __attribute__((weak));
extern char __text_start[], __text_end[];

/* A LEB128 number at *p, not read past `end`; false if it runs over it
 * or does not fit 32 bits (a table the build did not make). */
static bool read_uleb(const u8 **p, const u8 *end, u32 *out)
{
    u32 v = 0;
    for (unsigned shift = 0; *p < end && shift < 32; shift += 7) {
        u8 b = *(*p)++;
        v |= (u32)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* The codes at `codes`, expanded into buf (NUL-terminated, cut to size). */
static void expand(const u8 (*pairs)[2], const u8 *codes, unsigned n, char *buf, size_t size)
{
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        u8 stack[KSYM_DEPTH_MAX + 1];
        unsigned sp = 0;
        stack[sp++] = codes[i];
        while (sp) {
            u8 c = stack[--sp];
            if (!pairs[c][0] || sp + 2 > sizeof(stack)) {
                if (len + 1 < size)
                    buf[len++] = (char)c;   /* a byte of the name */
                continue;
            }
            stack[sp++] = pairs[c][1];
            stack[sp++] = pairs[c][0];
        }
    }
    buf[len] = '\0';
}

const char *ksym_find(const struct ksym_table *t, u32 off, u32 *into, char *buf, size_t size)
{
    if (!size)
        return NULL;
    u32 at = 0, found_at = 0;
    const u8 *p = t->data, *found = NULL;
    for (u32 i = 0; i < t->count; i++) {
        u32 d;
        /* A stream that ends early, or overflows, is not one mksyms.py
         * made: the name could be any, so none is given. */
        if (!read_uleb(&p, t->end, &d) || p >= t->end || at + d < at)
            return NULL;
        at += d;
        if (at > off)
            break;
        found = p;   /* the last entry at or below off: its length byte */
        found_at = at;
        p += 1 + *p;
    }
    if (!found || found + 1 + *found > t->end)
        return NULL;
    expand(t->pairs, found + 1, *found, buf, size);
    *into = off - found_at;
    return buf;
}

const char *ksym_lookup(unsigned long addr, unsigned long *offset, char *buf, size_t size)
{
    if (!&__ksyms_count || addr < (unsigned long)__text_start || addr >= (unsigned long)__text_end)
        return NULL;
    const struct ksym_table t = { __ksyms_count, __ksyms_pairs, __ksyms_data, __ksyms_end };
    u32 into;
    const char *name = ksym_find(&t, (u32)(addr - (unsigned long)__text_start), &into, buf, size);
    if (name)
        *offset = into;
    return name;
}
