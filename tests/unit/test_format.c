/*
 * lib/format.c: kvsnprintf()/ksnprintf(). Every kernel message and fault
 * report goes through this, so its output is compared with glibc's
 * snprintf() wherever the two are meant to agree (C99 semantics), and with
 * the kernel's documented choice where they deliberately differ (%p).
 */
/* unit-sources: lib/format.c */
#include <stdarg.h>
#include <sys/types.h>   /* ssize_t, for %zd */

#include "unit.h"

#include <proteus/format.h>

#define BUFSZ 512

/* Format with the kernel and with glibc into guarded buffers; true when
 * return values and the whole buffers (including the untouched tails) are
 * identical. */
struct fmt_result {
    char k[BUFSZ], g[BUFSZ];
    int kn, gn;
};

static bool fmt_vcompare(struct fmt_result *r, size_t size, const char *fmt, va_list ap)
{
    va_list ap2;

    memset(r->k, 0x5a, sizeof(r->k));
    memset(r->g, 0x5a, sizeof(r->g));
    va_copy(ap2, ap);
    r->kn = kvsnprintf(r->k, size, fmt, ap);
    r->gn = vsnprintf(r->g, size, fmt, ap2);
    va_end(ap2);
    return r->kn == r->gn && memcmp(r->k, r->g, sizeof(r->k)) == 0;
}

static void fmt_report(const char *file, int line, const struct fmt_result *r, size_t size,
                       const char *fmt)
{
    unit_fail(file, line, "format \"%s\" (size %zu): kernel returned %d, glibc %d", fmt, size,
              r->kn, r->gn);
    size_t kl = size ? strnlen(r->k, size) : 0, gl = size ? strnlen(r->g, size) : 0;
    unit_print_str("kernel", r->k, kl);
    unit_print_str("glibc", r->g, gl);
}

/* SAME(fmt, args...): the kernel prints exactly what glibc prints. */
static bool __attribute__((format(printf, 3, 4)))
same_fmt(const char *file, int line, const char *fmt, ...)
{
    static struct fmt_result r;
    va_list ap;

    va_start(ap, fmt);
    bool ok = fmt_vcompare(&r, BUFSZ, fmt, ap);
    va_end(ap);
    if (!ok)
        fmt_report(file, line, &r, BUFSZ, fmt);
    return ok;
}
#define SAME(...) same_fmt(__FILE__, __LINE__, __VA_ARGS__)

/* Quiet comparisons for the loops, which report only their first failures. */
static bool fmt_call_size(struct fmt_result *r, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    bool ok = fmt_vcompare(r, size, fmt, ap);
    va_end(ap);
    return ok;
}
#define fmt_call(r, ...) fmt_call_size(r, BUFSZ, __VA_ARGS__)

/* kvsnprintf with a run-time format and no arguments. */
static int kvsnprintf_wrap(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* KFMT(expected, fmt, args...): the kernel's output for documented
 * kernel-specific behaviour, and its return value is the output length. */
static bool __attribute__((format(printf, 4, 5)))
kfmt_is(const char *file, int line, const char *expected, const char *fmt, ...)
{
    char buf[BUFSZ];
    va_list ap;

    va_start(ap, fmt);
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    bool ok = strcmp(buf, expected) == 0 && n == (int)strlen(expected);
    if (!ok) {
        unit_fail(file, line, "format \"%s\": returned %d, expected %zu", fmt, n,
                  strlen(expected));
        unit_print_str("got", buf, strlen(buf));
        unit_print_str("expected", expected, strlen(expected));
    }
    return ok;
}
#define KFMT(...) kfmt_is(__FILE__, __LINE__, __VA_ARGS__)

/* DYN("..."): a format GCC's -Wformat would (rightly) call odd -- a repeated
 * flag, '0' with a precision, an unknown conversion -- but whose meaning C
 * defines or the kernel documents. Passing it through a function keeps it
 * from being checked at compile time. */
static const char *dyn(const char *s)
{
    return s;
}
#define DYN(s) dyn(s)

TEST(format_plain_text)
{
    SAME(DYN(""));
    SAME("hello, world");
    SAME("100%% sure, %%d stays literal");
    SAME("%%%%");
    char buf[8];
    CHECK_EQ(ksnprintf(buf, sizeof(buf), "%s", ""), 0);
    CHECK_STREQ(buf, "");
}

TEST(format_signed_decimal)
{
    static const int v[] = { 0, 1, -1, 9, 10, -10, 42, -42, 12345, -12345, INT_MAX, INT_MIN };
    for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
        SAME("%d", v[i]);
        SAME("%i", v[i]);
        SAME("[%d|%i]", v[i], -v[i] / 2);
    }
}

