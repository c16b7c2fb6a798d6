/*
 * lib/ustar.c, the header blocks of the disk's ustar file system: any 512
 * bytes a disk can hold.
 *
 * Input: the header block (shorter input is padded with zeros).
 * Invariants: 0 or -EINVAL; on 0 the kind is one of the four, the path is
 * terminated within USTAR_PATH_MAX, starts with neither "/" nor "./" and
 * ends without "/", the data blocks cover the size, and only a zero block
 * is the end; nothing is read past the block (ASan).
 */
/* fuzz-sources: lib/ustar.c */
#include "fuzz.h"

#include <proteus/errno.h>
#include <proteus/ustar.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u8 *h = calloc(1, USTAR_BLOCK);
    if (!h)
        abort();
    memcpy(h, data, size < USTAR_BLOCK ? size : USTAR_BLOCK);
    struct ustar_entry e;
    int r = ustar_header(h, &e);
    FUZZ_CHECK(r == 0 || r == -EINVAL, "returned %d", r);
    if (r == 0) {
        FUZZ_CHECK(e.kind >= USTAR_END && e.kind <= USTAR_OTHER, "kind %d", (int)e.kind);
        size_t n = strnlen(e.path, USTAR_PATH_MAX);
        FUZZ_CHECK(n < USTAR_PATH_MAX, "path not terminated");
        FUZZ_CHECK(e.path[0] != '/' && strncmp(e.path, "./", 2) && (!n || e.path[n - 1] != '/'),
                   "path '%s'", e.path);
        FUZZ_CHECK(ustar_data_blocks(e.size) * USTAR_BLOCK >= e.size || e.size > UINT64_MAX / 2,
                   "%llu blocks for %llu bytes", (unsigned long long)ustar_data_blocks(e.size),
                   (unsigned long long)e.size);
        bool zero = true;
        for (unsigned i = 0; i < USTAR_BLOCK; i++)
            zero &= h[i] == 0;
        FUZZ_CHECK((e.kind == USTAR_END) == zero, "end %d for a block that is %szero",
                   e.kind == USTAR_END, zero ? "" : "not ");
    }
    free(h);
    return 0;
}
