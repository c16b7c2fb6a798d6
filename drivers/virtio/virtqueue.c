/*
 * Split virtqueues, the driver's side (include/drivers/virtqueue.h;
 * VIRTIO 1.2, 2.7). Pure code over memory the caller gives: the
 * transports (virtio-pci, virtio-mmio) place the rings and tell the
 * device where they are, the device drivers (virtio-net, virtio-blk) add
 * buffers and take them back. tests/unit/test_virtqueue.c runs it against
 * a simulated device, including one that writes nonsense.
 *
 * The used ring is the device's: every index and length read from it is
 * checked before it touches the driver's state (the device may be a
 * buggy or hostile emulator; a mistrusted index would free the wrong
 * buffer, and a length beyond the buffer would make the driver read past
 * it). A check that fails returns -EIO and the caller resets the device.
 */
#include <drivers/virtqueue.h>
#include <proteus/errno.h>

/* Ring writes the device must see in order: x86 keeps stores in order,
 * loads in order, so only the compiler must be told (2.7.13: the memory
 * barriers the spec asks for are compiler barriers here, barrier() from
 * <proteus/types.h>). A store then a load of what the device may have written meanwhile (the
 * event index check) needs the one x86 reordering there is. */
#define full_barrier() __atomic_thread_fence(__ATOMIC_SEQ_CST)

static volatile u16 *used_event(struct virtq *q) { return &q->avail->ring[q->size]; }
static volatile u16 *avail_event(struct virtq *q)
{
    return (volatile u16 *)&q->used->ring[q->size];
}

int virtq_init(struct virtq *q, u16 size, void *desc, void *avail, void *used, bool event_idx)
{
    if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
        return -EINVAL;
    q->size = size;
    q->desc = desc;
    q->avail = avail;
    q->used = used;
    q->event_idx = event_idx;
    q->free_head = 0;
    q->num_free = size;
    q->avail_idx = q->last_used = q->kicked_at = 0;
    for (u16 i = 0; i < size; i++) {
        q->next_free[i] = (u16)(i + 1);
        q->cookie[i] = NULL;
    }
    return 0;
}

/*T:830 The descriptor and the available ring (VIRTIO 1.2, 2.7.13.1 and
 * 2.7.13.2). A queue is three areas of guest memory that the transport
 * told the device about when the queue was set up; for one transmitted
 * frame (one descriptor, head h, the ring's next slot i):
 *
 *   desc[h]   addr = guest-physical address of the buffer (2.7.5)
 *             len  = header + frame, flags = 0 (the device reads it)
 *   avail     flags, idx, ring[i % size] = h             (2.7.6)
 *   used      flags, idx, ring[] = {id, len} pairs       (2.7.8)
 *             written by the device, read by the driver
 *
 * Descriptors come from the driver's own free list (next_free, never the
 * descriptors' next fields, which the device could change). The head
 * goes into the available ring, but avail->idx is not moved yet: until
 * virtq_publish moves it, the device cannot see the entry. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned out, unsigned in,
              void *cookie)
{
    unsigned n = out + in;
    if (n == 0 || !cookie)
        return -EINVAL;
    if (n > q->num_free)
        return -ENOSPC;
    u16 head = q->free_head, d = head;
    u32 writable = 0;
    for (unsigned i = 0; i < n; i++) {
        volatile struct virtq_desc *e = &q->desc[d];
        e->addr = bufs[i].addr;
        e->len = bufs[i].len;
        e->flags = (u16)((i >= out ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        if (i >= out)
            writable += bufs[i].len;
        u16 next = q->next_free[d];
        e->next = i + 1 < n ? next : 0;
        if (i + 1 < n)
            d = next;
        else
            q->free_head = next;
    }
    q->num_free = (u16)(q->num_free - n);
    q->cookie[head] = cookie;
    q->chain[head] = (u16)n;
    q->writable[head] = writable;
    q->avail->ring[q->avail_idx & (q->size - 1)] = head;
    q->avail_idx++;
    return 0;
}

/*T:840 Publishing, and deciding whether to ring the doorbell. Storing
 * avail->idx is what hands the new entries to the device (2.7.13.3); the
 * compiler barrier keeps the descriptor and ring stores before it (x86
 * does not reorder stores with stores). Then the device's wish is read:
 * with VIRTIO_F_EVENT_IDX it writes avail_event, "tell me when idx passes
 * this", after the used ring, and a notification is owed only if that
 * index lies among the entries published since the last decision
 * (2.7.10; the same test as Linux's vring_need_event). A device busy
 * with the queue leaves avail_event behind and is not told again: it
 * will find the new entries itself. The full fence between the idx
 * store and the avail_event load is the one reordering x86 does (SDM
 * Vol. 3A, "Loads May Be Reordered with Earlier Stores to Different
 * Locations"): without it both sides could decide
 * the other would look, and a frame would sit in the ring unseen. */
