/*
 * blkbench: sequential block throughput for `make bench` (issue 17,
 * tests/bench/blk.py): MIB MiB written to the first block device from its
 * first sector, 1 MiB per request, then flushed, then read back the same
 * way, each pass timed with the kernel's monotonic clock. Linux's dd does
 * the same in the same QEMU configuration (scripts/build-linux-bench-vm.sh),
 * so the two times compare the guests' block paths. The flush is in the
 * write's time, as dd's conv=fsync is on the Linux side.
 *
 *   blkbench [mib=N] [rounds=N]      (defaults 64 and 3)
 *
 * Each round prints
 *   blkbench: write 64 MiB in X ms (Y MiB/s)
 *   blkbench: read 64 MiB in X ms (Y MiB/s)
 * and the app exits 0; without a writable disk large enough, or when a
 * request fails or what is read back is not what was written, it says why
 * and exits 1. It writes over the disk's first MIB MiB.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <proteus/api.h>
#include <proteus/blockdev.h>

#define CHUNK (1024 * 1024)
#define CHUNK_SECTORS (CHUNK / SECTOR_SIZE)

static unsigned long arg(int argc, char **argv, const char *key, unsigned long dflt)
{
    size_t n = strlen(key);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
            return strtoul(argv[i] + n + 1, NULL, 0);
    return dflt;
}

/* "X ms (Y MiB/s)" from integers: ms with three decimals, MiB/s with one. */
static void report(const char *what, unsigned long mib, uint64_t ns)
{
    uint64_t tenths = ns ? (uint64_t)mib * 10000000000ULL / ns : 0;
    printf("blkbench: %s %lu MiB in %" PRIu64 ".%03" PRIu64 " ms (%" PRIu64 ".%" PRIu64 " MiB/s)\n",
           what, mib, ns / 1000000, ns / 1000 % 1000, tenths / 10, tenths % 10);
}

/* Each chunk starts with its own number, so a read that returns the wrong
 * chunk (or nothing) is caught without a second pass over the data. */
static void mark(uint8_t *buf, uint64_t chunk)
{
    memcpy(buf, &chunk, sizeof chunk);
}

static int one_round(struct blockdev *bd, unsigned long mib, uint8_t *buf)
{
    uint64_t t0 = proteus_clock_ns();
    for (uint64_t c = 0; c < mib; c++) {
        mark(buf, c);
        int err = blockdev_write(bd, c * CHUNK_SECTORS, buf, CHUNK_SECTORS);
        if (err) {
            printf("blkbench: writing MiB %" PRIu64 " failed (%d)\n", c, err);
            return 1;
        }
    }
    int err = blockdev_flush(bd);
    if (err) {
        printf("blkbench: the flush failed (%d)\n", err);
        return 1;
    }
    uint64_t t1 = proteus_clock_ns();
    for (uint64_t c = 0; c < mib; c++) {
        uint64_t seen = ~c;
        err = blockdev_read(bd, c * CHUNK_SECTORS, buf, CHUNK_SECTORS);
        if (err) {
            printf("blkbench: reading MiB %" PRIu64 " failed (%d)\n", c, err);
            return 1;
        }
        memcpy(&seen, buf, sizeof seen);
        if (seen != c) {
            printf("blkbench: MiB %" PRIu64 " read back is not what was written there\n", c);
            return 1;
        }
    }
    uint64_t t2 = proteus_clock_ns();
    report("write", mib, t1 - t0);
    report("read", mib, t2 - t1);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long mib = arg(argc, argv, "mib", 64), rounds = arg(argc, argv, "rounds", 3);
    struct blockdev *bd = blockdev_get(0);
    if (!bd) {
        printf("blkbench: no block device (give the machine a virtio-blk disk)\n");
        return 1;
    }
    if (bd->read_only || bd->sectors < (uint64_t)mib * CHUNK_SECTORS) {
        printf("blkbench: %s is %s%" PRIu64 " sectors; %lu MiB writable are needed\n", bd->name,
               bd->read_only ? "read-only, " : "", bd->sectors, mib);
        return 1;
    }
    uint8_t *buf = malloc(CHUNK);
    if (!buf) {
        printf("blkbench: no memory for a 1 MiB buffer\n");
        return 1;
    }
    for (unsigned i = 0; i < CHUNK; i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    printf("blkbench: %s, %lu MiB, %lu round(s), 1 MiB per request\n", bd->name, mib, rounds);
    for (unsigned long r = 0; r < rounds; r++)
        if (one_round(bd, mib, buf))
            return 1;
    free(buf);
    return 0;
}
