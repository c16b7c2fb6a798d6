/*
 * The kernel's formatter. The kernel cannot use newlib's printf (it is the
 * app's, with its own locks and reentrancy state), and a fault report must
 * be printable from any context, so this one uses no heap and no locks.
 */
#include <proteus/format.h>
#include <proteus/string.h>

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static inline void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

/* n bytes at once: what fits before the byte kept for the NUL is copied,
 * and all n are counted (the length a big enough buffer would need). The
 * boot formats some hundred lines into the log, and a call per character
 * was a tenth of its instructions. */
static void put_run(struct out *o, const char *s, size_t n)
{
    if (o->len + 1 < o->size) {
        size_t room = o->size - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left && pad == '0' && n && (*s == '-')) {
        /* the sign goes before zero padding */
        put(o, *s++);
        n--;
    }
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    put_run(o, s, n);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

static size_t utoa(char *tmp, unsigned long long v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    if (v <= 0xffffffffULL) {
        /* in a word: on i386 a 64-bit division is a call to libgcc */
        unsigned long w = (unsigned long)v;
        do {
            tmp[n++] = digits[w % base];
            w /= base;
        } while (w);
        return n;
    }
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    return n;
}

static void put_number(struct out *o, unsigned long long v, bool neg, unsigned base, bool upper,
                       int width, int prec, bool left, char pad)
{
    char tmp[24], s[48];
    size_t n = utoa(tmp, v, base, upper), k = 0;
    if (prec == 0 && v == 0)
        n = 0;
    if (neg)
        s[k++] = '-';
    for (int z = prec - (int)n; z > 0 && k < sizeof(s) - 24; z--)
        s[k++] = '0';
    while (n)
        s[k++] = tmp[--n];
    put_padded(o, s, k, width, left, prec >= 0 ? ' ' : pad);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            const char *run = fmt;
            while (fmt[1] && fmt[1] != '%')
                fmt++;
            put_run(&o, run, (size_t)(fmt - run) + 1);
            continue;
        }
        bool left = false;
        char pad = ' ';
        int width = 0, prec = -1, lng = 0;

        for (;; fmt++) {
            if (fmt[1] == '-')
                left = true;
            else if (fmt[1] == '0')
                pad = '0';
            else
                break;
        }
        fmt++;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = true;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }
        int half = 0;   /* 'h' count: the value was promoted to int */
        for (;; fmt++) {
            if (*fmt == 'l')
                lng++;
            else if (*fmt == 'z' || *fmt == 't')
                lng = sizeof(size_t) == sizeof(long) ? 1 : 0;
            else if (*fmt == 'h')
                half++;
            else
                break;
        }

        unsigned long long u;
        long long sv;
        switch (*fmt) {
        case 'd':
        case 'i':
            sv = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
            if (!lng && half)
                sv = half >= 2 ? (signed char)sv : (short)sv;
            u = sv < 0 ? 0ULL - (unsigned long long)sv : (unsigned long long)sv;
            put_number(&o, u, sv < 0, 10, false, width, prec, left, pad);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            u = lng >= 2 ? va_arg(ap, unsigned long long)
                : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            if (!lng && half)
                u = half >= 2 ? (unsigned char)u : (unsigned short)u;
            put_number(&o, u, false, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X',
                       width, prec, left, pad);
            break;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, u, false, 16, false, sizeof(void *) * 2, -1, false, '0');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t n = 0;
            while ((prec < 0 || n < (size_t)prec) && s[n])
                n++;
            put_padded(&o, s, n, width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &c, 1, width, left, ' ');
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;   /* a lone '%' at the end: print nothing more */
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
