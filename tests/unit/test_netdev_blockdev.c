/*
 * kernel/netdev.c and kernel/blockdev.c: the checks every network and
 * block device gets before its driver sees a request, against simulated
 * drivers. Frames of bad lengths (shorter than an Ethernet header, longer
 * than the MTU, none) are refused on the way out and dropped and counted
 * on the way in; block requests beyond the device, across its end, that
 * wrap, of nothing, without a buffer, or writes to a read-only device are
 * refused; a driver's -EIO is counted.
 */
/* unit-sources: kernel/netdev.c kernel/blockdev.c lib/format.c */
#include "unit.h"

#include <proteus/blockdev.h>
#include <proteus/errno.h>
#include <proteus/netdev.h>

/* What the two files link the drivers with (their device classes'
 * drivers, Makefile DEVCLASS_C), as stand-ins: never called here. */
struct virtio_dev;
struct xenbus_driver {
    int unused;
};
int virtio_net_attach(struct virtio_dev *d, const char **state);
int virtio_blk_attach(struct virtio_dev *d, const char **state);
int virtio_net_attach(struct virtio_dev *d, const char **state) { return -ENODEV; }
int virtio_blk_attach(struct virtio_dev *d, const char **state) { return -ENODEV; }
const struct xenbus_driver netfront_driver, blkfront_driver;

static unsigned sent, received;
static size_t last_len;

static int fake_send(struct netdev *nd, const void *frame, size_t len)
{
    sent++;
    last_len = len;
    return 0;
}

static void listener(struct netdev *nd, const void *frame, size_t len, void *ctx)
{
    received++;
    last_len = len;
}

static const struct netdev_ops fake_net_ops = { .send = fake_send };

TEST(netdev_refuses_and_drops_bad_lengths)
{
    static struct netdev nd = { .mtu = 1500, .ops = &fake_net_ops, .link_up = true };
    static u8 frame[2000];
    CHECK_EQ(netdev_register(&nd), 0);
    CHECK_STREQ(nd.name, "net0");
    CHECK(netdev_get(0) == &nd);
    CHECK_EQ(netdev_send(&nd, frame, 60), 0);
    CHECK_EQ(netdev_send(&nd, frame, ETH_HLEN + 1500), 0);
    CHECK_EQ(sent, 2);
    CHECK_EQ(netdev_send(&nd, frame, ETH_HLEN - 1), -EINVAL);
    CHECK_EQ(netdev_send(&nd, frame, ETH_HLEN + 1501), -EINVAL);
    CHECK_EQ(netdev_send(&nd, NULL, 60), -EINVAL);
    CHECK_EQ(netdev_send(NULL, frame, 60), -EINVAL);
    CHECK_EQ(sent, 2);   /* none of the bad ones reached the driver */
    CHECK_EQ(nd.tx_frames, 2);

    netdev_receive(&nd, frame, 60);   /* no listener yet: dropped */
    CHECK_EQ(nd.rx_dropped, 1);
    netdev_set_listener(&nd, listener, NULL);
    netdev_receive(&nd, frame, 60);
    netdev_receive(&nd, frame, ETH_HLEN - 1);
    netdev_receive(&nd, frame, ETH_HLEN + 1501);
    netdev_receive(&nd, frame, 0);
    CHECK_EQ(received, 1);
    CHECK_EQ(last_len, 60);
    CHECK_EQ(nd.rx_frames, 1);
    CHECK_EQ(nd.rx_dropped, 4);
}

static unsigned ios;
static int fail_next;

static int fake_io(struct blockdev *bd, bool write, u64 sector, void *buf, u32 count)
{
    ios++;
    return fail_next ? -EIO : 0;
}

static int fake_flush(struct blockdev *bd)
{
    return 0;
}

static const struct blockdev_ops fake_blk_ops = { .io = fake_io, .flush = fake_flush };

TEST(blockdev_refuses_bad_ranges)
{
    static struct blockdev bd = { .sectors = 100, .ops = &fake_blk_ops };
    static struct blockdev ro = { .sectors = 100, .read_only = true, .ops = &fake_blk_ops };
    static u8 buf[512 * 4];
    CHECK_EQ(blockdev_register(&bd), 0);
    CHECK_EQ(blockdev_register(&ro), 0);
    CHECK_STREQ(ro.name, "blk1");
    CHECK_EQ(blockdev_read(&bd, 0, buf, 4), 0);
    CHECK_EQ(blockdev_write(&bd, 96, buf, 4), 0);
    CHECK_EQ(ios, 2);
    CHECK_EQ(blockdev_read(&bd, 100, buf, 1), -EINVAL);
    CHECK_EQ(blockdev_read(&bd, 97, buf, 4), -EINVAL);
    CHECK_EQ(blockdev_read(&bd, ~0ULL, buf, 2), -EINVAL);
    CHECK_EQ(blockdev_read(&bd, 0, buf, 0), -EINVAL);
    CHECK_EQ(blockdev_read(&bd, 0, NULL, 1), -EINVAL);
    CHECK_EQ(blockdev_write(&ro, 0, buf, 1), -EROFS);
    CHECK_EQ(ios, 2);   /* none of the bad ones reached the driver */
    fail_next = 1;
    CHECK_EQ(blockdev_read(&bd, 0, buf, 1), -EIO);
    CHECK_EQ(bd.errors, 1);
    fail_next = 0;
    CHECK_EQ(bd.reads, 4);
    CHECK_EQ(bd.writes, 4);
}

TEST(blockdev_bounce_copy_crosses_pages)
{
    /* 9 sectors: a whole page and one sector of the next, and back */
    static u8 page0[PAGE_SIZE], page1[PAGE_SIZE], flat[9 * SECTOR_SIZE], back[9 * SECTOR_SIZE];
    u8 *const pages[] = { page0, page1 };
    for (unsigned i = 0; i < sizeof(flat); i++)
        flat[i] = (u8)(i * 7 + 1);
    memset(page1, 0xee, sizeof(page1));
    blockdev_bounce_copy(pages, flat, 9, true);
    CHECK_MEMEQ(page0, flat, PAGE_SIZE);
    CHECK_MEMEQ(page1, flat + PAGE_SIZE, SECTOR_SIZE);
    CHECK_EQ(page1[SECTOR_SIZE], 0xee);   /* nothing beyond the last sector */
    blockdev_bounce_copy(pages, back, 9, false);
    CHECK_MEMEQ(back, flat, sizeof(flat));
}
