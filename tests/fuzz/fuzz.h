/*
 * What every fuzz harness (tests/fuzz/fuzz_<name>.c) shares: a reader that
 * takes fields from the fuzz input in order, and FUZZ_CHECK, which stops
 * the run with the broken invariant when kernel code breaks a promise.
 *
 * A harness defines LLVMFuzzerTestOneInput. The same object is linked
 * either with libFuzzer (tests/fuzz/run.sh fuzz) or with the replay driver
 * (tests/fuzz/replay_main.c), so a saved input replays exactly.
 *
 * Reading past the end of the input gives zeros rather than failing, so
 * every input, even an empty one, is a valid test; a harness that needs
 * a minimum stops early with fuzz_left().
 *
 * System headers come first, as in tests/unit/unit.h: the kernel headers a
 * harness includes afterwards must not change what glibc sees. Never
 * include <errno.h>: the kernel's errno values are newlib's.
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_in {
    const uint8_t *p;
    size_t left;
};

static inline struct fuzz_in fuzz_in(const uint8_t *data, size_t size)
{
    return (struct fuzz_in){ data, size };
}

static inline size_t fuzz_left(const struct fuzz_in *in)
{
    return in->left;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

/* Little-endian, like every table Proteus reads. */
static inline uint64_t fuzz_le(struct fuzz_in *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)fuzz_u8(in) << (8 * i);
    return v;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in) { return (uint16_t)fuzz_le(in, 2); }
static inline uint32_t fuzz_u32(struct fuzz_in *in) { return (uint32_t)fuzz_le(in, 4); }
static inline uint64_t fuzz_u64(struct fuzz_in *in) { return fuzz_le(in, 8); }

/* The next n bytes (fewer if the input ends first: *got says how many). */
static inline const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
    const uint8_t *p = in->p;
    if (n > in->left)
        n = in->left;
    in->p += n;
    in->left -= n;
    *got = n;
    return p;
}

/* Report a broken invariant and abort: libFuzzer saves the input as a
 * crash, the replay driver counts a failure. Prints
 *   fuzz: INVARIANT BROKEN at tests/fuzz/fuzz_x.c:12: <expr>: <details> */
void fuzz_fail(const char *file, int line, const char *expr, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

#define FUZZ_CHECK(expr, ...)                                               \
    do {                                                                    \
        if (!(expr))                                                        \
            fuzz_fail(__FILE__, __LINE__, #expr, __VA_ARGS__);              \
    } while (0)

/* Copy of `n` bytes in a heap block of exactly that size, so that ASan
 * reports any read past the end (libFuzzer's own buffer is exact too; the
 * copy keeps a harness honest when it passes only part of the input). */
static inline void *fuzz_dup(const void *src, size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    if (n)
        memcpy(p, src, n);
    return p;
}

/* The input's bytes up to its first NUL (or its end), as a string in a
 * heap block of exactly its length and the NUL: for the code under test
 * that reads a string, so that ASan sees it read past the end. */
static inline char *fuzz_strdup(const void *src, size_t size)
{
    size_t n = strnlen((const char *)src, size);
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, src, n);
    s[n] = '\0';
    return s;
}

#endif
