/*
 * drivers/virtio/virtqueue.c against a simulated device: chains made
 * available and used back in another order, indices wrapping past 2^16,
 * notification and interrupt suppression with and without EVENT_IDX,
 * and a device that breaks the rules (an id out of range or not in
 * flight, a length beyond the chain, more used entries than were ever
 * available) refused with -EIO instead of trusted.
 */
/* unit-sources: drivers/virtio/virtqueue.c */
#include "unit.h"

#include <drivers/virtqueue.h>
#include <proteus/errno.h>

#define QS 8
static struct virtq q;
static struct virtq_desc desc[QS] __attribute__((aligned(16)));
static u16 avail_mem[3 + QS + 1];
static u32 used_mem[2 + 2 * QS + 1];
#define AVAIL ((struct virtq_avail *)avail_mem)
#define USED ((struct virtq_used *)used_mem)

static void setup(bool event_idx)
{
    memset(desc, 0, sizeof(desc));
    memset(avail_mem, 0, sizeof(avail_mem));
    memset(used_mem, 0, sizeof(used_mem));
    CHECK_EQ(virtq_init(&q, QS, desc, avail_mem, used_mem, event_idx), 0);
}

/* The device: take the next available chain head (as it would), and
 * report a chain used with `len` bytes written. */
static u16 dev_avail_seen;
static u16 device_take(void)
{
    return AVAIL->ring[dev_avail_seen++ % QS];
}

static void device_use(u32 id, u32 len)
{
    USED->ring[USED->idx % QS].id = id;
    USED->ring[USED->idx % QS].len = len;
    USED->idx++;
}

TEST(virtq_init_refuses_bad_sizes)
{
    CHECK_EQ(virtq_init(&q, 0, desc, avail_mem, used_mem, false), -EINVAL);
    CHECK_EQ(virtq_init(&q, 6, desc, avail_mem, used_mem, false), -EINVAL);
    CHECK_EQ(virtq_init(&q, VIRTQ_MAX_SIZE * 2, desc, avail_mem, used_mem, false), -EINVAL);
}

TEST(virtq_chain_lays_out_descriptors)
{
    setup(false);
    dev_avail_seen = 0;
    struct virtq_buf b[3] = { { 0x1000, 12 }, { 0x2000, 100 }, { 0x3000, 1500 } };
    int tok;
    CHECK_EQ(virtq_add(&q, b, 1, 2, &tok), 0);
    CHECK(virtq_publish(&q));   /* no NO_NOTIFY: tell the device */
    CHECK_EQ(AVAIL->idx, 1);
    u16 head = device_take();
    CHECK_EQ(desc[head].addr, 0x1000);
    CHECK_EQ(desc[head].flags, VIRTQ_DESC_F_NEXT);
    u16 d1 = desc[head].next;
    CHECK_EQ(desc[d1].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
    u16 d2 = desc[d1].next;
    CHECK_EQ(desc[d2].addr, 0x3000);
    CHECK_EQ(desc[d2].flags, VIRTQ_DESC_F_WRITE);
    device_use(head, 1600);
    u32 len;
    int err;
    CHECK(virtq_get(&q, &len, &err) == &tok);
    CHECK_EQ(len, 1600);
    CHECK_EQ(err, 0);
    CHECK(virtq_get(&q, &len, &err) == NULL);
    CHECK_EQ(err, 0);
    CHECK_EQ(q.num_free, QS);
}

TEST(virtq_fills_and_recycles_out_of_order)
{
    setup(false);
    dev_avail_seen = 0;
    int tok[QS];
    struct virtq_buf b = { 0x1000, 64 };
    for (int i = 0; i < QS; i++)
        CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok[i]), 0);
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok[0]), -ENOSPC);
    virtq_publish(&q);
    u16 heads[QS];
    for (int i = 0; i < QS; i++)
        heads[i] = device_take();
    /* used in reverse order, and round and round past 2^16 */
    for (int round = 0; round < 9000; round++) {
        for (int i = QS - 1; i >= 0; i--)
            device_use(heads[i], 10);
        for (int i = QS - 1; i >= 0; i--) {
            u32 len;
            int err;
            void *t = virtq_get(&q, &len, &err);
            if (!CHECK(t == &tok[i]) || !CHECK_EQ(err, 0))
                return;
        }
        CHECK_EQ(q.num_free, QS);
        for (int i = 0; i < QS; i++)
            CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok[i]), 0);
        virtq_publish(&q);
        for (int i = 0; i < QS; i++)
            heads[i] = device_take();
    }
    CHECK(USED->idx != 0);   /* wrapped at least once: 9000 * 8 > 65536 */
}

