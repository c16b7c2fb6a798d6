/*
 * Function names for addresses: the table scripts/mksyms.py makes between
 * the two links of every image, used by backtraces and `monitor`.
 */
#ifndef PROTEUS_KSYMS_H
#define PROTEUS_KSYMS_H

#include <proteus/types.h>

/* The table (kernel/ksyms.c says its form), and the look-up in it by
 * offset into the text: the name into buf, the offset into the function
 * into *into. Apart from ksym_lookup for the unit tests. */
struct ksym_table {
    u32 count;
    const u8 (*pairs)[2];
    const u8 *data, *end;
};
const char *ksym_find(const struct ksym_table *t, u32 off, u32 *into, char *buf, size_t size);

/* Room for a name: longer ones are cut (C++ names can be). */
#define KSYM_NAME_MAX 96

/* The function containing `addr`, its name written into buf (cut to
 * size), and the offset into it; NULL if none. */
const char *ksym_lookup(unsigned long addr, unsigned long *offset, char *buf, size_t size);

#endif
