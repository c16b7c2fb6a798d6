/*
 * virtio_mmio.device=<size>@<base>:<irq>[:<id>], parsed
 * (include/drivers/virtio_mmio.h). The line is outside input: every part
 * is checked, and a value that is not exactly this form is refused whole.
 */
#include <drivers/virtio_mmio.h>
#include <proteus/cmdline.h>

/* Digits in `base` from s (16: hex digits, after a 0x the caller took)
 * until a non-digit, into *v: the end, or NULL for none or an overflow. */
static const char *number(const char *s, unsigned base, u64 *v)
{
    u64 x = 0;
    const char *start = s;
    for (;; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (x > (~0ULL - d) / base)
            return NULL;
        x = x * base + d;
    }
    if (s == start)
        return NULL;
    *v = x;
    return s;
}

int virtio_mmio_parse(const char *s, u64 *size, u64 *base, unsigned *irq)
{
    if (!s)
        return -1;
    /* the size, up to '@', with cmdline_parse_size's suffixes */
    char sz[24];
    unsigned n = 0;
    while (s[n] && s[n] != '@' && n < sizeof(sz) - 1) {
        sz[n] = s[n];
        n++;
    }
    if (s[n] != '@')
        return -1;
    sz[n] = '\0';
    u64 len, addr, line, id;
    if (cmdline_parse_size(sz, &len))
        return -1;
    s += n + 1;
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    s = number(hex ? s + 2 : s, hex ? 16 : 10, &addr);
    if (!s || *s != ':')
        return -1;
    s = number(s + 1, 10, &line);
    if (!s || (*s && (*s != ':' || !(s = number(s + 1, 10, &id)) || *s)))
        return -1;
    if (len < 0x100 || (addr & 3) || addr + len < addr || line > 15)
        return -1;
    *size = len;
    *base = addr;
    *irq = (unsigned)line;
    return 0;
}
