/*
 * Function names for addresses: the table scripts/mksyms.py makes between
 * the two links of every image, used by backtraces and `monitor`.
 */
#ifndef PROTEUS_KSYMS_H
#define PROTEUS_KSYMS_H

#include <proteus/types.h>

/* The function containing `addr` and the offset into it; NULL if none. */
const char *ksym_lookup(unsigned long addr, unsigned long *offset);

#endif