TEST(format_unsigned_hex_octal)
{
    static const unsigned v[] = { 0, 1, 7, 8, 9, 15, 16, 255, 256, 0x7fffffff, 0x80000000,
                                  0xdeadbeef, UINT_MAX };
    for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
        SAME("%u", v[i]);
        SAME("%x", v[i]);
        SAME("%X", v[i]);
        SAME("%o", v[i]);
    }
}

TEST(format_extremes)
{
    SAME("%d", INT_MIN);
    SAME("%d", INT_MAX);
    SAME("%u", UINT_MAX);
    SAME("%ld", LONG_MIN);
    SAME("%ld", LONG_MAX);
    SAME("%lu", ULONG_MAX);
    SAME("%lld", LLONG_MIN);
    SAME("%lld", LLONG_MAX);
    SAME("%llu", ULLONG_MAX);
    SAME("%llx", ULLONG_MAX);
    SAME("%llX", 0x8000000000000000ULL);
    SAME("%llo", ULLONG_MAX);   /* 22 octal digits, the longest number */
    SAME("%030llo", ULLONG_MAX);
    SAME("%-30lld|", LLONG_MIN);
    SAME("%030lld", LLONG_MIN);
    SAME("%.22llo", ULLONG_MAX);
    SAME("%.20lld", LLONG_MIN);
    SAME("%zu", SIZE_MAX);
    SAME("%zd", (ssize_t)-1);
    SAME("%td", PTRDIFF_MIN);
    SAME("%td", PTRDIFF_MAX);
    SAME("%tx", (ptrdiff_t)-1);
}

TEST(format_flags_and_width)
{
    SAME("[%5d]", 42);
    SAME("[%-5d]", 42);
    SAME("[%05d]", 42);
    SAME("[%05d]", -42);        /* the sign goes before the zeros */
    SAME(DYN("[%-05d]"), -42);       /* '-' overrides '0' */
    SAME(DYN("[%0-5d]"), -42);
    SAME("[%-5d]", -42);
    SAME("[%2d]", 12345);       /* width never truncates */
    SAME("[%1d]", -7);
    SAME("[%08x]", 0xbeefu);
    SAME("[%08X]", 0xbeefu);
    SAME("[%-8x]", 0xbeefu);
    SAME("[%8o]", 8u);
    SAME("[%016llx]", 0x123456789abcULL);
    SAME("[%40d]", INT_MIN);    /* wider than any internal buffer */
    SAME("[%-40u]", 3u);
    SAME("[%040x]", 0xabcu);
    SAME("[%040d]", -1);
    SAME(DYN("[%00005d]"), 3);
    SAME(DYN("[%-0-05d]"), 3);
}

TEST(format_precision)
{
    SAME("[%.3d]", 7);
    SAME("[%.3d]", -7);
    SAME("[%.3d]", 12345);
    SAME("[%.0d]", 0);          /* precision 0 and value 0: no digits */
    SAME("[%.d]", 0);
    SAME("[%5.0d]", 0);
    SAME("[%-5.0x]", 0u);
    SAME("[%.0u]", 1u);
    SAME("[%.1d]", 0);
    SAME("[%8.3d]", -7);
    SAME("[%-8.3d]", -7);
    SAME(DYN("[%08.3d]"), 7);        /* '0' is ignored when a precision is given */
    SAME(DYN("[%08.3d]"), -7);
    SAME("[%.10u]", 123u);
    SAME("[%.8x]", 0xbeefu);
    SAME("[%.4o]", 8u);
}

