/*
 * Block devices (include/proteus/blockdev.h) against a disk QEMU gives the
 * machine: a pattern written, flushed and read back through the first
 * block device, across more than one request; requests out of range
 * refused before any driver sees them; a read-only disk refuses writes.
 * The pattern is tests/boot/blk_image.py's, which checks it in the disk
 * image after the machine is gone (nothing lost, the flush honoured).
 * Without a block device each case says SKIP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <proteus/blockdev.h>
#include "selftest.h"

#define BASE 2048      /* 1 MiB into the disk */
#define COUNT 160      /* 80 KiB: more than one request of the driver's */
#define MARK "proteus-blk-test"

static struct blockdev *first_blockdev(void)
{
    struct blockdev *bd = blockdev_get(0);
    if (!bd)
        test_skip("no block device (the row gives the machine none)");
    return bd;
}

static uint8_t pattern(uint64_t sector, unsigned byte)
{
    return (uint8_t)(sector * 31 + byte);
}

static void test_write_read(void)
{
    struct blockdev *bd = first_blockdev();
    if (!bd)
        return;
    if (bd->read_only) {
        test_skip("%s is read-only", bd->name);
        return;
    }
    CHECK(bd->sectors >= BASE + COUNT, "%s has %llu sectors, fewer than %u", bd->name,
          (unsigned long long)bd->sectors, BASE + COUNT);
    uint8_t *out = malloc(COUNT * SECTOR_SIZE), *in = malloc(COUNT * SECTOR_SIZE);
    CHECK(out && in, "no memory");
    for (unsigned s = 0; s < COUNT; s++)
        for (unsigned j = 0; j < SECTOR_SIZE; j++)
            out[s * SECTOR_SIZE + j] = pattern(BASE + s, j);
    memcpy(out, MARK, strlen(MARK));
    int err = blockdev_write(bd, BASE, out, COUNT);
    int ferr = blockdev_flush(bd);
    memset(in, 0, COUNT * SECTOR_SIZE);
    int rerr = blockdev_read(bd, BASE, in, COUNT);
    bool same = !memcmp(in, out, COUNT * SECTOR_SIZE);
    free(out);
    free(in);
    CHECK(err == 0 && ferr == 0 && rerr == 0, "write %d, flush %d, read %d", err, ferr, rerr);
    CHECK(same, "what was read back differs from what was written");
    printf("selftest: %s: %u sectors written at %u, flushed and read back\n", bd->name, COUNT, BASE);
    test_pass();
}

/* The same disk as a file, /dev/blk0 (kernel/libc/files.c): bytes at an
 * offset inside a sector, across sector ends, through write, fsync and
 * read; the sectors' other bytes must stay as they were (the image check
 * finds them zero). tests/boot/blk_image.py checks this span too. */
#define DEV_OFF ((BASE + COUNT) * SECTOR_SIZE + 100)
#define DEV_LEN 3000
#define DEV_MARK "proteus-dev-node"

static void test_dev_node(void)
{
    struct blockdev *bd = first_blockdev();
    if (!bd)
        return;
    if (bd->read_only) {
        int fd = open("/dev/blk0", O_RDWR);
        CHECK(fd == -1 && errno == EROFS, "O_RDWR on a read-only disk: errno %d", errno);
        test_skip("%s is read-only", bd->name);
        return;
    }
    int fd = open("/dev/blk0", O_RDWR);
    CHECK(fd >= 0, "open /dev/blk0: errno %d", errno);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && st.st_size == (off_t)(bd->sectors * SECTOR_SIZE),
          "fstat: mode 0%o size %ld", (unsigned)st.st_mode, (long)st.st_size);
    static uint8_t out[DEV_LEN], in[DEV_LEN];
    for (unsigned k = 0; k < DEV_LEN; k++)
        out[k] = (uint8_t)(k * 7 + 3);
    memcpy(out, DEV_MARK, strlen(DEV_MARK));
    CHECK(lseek(fd, DEV_OFF, SEEK_SET) == DEV_OFF, "lseek: errno %d", errno);
    /* in two writes, the first ending inside a sector */
    CHECK(write(fd, out, 777) == 777 && write(fd, out + 777, DEV_LEN - 777) == DEV_LEN - 777,
          "write: errno %d", errno);
    CHECK(fsync(fd) == 0, "fsync: errno %d", errno);
    CHECK(lseek(fd, DEV_OFF, SEEK_SET) == DEV_OFF && read(fd, in, DEV_LEN) == DEV_LEN && !memcmp(in, out, DEV_LEN),
          "what was read back differs");
    CHECK(lseek(fd, 0, SEEK_END) == st.st_size && write(fd, "x", 1) == -1 && errno == ENOSPC,
          "a write at the end of the disk: errno %d", errno);
    close(fd);
    CHECK(open("/dev/blk9", O_RDONLY) == -1 && errno == ENOENT, "a disk that is not there: errno %d", errno);
    test_pass();
}

static void test_bad_requests(void)
{
    struct blockdev *bd = first_blockdev();
    if (!bd)
        return;
    static uint8_t buf[SECTOR_SIZE * 2];
    CHECK(blockdev_read(bd, bd->sectors, buf, 1) == -EINVAL, "a read past the end");
    CHECK(blockdev_read(bd, bd->sectors - 1, buf, 2) == -EINVAL, "a read across the end");
    CHECK(blockdev_read(bd, ~0ULL, buf, 2) == -EINVAL, "a range that wraps");
    CHECK(blockdev_read(bd, 0, buf, 0) == -EINVAL, "a read of nothing");
    CHECK(blockdev_read(bd, 0, NULL, 1) == -EINVAL, "a NULL buffer");
    test_pass();
}

static void test_read_only(void)
{
    struct blockdev *bd = first_blockdev();
    if (!bd)
        return;
    if (!bd->read_only) {
        test_skip("%s is writable (the row's disk is not readonly=on)", bd->name);
        return;
    }
    static uint8_t buf[SECTOR_SIZE];
    CHECK(blockdev_read(bd, 0, buf, 1) == 0, "reading a read-only disk failed");
    CHECK(blockdev_write(bd, 0, buf, 1) == -EROFS, "a write to a read-only disk");
    test_pass();
}

const struct test_case blk_tests[] = {
    { "blk.write_read", test_write_read },
    { "blk.dev_node", test_dev_node },
    { "blk.bad_requests", test_bad_requests },
    { "blk.read_only", test_read_only },
    { NULL, NULL },
};