TEST(virtq_refuses_a_device_that_breaks_the_rules)
{
    struct virtq_buf b = { 0x1000, 64 };
    int tok;
    u32 len;
    int err;
    /* an id beyond the queue */
    setup(false);
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok), 0);
    virtq_publish(&q);
    device_use(QS + 3, 1);
    CHECK(virtq_get(&q, &len, &err) == NULL);
    CHECK_EQ(err, -EIO);
    /* an id that is no chain in flight */
    setup(false);
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok), 0);
    virtq_publish(&q);
    device_use(5, 1);
    CHECK(virtq_get(&q, &len, &err) == NULL);
    CHECK_EQ(err, -EIO);
    /* a length beyond what the chain can hold */
    setup(false);
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok), 0);
    virtq_publish(&q);
    device_use(0, 65);
    CHECK(virtq_get(&q, &len, &err) == NULL);
    CHECK_EQ(err, -EIO);
    /* more used entries than were ever made available */
    setup(false);
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok), 0);
    virtq_publish(&q);
    USED->idx = 2;
    CHECK(virtq_get(&q, &len, &err) == NULL);
    CHECK_EQ(err, -EIO);
    /* a device-readable chain written into */
    setup(false);
    CHECK_EQ(virtq_add(&q, &b, 1, 0, &tok), 0);
    virtq_publish(&q);
    device_use(0, 1);
    CHECK(virtq_get(&q, &len, &err) == NULL);
    CHECK_EQ(err, -EIO);
}

TEST(virtq_notification_suppression)
{
    struct virtq_buf b = { 0x1000, 64 };
    int tok;
    setup(false);
    USED->flags = VIRTQ_USED_F_NO_NOTIFY;
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok), 0);
    CHECK(!virtq_publish(&q));
    /* EVENT_IDX: notify only when avail_event is crossed */
    setup(true);
    volatile u16 *avail_event = (volatile u16 *)&USED->ring[QS];
    *avail_event = 1;   /* the device wants to hear when entry 1 is there */
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok), 0);
    CHECK(!virtq_publish(&q));   /* idx 0 -> 1: entry 0 only */
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok), 0);
    CHECK(virtq_publish(&q));    /* idx 1 -> 2: entry 1 */
}

TEST(virtq_interrupt_suppression)
{
    struct virtq_buf b = { 0x1000, 64 };
    int tok;
    setup(false);
    virtq_disable_interrupts(&q);
    CHECK_EQ(AVAIL->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
    CHECK(!virtq_enable_interrupts(&q));
    CHECK_EQ(AVAIL->flags, 0);
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok), 0);
    virtq_publish(&q);
    device_use(0, 4);
    CHECK(virtq_enable_interrupts(&q));   /* one came while they were off */
    setup(true);
    CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok), 0);
    virtq_publish(&q);
    CHECK(!virtq_enable_interrupts(&q));
    CHECK_EQ(AVAIL->ring[QS], 0);   /* used_event: the next entry */
}

static unsigned drained;
static u32 drained_len;

static void count_drained(void *cookie, u32 len, void *ctx)
{
    drained++;
    drained_len += len;
}

TEST(virtq_drain_takes_everything_and_rearms)
{
    struct virtq_buf b = { 0x1000, 64 };
    int tok[3];
    setup(true);
    dev_avail_seen = 0;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(virtq_add(&q, &b, 0, 1, &tok[i]), 0);
    virtq_publish(&q);
    device_use(device_take(), 10);
    device_use(device_take(), 20);
    drained = drained_len = 0;
    CHECK_EQ(virtq_drain(&q, count_drained, NULL), 0);
    CHECK_EQ(drained, 2);
    CHECK_EQ(drained_len, 30);
    CHECK_EQ(AVAIL->ring[QS], 2);   /* used_event: the next entry, so it signals again */
    device_use(QS + 1, 1);          /* then the device breaks the rules */
    CHECK_EQ(virtq_drain(&q, count_drained, NULL), -EIO);
    CHECK_EQ(drained, 2);
}

TEST(virtq_fit_size_takes_a_power_of_two)
{
    CHECK_EQ(virtq_fit_size(256, 128), 128);
    CHECK_EQ(virtq_fit_size(100, 128), 64);
    CHECK_EQ(virtq_fit_size(1024, 64), 64);
    CHECK_EQ(virtq_fit_size(0x10000, 256), 256);
    CHECK_EQ(virtq_fit_size(3, 256), 2);
    CHECK_EQ(virtq_fit_size(0, 256), 0);
}
