/*
 * The ustar archive format as a read-only file system (lib/ustar.c): the
 * header of one member, checked and decoded. POSIX.1-2017, XCU pax,
 * "ustar Interchange Format": 512-byte blocks; a member is a header block
 * followed by its data rounded up to whole blocks; two zero blocks end the
 * archive. Any `tar --format=ustar` (or GNU tar's default, whose headers
 * differ only in the magic) makes one. Pure code: tests/unit/test_ustar.c
 * and tests/fuzz/fuzz_ustar.c.
 */
#ifndef PROTEUS_USTAR_H
#define PROTEUS_USTAR_H

#include <proteus/types.h>

#define USTAR_BLOCK 512
/* prefix "/" name: 155 + 1 + 100 bytes at most, and a NUL */
#define USTAR_PATH_MAX 257

enum ustar_kind {
    USTAR_END = 0,     /* a zero block: the archive ends */
    USTAR_FILE,        /* typeflag '0' (or NUL, pre-POSIX tar) */
    USTAR_DIR,         /* typeflag '5' */
    USTAR_OTHER,       /* links, devices, FIFOs, pax and GNU extension headers: skipped */
};

struct ustar_entry {
    enum ustar_kind kind;
    char path[USTAR_PATH_MAX];   /* prefix/name as stored, without a leading "./" or "/" */
    u64 size;                    /* data bytes after the header */
    u32 mode;                    /* permission bits */
    u64 mtime;                   /* seconds since the Epoch */
};

/* Decode the header block h: 0 and *e, or -EINVAL for a block that is no
 * ustar header (wrong magic, a checksum that does not add up, a field
 * that is not octal digits, a path with a NUL-free field overrun). */
int ustar_header(const u8 h[USTAR_BLOCK], struct ustar_entry *e);

/* The blocks a member of `size` data bytes occupies after its header. */
u64 ustar_data_blocks(u64 size);

#endif
