/*
 * The kernel's own string and memory functions. The build renames them
 * (lib/kernel.syms) so that the kernel, compiled without SSE, never calls
 * newlib's versions, which may use vector registers the interrupted app owns.
 * Byte loops, except the two that fill and copy pages: memset and memcpy
 * use the string instructions (REP STOS/MOVS, SDM Vol. 1, 7.3.9), a word
 * at a time, because zeroing page tables and frames with a byte loop was
 * most of the boot's memory set-up (issue 18: 14,000 instructions a page).
 * The direction flag is clear: the ABI says so at every call, and the
 * trap entry clears it (arch/trap_entry.h).
 */
#include <proteus/string.h>

#ifdef __x86_64__
#define REP_STOS_WORDS "rep stosq"
#define REP_MOVS_WORDS "rep movsq"
#else
#define REP_STOS_WORDS "rep stosl"
#define REP_MOVS_WORDS "rep movsl"
#endif

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    size_t words = n / sizeof(long), bytes = n % sizeof(long);
    __asm__ __volatile__(REP_MOVS_WORDS : "+D"(d), "+S"(src), "+c"(words) : : "memory");
    __asm__ __volatile__("rep movsb" : "+D"(d), "+S"(src), "+c"(bytes) : : "memory");
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    unsigned long fill = (unsigned long)(u8)c * (~0UL / 0xff);   /* c in every byte */
    size_t words = n / sizeof(long);
    __asm__ __volatile__(REP_STOS_WORDS : "+D"(d), "+c"(words) : "a"(fill) : "memory");
    size_t bytes = n % sizeof(long);
    __asm__ __volatile__("rep stosb" : "+D"(d), "+c"(bytes) : "a"(fill) : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    u8 *d = dst;
    const u8 *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else if (d > s) {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const u8 *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (u8)*a - (u8)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

/* BSD's strlcpy: at most size - 1 bytes of src and a NUL (size > 0); the
 * length of src, so that a result >= size says it was cut. */
size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t k = n < size ? n : size - 1;
        memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return n;
}

char *strchr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return (char *)s;
    return c == 0 ? (char *)s : NULL;
}
