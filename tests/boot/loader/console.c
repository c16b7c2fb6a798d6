/*
 * The loader's console and its way out: COM1 written by polling (the
 * kernel under test sets the UART up again itself), a small printf, and
 * loader_fail(), which says why and ends the machine with the loader's own
 * status through isa-debug-exit. (The string functions are the kernel's
 * lib/string.c, built into the loader.)
 */
#include "loader.h"

#define COM1 0x3f8
#define UART_LSR 5                /* line status register */
#define UART_LSR_THRE 0x20        /* transmit holding register empty */
#define DEBUG_EXIT_PORT 0xf4      /* QEMU's isa-debug-exit: exits 2n+1 */

static inline void outb(u16 port, u8 v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
    u8 v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void putc_raw(char c)
{
    /* bounded: a missing UART must not hang the loader */
    for (unsigned spin = 0; spin < 100000 && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); spin++)
        ;
    outb(COM1, (u8)c);
}

static void put(char c)
{
    if (c == '\n')
        putc_raw('\r');
    putc_raw(c);
}

/* Hexadecimal by shifts and decimal in 32 bits: no 64-bit division, which
 * i386 would take from libgcc. */
static void put_num(u64 v, bool hex, unsigned width)
{
    char buf[24];
    unsigned n = 0;
    u32 d = (u32)v;
    do {
        if (hex) {
            buf[n++] = "0123456789abcdef"[v & 0xf];
            v >>= 4;
        } else {
            buf[n++] = (char)('0' + d % 10);
            d /= 10;
        }
    } while (hex ? v != 0 : d != 0);
    while (n < width && n < sizeof(buf))
        buf[n++] = '0';
    while (n)
        put(buf[--n]);
}

static void vlprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(*fmt);
            continue;
        }
        unsigned width = 0;
        while (*++fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt - '0');
        bool ll = fmt[0] == 'l' && fmt[1] == 'l';
        if (ll)
            fmt += 2;
        switch (*fmt) {
        case 's':
            for (const char *s = va_arg(ap, const char *); *s; s++)
                put(*s);
            break;
        case 'c':
            put((char)va_arg(ap, int));
            break;
        case 'u':
            put_num(va_arg(ap, u32), false, width);
            break;
        case 'x':
            put_num(ll ? va_arg(ap, u64) : va_arg(ap, u32), true, width);
            break;
        case '%':
            put('%');
            break;
        default:
            put('?');
            if (!*fmt)
                return;
        }
    }
}

void lprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlprintf(fmt, ap);
    va_end(ap);
}

__noreturn void loader_fail(const char *fmt, ...)
{
    va_list ap;
    lprintf("loader: ");
    va_start(ap, fmt);
    vlprintf(fmt, ap);
    va_end(ap);
    lprintf("\nloader: giving up (status %u)\n", LOADER_FAIL_STATUS);
    outb(DEBUG_EXIT_PORT, LOADER_FAIL_STATUS);
    for (;;)
        __asm__ volatile("cli; hlt");
}
