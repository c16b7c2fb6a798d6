/*
 * The block devices' registry and the checks common to all of them
 * (include/proteus/blockdev.h): a request's range is checked against the
 * device's size here, once, so no driver can forget it.
 */
#include <drivers/virtio.h>
#include <drivers/xenfront.h>
#include <proteus/blockdev.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/printk.h>
#include <proteus/string.h>

/* The block drivers: as kernel/netdev.c links the network drivers. */
static const void *const block_drivers[] __attribute__((used)) = {
    (const void *)virtio_blk_attach,
    &blkfront_driver,
};

static struct blockdev *devs[BLOCKDEV_MAX];
static unsigned ndevs;

int blockdev_register(struct blockdev *bd)
{
    if (ndevs == BLOCKDEV_MAX)
        return -ENOSPC;
    ksnprintf(bd->name, sizeof(bd->name), "blk%u", ndevs);
    __atomic_store_n(&devs[ndevs], bd, __ATOMIC_RELEASE);
    ndevs++;
    pr_info("%s: %llu sectors of %u bytes (%llu MiB)%s\n", bd->name,
            (unsigned long long)bd->sectors, SECTOR_SIZE,
            (unsigned long long)(bd->sectors / 2048), bd->read_only ? ", read-only" : "");
    return 0;
}

unsigned blockdev_count(void)
{
    return ndevs;
}

struct blockdev *blockdev_get(unsigned i)
{
    return i < ndevs ? __atomic_load_n(&devs[i], __ATOMIC_ACQUIRE) : NULL;
}

static int check(struct blockdev *bd, u64 sector, const void *buf, u32 count)
{
    if (!bd || !buf || count == 0 || sector >= bd->sectors || count > bd->sectors - sector)
        return -EINVAL;
    return 0;
}

int blockdev_read(struct blockdev *bd, u64 sector, void *buf, u32 count)
{
    int err = check(bd, sector, buf, count);
    if (!err)
        err = bd->ops->io(bd, false, sector, buf, count);
    if (!err)
        bd->reads += count;
    else if (err == -EIO)
        bd->errors++;
    return err;
}

int blockdev_write(struct blockdev *bd, u64 sector, const void *buf, u32 count)
{
    int err = check(bd, sector, buf, count);
    if (!err && bd->read_only)
        err = -EROFS;
    if (!err)
        err = bd->ops->io(bd, true, sector, (void *)buf, count);
    if (!err)
        bd->writes += count;
    else if (err == -EIO)
        bd->errors++;
    return err;
}

int blockdev_flush(struct blockdev *bd)
{
    if (!bd)
        return -EINVAL;
    int err = bd->ops->flush(bd);
    if (!err)
        bd->flushes++;
    else if (err == -EIO)
        bd->errors++;
    return err;
}

void blockdev_bounce_copy(u8 *const *pages, u8 *buf, u32 sectors, bool to_pages)
{
    const u32 per_page = PAGE_SIZE / SECTOR_SIZE;
    for (u32 i = 0; i < sectors; i += per_page) {
        size_t bytes = (size_t)(sectors - i < per_page ? sectors - i : per_page) * SECTOR_SIZE;
        if (to_pages)
            memcpy(pages[i / per_page], buf + (size_t)i * SECTOR_SIZE, bytes);
        else
            memcpy(buf + (size_t)i * SECTOR_SIZE, pages[i / per_page], bytes);
    }
}
