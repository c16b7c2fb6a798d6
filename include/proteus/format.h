/*
 * printf-style formatting for the kernel (lib/format.c). Pure code with no
 * platform dependency, so the host unit tests compile it unchanged.
 */
#ifndef PROTEUS_FORMAT_H
#define PROTEUS_FORMAT_H

#include <proteus/types.h>

/* Conversions: %d %i %u %x %X %o %p %s %c %%, with the flags '-', '0',
 * a width and a precision (also '*'), and the length modifiers hh h l ll z t.
 * Returns the length the full output would have, like C99's vsnprintf. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
