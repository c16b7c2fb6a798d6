/*
 * pv/xen/console_ring.c against a simulated backend: the guest writes,
 * the "backend" drains at its own pace, the indices wrap past 2^32, input
 * flows the other way, and a backend that corrupts the indices is refused
 * rather than trusted to index the ring.
 */
/* unit-sources: pv/xen/console_ring.c */
#include "unit.h"

#include <proteus/errno.h>
#include "../../pv/xen/console_ring.h"

static struct xencons_interface ring;

/* The backend's side: take up to n output bytes, put input bytes. */
static size_t backend_drain(char *out, size_t n)
{
    size_t got = 0;
    while (got < n && ring.out_cons != ring.out_prod)
        out[got++] = ring.out[MASK_XENCONS_IDX(ring.out_cons++, ring.out)];
    return got;
}

static size_t backend_type(const char *s, size_t n)
{
    size_t put = 0;
    while (put < n && ring.in_prod - ring.in_cons < sizeof(ring.in))
        ring.in[MASK_XENCONS_IDX(ring.in_prod++, ring.in)] = s[put++];
    return put;
}

static void reset(XENCONS_RING_IDX start)
{
    memset(&ring, 0, sizeof(ring));
    ring.out_cons = ring.out_prod = ring.in_cons = ring.in_prod = start;
}

TEST(xencons_write_then_drain)
{
    reset(0);
    CHECK_EQ(xencons_write(&ring, "hello\n", 6), 6);
    CHECK_EQ(xencons_out_pending(&ring), 6);
    char buf[16];
    CHECK_EQ(backend_drain(buf, sizeof(buf)), 6);
    CHECK_MEMEQ(buf, "hello\n", 6);
    CHECK_EQ(xencons_out_pending(&ring), 0);
}

TEST(xencons_write_stops_when_full)
{
    reset(0);
    static char big[5000];
    memset(big, 'x', sizeof(big));
    CHECK_EQ(xencons_write(&ring, big, sizeof(big)), 2048);
    CHECK_EQ(xencons_write(&ring, big, 10), 0);
    char buf[100];
    CHECK_EQ(backend_drain(buf, 100), 100);
    CHECK_EQ(xencons_write(&ring, big, sizeof(big)), 100);
}

/* Every byte arrives once and in order while both sides run at uneven
 * paces and the indices pass 2^32. */
TEST(xencons_stream_across_index_wrap)
{
    reset(0xfffff000u);
    uint64_t seed = 7;
    static char sent[100000], got[100000];
    for (size_t i = 0; i < sizeof(sent); i++)
        sent[i] = (char)unit_rand(&seed);
    size_t off_w = 0, off_r = 0;
    while (off_r < sizeof(sent)) {
        size_t w = unit_rand_below(&seed, 3000);
        if (w > sizeof(sent) - off_w)
            w = sizeof(sent) - off_w;
        long n = xencons_write(&ring, sent + off_w, w);
        if (!CHECK(n >= 0))
            return;
        off_w += (size_t)n;
        off_r += backend_drain(got + off_r, unit_rand_below(&seed, 3000));
    }
    CHECK(ring.out_prod < 0xfffff000u);   /* it did wrap */
    CHECK_MEMEQ(got, sent, sizeof(sent));
}

TEST(xencons_read_input)
{
    reset(0xfffffffeu);
    CHECK_EQ(backend_type("abc", 3), 3);
    char buf[8];
    CHECK_EQ(xencons_read(&ring, buf, 2), 2);
    CHECK_MEMEQ(buf, "ab", 2);
    CHECK_EQ(xencons_read(&ring, buf, 8), 1);
    CHECK_EQ(buf[0], 'c');
    CHECK_EQ(xencons_read(&ring, buf, 8), 0);
}

TEST(xencons_corrupt_output_indices)
{
    reset(0);
    ring.out_prod = 5000;   /* "5000 bytes pending" in a 2048-byte ring */
    CHECK_EQ(xencons_write(&ring, "x", 1), -EIO);
    CHECK_EQ(ring.out_prod, 5000);   /* nothing written, nothing moved */
    CHECK_EQ(xencons_out_pending(&ring), 2048);
}

TEST(xencons_corrupt_input_indices)
{
    reset(0);
    ring.in_prod = 0x80000000u;
    char buf[8];
    CHECK_EQ(xencons_read(&ring, buf, sizeof(buf)), -EIO);
    CHECK_EQ(ring.in_cons, 0x80000000u);   /* dropped */
    CHECK_EQ(backend_type("z", 1), 1);
    CHECK_EQ(xencons_read(&ring, buf, sizeof(buf)), 1);
}