TEST(format_star_width_and_precision)
{
    SAME("[%*d]", 6, 42);
    SAME("[%*d]", -6, 42);      /* a negative width means '-' */
    SAME("[%-*d]", 6, 42);
    SAME("[%-*d]", -6, 42);
    SAME("[%0*d]", 6, -42);
    SAME("[%*d]", 0, 42);
    SAME("[%.*d]", 4, 7);
    SAME("[%.*d]", 0, 0);
    SAME("[%.*d]", -1, 0);      /* a negative precision is no precision */
    SAME(DYN("[%0.*d]"), -3, 5);
    SAME(DYN("[%0*.*d]"), 8, -1, -5);
    SAME("[%*.*x]", 10, 6, 0xabcu);
    SAME("[%-*.*d]", 10, 6, -123);
    SAME("[%*.*s]", 8, 3, "abcdef");
    SAME("[%-*.*s]", 8, 3, "abcdef");
    SAME("[%.*s]", -1, "abcdef");
    SAME("[%*c]", 4, 'z');
    SAME("[%*s|%*d|%-*s]", 3, "a", 5, 99, 4, "bc");
}

TEST(format_length_modifiers)
{
    SAME("%ld %lu %lx", -1234567890123L, 1234567890123UL, 0xfedcba9876UL);
    SAME("%lld %llu %llx", -1234567890123456789LL, 12345678901234567890ULL, 0xfedcba9876543210ULL);
    SAME("%zu %zx", (size_t)123456789012ULL, (size_t)0xabcdef012345ULL);
    SAME("%zd", (ssize_t)-123456789012LL);
    SAME("%td %tu", (ptrdiff_t)-98765432109LL, (ptrdiff_t)98765432109LL);
    /* a 64-bit argument between 32-bit ones: the va_list stays in step */
    SAME("%d %lld %d %llx %u", 1, -2LL, 3, 0x400000000ULL, 5u);
    SAME("%d %ld %s %zu %c", -1, LONG_MIN, "x", SIZE_MAX, 'q');
}

TEST(format_hh_h_in_range)
{
    signed char sc = -128;
    unsigned char uc = 255;
    short ss = -32768;
    unsigned short us = 65535;
    SAME("%hhd %hhd %hhu %hhx %hhX %hho", sc, (signed char)127, uc, uc, (unsigned char)0xab,
         (unsigned char)8);
    SAME("%hd %hd %hu %hx %hX %ho", ss, (short)32767, us, us, (unsigned short)0xbeef,
         (unsigned short)8);
    SAME("[%5hhd|%-5hu|%05hx]", (signed char)-3, (unsigned short)7, (unsigned short)0xab);
}

/* C11 7.21.6.1: with hh/h the promoted argument "shall be converted to signed
 * char or unsigned char [short] before printing". So a negative s8 printed
 * with %hhx is two hex digits, not eight -- the normal way to dump a byte. */
TEST(format_hh_h_convert_before_printing)
{
    signed char sb = -1;
    signed char sb2 = -2;
    short sw = -2;
    SAME("%hhx", sb);           /* "ff" */
    SAME("%hhX", sb2);          /* "FE" */
    SAME("%hhu", sb);           /* "255" */
    SAME("%hho", sb);           /* "377" */
    SAME("%hx", sw);            /* "fffe" */
    SAME("%hu", sw);            /* "65534" */
    int wide = 0x12345;         /* an int passed for %h / %hh is cut down too */
    SAME("%hx %hhx %hd %hhd", wide, wide, 70000, 300);
}

