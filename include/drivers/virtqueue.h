/*
 * Split virtqueues (drivers/virtio/virtqueue.c): the driver's side of the
 * rings every virtio device is driven through, whatever the transport.
 * Layout and rules: Virtual I/O Device (VIRTIO) Version 1.2, 2.7 "Split
 * Virtqueues" (2.7.5 descriptor table, 2.7.6 available ring, 2.7.8 used
 * ring, 2.7.7 and 2.7.10 notification suppression, VIRTIO_F_EVENT_IDX).
 * x86 is little-endian, as virtio 1.x's rings are.
 */
#ifndef DRIVERS_VIRTQUEUE_H
#define DRIVERS_VIRTQUEUE_H

#include <proteus/types.h>

/* 2.7.5 */
struct virtq_desc {
    u64 addr;   /* guest-physical */
    u32 len;
    u16 flags;
    u16 next;
};
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2   /* the device writes this buffer */

/* 2.7.6: flags, idx, ring[size], then used_event (with EVENT_IDX) */
struct virtq_avail {
    u16 flags;
    u16 idx;
    u16 ring[];
};
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* 2.7.8: flags, idx, ring[size], then avail_event (with EVENT_IDX) */
struct virtq_used_elem {
    u32 id;    /* head of the descriptor chain */
    u32 len;   /* bytes the device wrote into it */
};
struct virtq_used {
    u16 flags;
    u16 idx;
    struct virtq_used_elem ring[];
};
#define VIRTQ_USED_F_NO_NOTIFY 1

#define VIRTQ_MAX_SIZE 256   /* this driver's limit per queue */

/* Bytes each part needs for a queue of `size` (a power of two). */
static inline size_t virtq_desc_bytes(u16 size) { return 16u * size; }
static inline size_t virtq_avail_bytes(u16 size) { return 6u + 2u * size; }
static inline size_t virtq_used_bytes(u16 size) { return 6u + 8u * size; }

struct virtq {
    u16 size;
    volatile struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    bool event_idx;        /* VIRTIO_F_EVENT_IDX negotiated */
    u16 free_head, num_free;
    u16 avail_idx;         /* ours: the next avail->idx */
    u16 last_used;         /* the next used entry to take */
    u16 kicked_at;         /* avail_idx at the last notification decision */
    /* per descriptor (meaningful at chain heads): the caller's token, the
     * chain's length and the bytes the device may write into it */
    void *cookie[VIRTQ_MAX_SIZE];
    u16 chain[VIRTQ_MAX_SIZE];
    u32 writable[VIRTQ_MAX_SIZE];
    u16 next_free[VIRTQ_MAX_SIZE];
};

/* A buffer to add: guest-physical address and length. */
struct virtq_buf {
    u64 addr;
    u32 len;
};

/* Over rings the caller allocated and zeroed (desc 16-byte, avail 2-byte
 * and used 4-byte aligned: 2.7). -EINVAL for a size that is not a power
 * of two in 1..VIRTQ_MAX_SIZE. */
int virtq_init(struct virtq *q, u16 size, void *desc, void *avail, void *used, bool event_idx);

/* Add one chain: `out` buffers the device reads, then `in` it writes;
 * `cookie` (not NULL) comes back from virtq_get. -ENOSPC without enough
 * free descriptors, -EINVAL for an empty chain. Not yet visible to the
 * device: virtq_publish. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned out, unsigned in,
              void *cookie);
/* Make what was added visible; true when the device asked to be told
 * (2.7.10: its avail_event crossed, or without EVENT_IDX, no
 * VIRTQ_USED_F_NO_NOTIFY). */
bool virtq_publish(struct virtq *q);

/* The next chain the device used: its cookie and the bytes written (*len),
 * NULL when none; or NULL with *err = -EIO when the device broke the
 * rules: used->idx more than the queue's size ahead, an id that is not
 * the head of a chain in flight, a length beyond what the chain can hold.
 * A device that did so is not to be trusted again (reset it). */
void *virtq_get(struct virtq *q, u32 *len, int *err);

/* Interrupt suppression (2.7.7, 2.7.10): ask for no interrupts, or for
 * one at the next used entry; enable returns true if entries are already
 * there (take them, or they may never be signalled). */
void virtq_disable_interrupts(struct virtq *q);
bool virtq_enable_interrupts(struct virtq *q);

/* What an interrupt handler does with a queue: every chain the device
 * used, to fn(cookie, len, ctx), then the next interrupt asked for and one
 * more look for a chain that came in between (with EVENT_IDX the device
 * signals only when used_event is passed, so a drain that does not re-arm
 * gets no further interrupt). 0, or virtq_get's -EIO. */
int virtq_drain(struct virtq *q, void (*fn)(void *cookie, u32 len, void *ctx), void *ctx);

/* The queue size to use: the largest power of two no larger than the
 * device's maximum nor `max` (2.7: a split queue's size is a power of
 * two); 0 when the device has none. */
u16 virtq_fit_size(u32 device_max, u16 max);

#endif