bool virtq_publish(struct virtq *q)
{
    barrier();   /* descriptors and ring entries before the index */
    q->avail->idx = q->avail_idx;
    full_barrier();   /* the index out before the device's wish is read */
    u16 old = q->kicked_at, now = q->avail_idx;
    q->kicked_at = now;
    if (q->event_idx) {
        /* 2.7.10: notify if avail_event lies in [old, now) */
        u16 event = *avail_event(q);
        return (u16)(now - event - 1) < (u16)(now - old);
    }
    return !(q->used->flags & VIRTQ_USED_F_NO_NOTIFY);
}

/*T:865 The used ring, read (2.7.14). used->idx is the device's producer
 * index, free-running in 16 bits; last_used is ours. Each entry names the
 * head of a chain and the bytes the device wrote into it (0 for a
 * transmitted frame, which it only read). Every value is the device's
 * and is checked before it is believed: no more entries than chains in
 * flight, a head we gave out, a length the chain can hold. Then the chain
 * goes back on the free list and its cookie (for virtio-net's transmit
 * queue, the buffer's slot) back to the driver. virtq_drain calls this
 * until nothing is left, re-arms the interrupt and looks once more, so a
 * completion that lands between the last look and the re-arm is not
 * left waiting for an interrupt that will never come. */
void *virtq_get(struct virtq *q, u32 *len, int *err)
{
    *err = 0;
    u16 used_idx = q->used->idx;
    barrier();   /* the index before the entries it covers */
    u16 pending = (u16)(used_idx - q->last_used);
    if (pending == 0)
        return NULL;
    u16 in_flight = (u16)(q->size - q->num_free);
    if (pending > q->size || pending > in_flight) {
        *err = -EIO;   /* more used than ever made available */
        return NULL;
    }
    volatile struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
    u32 id = e->id, written = e->len;
    if (id >= q->size || !q->cookie[id]) {
        *err = -EIO;   /* not the head of a chain in flight */
        return NULL;
    }
    if (written > q->writable[id]) {
        *err = -EIO;   /* more than the chain can hold */
        return NULL;
    }
    q->last_used++;
    void *cookie = q->cookie[id];
    q->cookie[id] = NULL;
    /* the chain back on the free list, walking our own next_free links
     * (never the descriptors' next, which the device could have changed) */
    u16 last = (u16)id;
    for (u16 i = 1; i < q->chain[id]; i++)
        last = q->next_free[last];
    q->next_free[last] = q->free_head;
    q->free_head = (u16)id;
    q->num_free = (u16)(q->num_free + q->chain[id]);
    *len = written;
    return cookie;
}

void virtq_disable_interrupts(struct virtq *q)
{
    if (!q->event_idx)
        q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    /* with EVENT_IDX, used_event simply stays behind */
}

bool virtq_enable_interrupts(struct virtq *q)
{
    if (q->event_idx)
        *used_event(q) = q->last_used;
    else
        q->avail->flags = 0;
    full_barrier();   /* the wish out before the index is read again */
    return (u16)(q->used->idx - q->last_used) != 0;
}

int virtq_drain(struct virtq *q, void (*fn)(void *cookie, u32 len, void *ctx), void *ctx)
{
    int err;
    do {
        u32 len;
        void *cookie;
        while ((cookie = virtq_get(q, &len, &err)))
            fn(cookie, len, ctx);
    } while (!err && virtq_enable_interrupts(q));
    return err;
}

u16 virtq_fit_size(u32 device_max, u16 max)
{
    u32 size = device_max < max ? device_max : max;
    while (size & (size - 1))
        size &= size - 1;   /* the highest bit alone */
    return (u16)size;
}
