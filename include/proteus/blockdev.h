/*
 * Block devices, whatever the transport (virtio-blk on PCI or MMIO, Xen
 * blkfront): sectors of 512 bytes read, written and flushed
 * (kernel/blockdev.c). Calls block the calling thread until the device
 * answers; never from an interrupt handler.
 */
#ifndef PROTEUS_BLOCKDEV_H
#define PROTEUS_BLOCKDEV_H

#include <proteus/types.h>

#define BLOCKDEV_MAX 4
/* What a bus says of a block device in an image without the class
 * (Makefile, DEVCLASS_C). */
#define BLOCKDEV_ABSENT "this image has no block drivers (its app does not use block devices)"
#define SECTOR_SIZE 512

struct blockdev;
struct blockdev_ops {
    /* `count` sectors from `sector` into or out of `buf` (any memory of
     * the caller's): 0, or -EIO when the device reported an error. The
     * range is checked before. */
    int (*io)(struct blockdev *bd, bool write, u64 sector, void *buf, u32 count);
    /* What was written reaches stable storage before this returns. */
    int (*flush)(struct blockdev *bd);
};

struct blockdev {
    char name[8];        /* "blk0" */
    u64 sectors;
    bool read_only;
    const struct blockdev_ops *ops;
    void *priv;
    u64 reads, writes, flushes, errors;
};

int blockdev_register(struct blockdev *bd);
unsigned blockdev_count(void);
struct blockdev *blockdev_get(unsigned i);
/* -EINVAL for a range beyond the device (or one that wraps) or a NULL
 * buffer, -EROFS for a write to a read-only device, -EIO from the device. */
int blockdev_read(struct blockdev *bd, u64 sector, void *buf, u32 count);
int blockdev_write(struct blockdev *bd, u64 sector, const void *buf, u32 count);
int blockdev_flush(struct blockdev *bd);

/* For drivers that move data through bounce pages of their own: copy
 * `sectors` sectors between the flat buffer `buf` and the pages (each
 * PAGE_SIZE, in order), into the pages when `to_pages`, else out. */
void blockdev_bounce_copy(u8 *const *pages, u8 *buf, u32 sectors, bool to_pages);

#endif