TEST(format_strings)
{
    SAME("%s", "hello");
    SAME("[%s]", "");
    SAME("[%10s]", "hello");
    SAME("[%-10s]", "hello");
    SAME("[%3s]", "hello");
    SAME("[%.3s]", "hello");
    SAME("[%.0s]", "hello");
    SAME("[%.10s]", "hello");
    SAME("[%-8.3s]", "hello");
    SAME("[%8.3s]", "hello");
    SAME("[%s %s]", "two", "words");
    SAME("[%60s]", "wider than the internal buffers");
}

/* C11 7.21.6.1p8: with a precision, "the array shall contain a null
 * character" only if the precision exceeds its size -- so "%.4s" is how a
 * fixed-size field such as an ACPI table signature is printed, and the
 * formatter must not read the byte after the last one it prints. The field
 * lives on the heap with nothing after it, so ASan reports any overread. */
TEST(format_string_precision_bounds_the_read)
{
    char *sig = malloc(4);
    memcpy(sig, "FACP", 4);
    SAME("[%.4s]", sig);
    SAME("[%.2s]", sig + 2);
    SAME("[%.*s]", 1, sig + 3);
    SAME("[%-6.4s]", sig);
    free(sig);
}

TEST(format_null_string)
{
    /* volatile: hide the NULL from GCC's compile-time format checks */
    const char *volatile null_v = NULL;
    const char *null = null_v;
    KFMT("(null)", "%s", null);
    KFMT("[    (null)]", "[%10s]", null);
    KFMT("[(null)    ]", "[%-10s]", null);
    KFMT("a(null)b", "a%sb", null);
    /* glibc agrees whenever no precision shortens "(null)" */
    SAME("[%s|%8s|%-8s]", null, null, null);
}

TEST(format_chars)
{
    SAME("%c", 'A');
    SAME("[%3c]", 'x');
    SAME("[%-3c]", 'x');
    SAME("%c%c%c", 'a', 'b', 'c');
    SAME("%c", 200);            /* int converted to unsigned char */
    /* %c of 0 puts a NUL into the output and counts it */
    char buf[8];
    memset(buf, 0x5a, sizeof(buf));
    CHECK_EQ(ksnprintf(buf, sizeof(buf), "a%cb", 0), 3);
    CHECK_MEMEQ(buf, "a\0b\0", 4);
}

/* %p is the kernel's own: "0x" and the address zero-padded to the full
 * pointer width (16 hex digits on 64-bit), so columns line up in dumps and
 * NULL is a number rather than glibc's "(nil)". */
TEST(format_pointer)
{
    char want[64];
    int digits = (int)sizeof(void *) * 2;
    CHECK_EQ(digits, 16);

    KFMT("0x0000000000000000", "%p", (void *)NULL);
    KFMT("0x0000000000001234", "%p", (void *)0x1234);
    KFMT("0xffffffff80000000", "%p", (void *)0xffffffff80000000UL);
    KFMT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
    KFMT("[0x00000000deadbeef]", "[%p]", (void *)0xdeadbeefUL);
    KFMT("0x0000000000000010 0x0000000000000020", "%p %p", (void *)0x10, (void *)0x20);

    int x;
    snprintf(want, sizeof(want), "0x%0*lx", digits, (unsigned long)(uintptr_t)&x);
    KFMT(want, "%p", (void *)&x);
    /* the va_list stays in step around a pointer */
    KFMT("1 0x00000000000000ff 2", "%d %p %d", 1, (void *)0xff, 2);
}

/* Every combination of flags, width, precision, length and conversion, for
 * a spread of values, compared with glibc. Built at run time, so each call
 * passes exactly the type the length modifier names. */
