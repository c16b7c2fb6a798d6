/*
 * The domU console's input path on the host: the backend (xenconsoled)
 * types into the ring (pv/xen/console_ring.c), and the guest moves what is
 * there into its input queue (kernel/input_queue.c) no faster than the
 * queue has room, as kernel/console.c's pull() does. The ring then holds
 * the rest, the backend waits for room, and nothing is lost, however much
 * more the ring holds than the queue can take.
 */
/* unit-sources: pv/xen/console_ring.c kernel/input_queue.c */
#include "unit.h"

#include <proteus/errno.h>
#include <proteus/input_queue.h>
#include "../../pv/xen/console_ring.h"

static struct xencons_interface ring;
static struct input_queue q;

/* The backend's side: put what fits in the ring; the caller keeps the rest. */
static size_t backend_type(const char *s, size_t n)
{
    size_t put = 0;
    while (put < n && ring.in_prod - ring.in_cons < sizeof(ring.in))
        ring.in[MASK_XENCONS_IDX(ring.in_prod++, ring.in)] = s[put++];
    return put;
}

/* kernel/console.c's pull() for a console that holds input back: read the
 * ring in chunks no larger than the queue's room. */
static void pull(void)
{
    char chunk[128];
    for (;;) {
        size_t want = inq_room(&q) < sizeof(chunk) ? inq_room(&q) : sizeof(chunk);
        if (!want)
            return;
        long n = xencons_read(&ring, chunk, want);
        if (!CHECK(n >= 0) || n == 0)
            return;
        CHECK_EQ(inq_put(&q, chunk, (size_t)n), n);
        if ((size_t)n < want)
            return;
    }
}

static void reset(XENCONS_RING_IDX start)
{
    memset(&ring, 0, sizeof(ring));
    memset(&q, 0, sizeof(q));
    ring.in_cons = ring.in_prod = start;
}

TEST(xen_ring_holds_what_the_queue_cannot_take)
{
    reset(0);
    static char fill[INPUT_QUEUE_SIZE - 100];
    memset(fill, 'f', sizeof(fill));
    CHECK_EQ(inq_put(&q, fill, sizeof(fill)), sizeof(fill));   /* 100 bytes free */
    static char typed[1000];
    for (size_t i = 0; i < sizeof(typed); i++)
        typed[i] = (char)('0' + i % 10);
    CHECK_EQ(backend_type(typed, sizeof(typed)), sizeof(typed));
    pull();
    CHECK_EQ(inq_room(&q), 0);
    CHECK_EQ(ring.in_prod - ring.in_cons, 900);   /* still in the ring */
    CHECK_EQ(q.lost, 0);

    /* The reader makes room and pulls again (console_input_read). */
    static char got[INPUT_QUEUE_SIZE + 1000];
    size_t n = 0;
    for (int round = 0; round < 100 && n < sizeof(fill) + sizeof(typed); round++) {
        long r = inq_read(&q, got + n, 512);
        if (!CHECK(r > 0))
            break;
        n += (size_t)r;
        pull();
    }
    CHECK_EQ(n, sizeof(fill) + sizeof(typed));
    CHECK_MEMEQ(got, fill, sizeof(fill));
    CHECK_MEMEQ(got + sizeof(fill), typed, sizeof(typed));
    CHECK_EQ(ring.in_prod, ring.in_cons);
    CHECK_EQ(q.lost, 0);
}

/* A long stream through both, with uneven paces on each side, the ring's
 * indices passing 2^32, and a Ctrl-D at the end: every byte once, in order,
 * then end of input. */
TEST(xen_ring_stream_to_end_of_input)
{
    reset(0xfffffc00u);
    static char sent[50001], got[50001];
    uint64_t seed = 11;
    for (size_t i = 0; i < sizeof(sent) - 1; i++)
        sent[i] = (char)(0x20 + unit_rand_below(&seed, 0x5f));   /* printable, never ^D */
    sent[sizeof(sent) - 2] = '\n';
    sent[sizeof(sent) - 1] = INPUT_EOF_BYTE;
    size_t typed = 0, n = 0;
    bool ended = false;
    for (int round = 0; round < 100000 && !ended; round++) {
        size_t w = unit_rand_below(&seed, 2000);
        if (w > sizeof(sent) - typed)
            w = sizeof(sent) - typed;
        typed += backend_type(sent + typed, w);   /* the backend waits for room */
        pull();
        if (unit_rand_below(&seed, 3))
            continue;   /* the app is busy: the queue fills, the ring fills */
        long r = inq_read(&q, got + n, 1 + unit_rand_below(&seed, 3000));
        if (r == 0)
            ended = true;
        else if (r > 0)
            n += (size_t)r;
        else
            CHECK_EQ(r, -EAGAIN);
    }
    CHECK(ended);
    CHECK_EQ(n, sizeof(sent) - 1);
    CHECK_MEMEQ(got, sent, sizeof(sent) - 1);
    CHECK_EQ(q.lost, 0);
    CHECK(ring.in_prod < 0xfffffc00u);   /* it did wrap */
}
