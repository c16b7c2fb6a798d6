/*
 * ustar headers (include/proteus/ustar.h; POSIX.1-2017, XCU pax, "ustar
 * Interchange Format", whose header table gives every offset below). The
 * archive is outside input (the disk is the user's, or anyone's): every
 * numeric field must be octal digits within the field, the checksum must
 * add up, and a path is taken only as far as its field reaches.
 */
#include <proteus/errno.h>
#include <proteus/string.h>
#include <proteus/ustar.h>

/* Offsets and lengths in the header block (the pax specification's table). */
#define NAME 0
#define NAME_LEN 100
#define MODE 100
#define SIZE 124
#define MTIME 136
#define CHKSUM 148
#define TYPEFLAG 156
#define MAGIC 257
#define PREFIX 345
#define PREFIX_LEN 155

/* An octal field: digits, then spaces or NULs to its end (tar writers pad
 * either way); at least one digit. */
static int octal(const u8 *f, unsigned len, u64 *out)
{
    u64 v = 0;
    unsigned i = 0;
    while (i < len && f[i] == ' ')
        i++;   /* some writers pad on the left */
    unsigned start = i;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 61)
            return -EINVAL;
        v = v << 3 | (u64)(f[i] - '0');
    }
    if (i == start)
        return -EINVAL;
    for (; i < len; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return -EINVAL;
    *out = v;
    return 0;
}

/* Copy a NUL-padded field of at most len bytes; its length. */
static unsigned field(char *out, const u8 *f, unsigned len)
{
    unsigned n = 0;
    while (n < len && f[n])
        n++;
    memcpy(out, f, n);
    return n;
}

u64 ustar_data_blocks(u64 size)
{
    return size / USTAR_BLOCK + (size % USTAR_BLOCK != 0);
}

int ustar_header(const u8 h[USTAR_BLOCK], struct ustar_entry *e)
{
    bool zero = true;
    for (unsigned i = 0; i < USTAR_BLOCK && zero; i++)
        zero = h[i] == 0;
    if (zero) {
        memset(e, 0, sizeof(*e));
        e->kind = USTAR_END;
        return 0;
    }
    /* "ustar\0" "00" (POSIX) or "ustar " " \0" (GNU tar's default) */
    if (memcmp(h + MAGIC, "ustar\0" "00", 8) && memcmp(h + MAGIC, "ustar  \0", 8))
        return -EINVAL;
    /* the checksum: the sum of all bytes, the field itself as 8 spaces */
    u64 want, sum = 0;
    if (octal(h + CHKSUM, 8, &want))
        return -EINVAL;
    for (unsigned i = 0; i < USTAR_BLOCK; i++)
        sum += i >= CHKSUM && i < CHKSUM + 8 ? ' ' : h[i];
    if (sum != want)
        return -EINVAL;
    u64 size, mode, mtime;
    if (octal(h + SIZE, 12, &size) || octal(h + MODE, 8, &mode) || octal(h + MTIME, 12, &mtime))
        return -EINVAL;

    struct ustar_entry out;
    memset(&out, 0, sizeof(out));
    unsigned n = field(out.path, h + PREFIX, PREFIX_LEN);
    if (n)
        out.path[n++] = '/';
    n += field(out.path + n, h + NAME, NAME_LEN);
    out.path[n] = '\0';
    /* "./a" and "/a" are "a"; "." alone (the archive's root) is "" */
    char *p = out.path;
    while (p[0] == '/' || (p[0] == '.' && (p[1] == '/' || p[1] == '\0')))
        p += p[0] == '/' ? 1 : 1 + (p[1] == '/');
    memmove(out.path, p, strlen(p) + 1);
    n = (unsigned)strlen(out.path);
    while (n && out.path[n - 1] == '/')
        out.path[--n] = '\0';   /* directories are stored as "dir/" */

    switch (h[TYPEFLAG]) {
    case '0':
    case '\0':
        out.kind = USTAR_FILE;
        break;
    case '5':
        out.kind = USTAR_DIR;
        break;
    default:
        out.kind = USTAR_OTHER;
        break;
    }
    out.size = size;
    out.mode = (u32)(mode & 07777);
    out.mtime = mtime;
    *e = out;
    return 0;
}