TEST(format_matrix_matches_libc)
{
    static const char *const flags[] = { "", "-", "0", "-0" };
    static const char *const widths[] = { "", "1", "4", "9", "23", "*" };
    static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".12", ".20", ".*" };
    static const char *const lens[] = { "", "l", "ll", "z", "t" };
    static const char convs[] = "diuxXo";
    static const long long sv[] = { 0, 1, -1, 7, -8, 42, 99, -100, 255, 4096, -65536,
                                    123456789, INT_MAX, INT_MIN, 1LL << 32, -(1LL << 40),
                                    1234567890123456789LL, LLONG_MAX, LLONG_MIN };
    static const int stars[] = { 5, -5, 0, 21 };
    static struct fmt_result r;
    unsigned long combos = 0, bad = 0;

    for (size_t fi = 0; fi < ARRAY_SIZE(flags); fi++)
    for (size_t wi = 0; wi < ARRAY_SIZE(widths); wi++)
    for (size_t pi = 0; pi < ARRAY_SIZE(precs); pi++)
    for (size_t li = 0; li < ARRAY_SIZE(lens); li++)
    for (size_t ci = 0; convs[ci]; ci++)
    for (size_t vi = 0; vi < ARRAY_SIZE(sv); vi++)
    for (size_t si = 0; si < ARRAY_SIZE(stars); si++) {
        bool wstar = widths[wi][0] == '*', pstar = precs[pi][0] && precs[pi][1] == '*';
        if (si && !wstar && !pstar)
            break;   /* the star value only matters with a star */
        char fmt[32];
        snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flags[fi], widths[wi], precs[pi],
                 lens[li], convs[ci]);
        int a = stars[si], b = stars[(si + 1) % ARRAY_SIZE(stars)];
        bool sgn = convs[ci] == 'd' || convs[ci] == 'i';
        long long s = sv[vi];
        unsigned long long u = (unsigned long long)s;
        bool ok;

#define CALL(V)                                                              \
    do {                                                                     \
        if (wstar && pstar)                                                  \
            ok = fmt_call(&r, fmt, a, b, V);                                 \
        else if (wstar || pstar)                                             \
            ok = fmt_call(&r, fmt, a, V);                                    \
        else                                                                 \
            ok = fmt_call(&r, fmt, V);                                       \
    } while (0)

        switch (li) {
        case 0:
            if (sgn) CALL((int)s); else CALL((unsigned)u);
            break;
        case 1:
            if (sgn) CALL((long)s); else CALL((unsigned long)u);
            break;
        case 2:
            if (sgn) CALL(s); else CALL(u);
            break;
        case 3:
            if (sgn) CALL((ssize_t)s); else CALL((size_t)u);
            break;
        default:
            if (sgn) CALL((ptrdiff_t)s); else CALL((size_t)(ptrdiff_t)s);
            break;
        }
#undef CALL
        combos++;
        if (!ok && ++bad <= 10)
            fmt_report(__FILE__, __LINE__, &r, BUFSZ, fmt);
    }
    if (!CHECK_EQ(bad, 0))
        printf("    %lu of %lu combinations differ from glibc\n", bad, combos);
    CHECK(combos > 50000);
}

/* Truncation: the return value is always the full length, the buffer is
 * always NUL-terminated within `size`, and nothing at or past buf[size] is
 * written. Checked at every size from 0 to beyond the full length. */
TEST(format_truncation_every_size)
{
    static struct fmt_result r;
    static const struct {
        const char *fmt;
        int kind;   /* 0: no argument, 1: int, 2: string, 3: int, string */
    } cases[] = {
        { "hello world", 0 },  { "%d", 1 },          { "[%-10d]", 1 },   { "[%08d]", 1 },
        { "%s", 2 },           { "[%12s]", 2 },      { "[%-12.4s]", 2 }, { "%d:%s", 3 },
        { "x%c%c", 1 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        for (size_t size = 0; size < 40; size++) {
            bool ok;
            const char *f = cases[i].fmt;
            switch (cases[i].kind) {
            case 0: ok = fmt_call_size(&r, size, f); break;
            case 1: ok = fmt_call_size(&r, size, f, -123456, 'y'); break;
            case 2: ok = fmt_call_size(&r, size, f, "truncate me"); break;
            default: ok = fmt_call_size(&r, size, f, 77, "seventy-seven"); break;
            }
            if (!ok) {
                fmt_report(__FILE__, __LINE__, &r, size, f);
                break;
            }
            /* independently of glibc: terminated, and the tail untouched */
            if (size) {
                CHECK(memchr(r.k, '\0', size) != NULL);
            }
            for (size_t j = size; j < BUFSZ; j++)
                if (!CHECK_EQ((unsigned char)r.k[j], 0x5a))
                    break;
        }
    }
}

TEST(format_truncation_basics)
{
    char buf[16];

    memset(buf, 'x', sizeof(buf));
    CHECK_EQ(ksnprintf(buf, 8, "%s", "hello world"), 11);
    CHECK_STREQ(buf, "hello w");
    CHECK_EQ(buf[8], 'x');

    memset(buf, 'x', sizeof(buf));
    CHECK_EQ(ksnprintf(buf, 1, "%d", 12345), 5);
    CHECK_EQ(buf[0], '\0');
    CHECK_EQ(buf[1], 'x');

    /* size 0 writes nothing at all, and the buffer may then be NULL */
    memset(buf, 'x', sizeof(buf));
    CHECK_EQ(ksnprintf(buf, 0, "%d %s", 42, "abc"), 6);
    CHECK_EQ(buf[0], 'x');
    CHECK_EQ(ksnprintf(NULL, 0, "%d %s %p", 42, "abc", (void *)1), 25);

    /* exact fit vs one short */
    CHECK_EQ(ksnprintf(buf, 4, "abc"), 3);
    CHECK_STREQ(buf, "abc");
    CHECK_EQ(ksnprintf(buf, 3, "abc"), 3);
    CHECK_STREQ(buf, "ab");

    /* a length query followed by the real call, the usual two-pass idiom */
    int need = ksnprintf(NULL, 0, "[%*d|%s]", 20, -5, "two-pass");
    char *dyn = malloc((size_t)need + 1);
    CHECK_EQ(ksnprintf(dyn, (size_t)need + 1, "[%*d|%s]", 20, -5, "two-pass"), need);
    CHECK_EQ(strlen(dyn), (size_t)need);
    free(dyn);
}

/* A format string that ends inside a conversion must not be read past its
 * terminating NUL; the kernel prints what came before ("a lone '%' at the
 * end: print nothing more"). An unknown conversion is echoed, so a typo is
 * visible in the log. The formats live on the heap so ASan sees any
 * overread. */
TEST(format_malformed_formats)
{
    static const char *const tails[] = { "%", "%-", "%0", "%-0", "%12", "%.", "%.3", "%l",
                                         "%ll", "%z", "%hh", "%5.2l" };
    char buf[32];

    for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
        size_t n = strlen(tails[i]);
        char *fmt = malloc(n + 4);
        memcpy(fmt, "abc", 3);
        memcpy(fmt + 3, tails[i], n + 1);
        memset(buf, 'x', sizeof(buf));
        int ret = kvsnprintf_wrap(buf, sizeof(buf), fmt);
        if (!CHECK_STREQ(buf, "abc") || !CHECK_EQ(ret, 3))
            printf("    format \"%s\"\n", fmt);
        free(fmt);
    }
    KFMT("a%qb", DYN("a%qb"));
    KFMT("1 %y 2", DYN("%d %y %d"), 1, 2);
}

/* Very large precisions: the kernel builds numbers in a fixed buffer; it must
 * stay memory-safe and self-consistent (ASan checks the former). */
TEST(format_large_precision_is_safe)
{
    char buf[BUFSZ];
    int n = ksnprintf(buf, sizeof(buf), "%.100d|%.100llo|%-.60lld", -1, ULLONG_MAX, LLONG_MIN);
    CHECK_EQ(n, (int)strlen(buf));
    CHECK(strchr(buf, '|') != NULL);
    n = ksnprintf(buf, sizeof(buf), "%.*u", INT_MAX, 5u);
    CHECK_EQ(n, (int)strlen(buf));
    CHECK_EQ(buf[n - 1], '5');
}
