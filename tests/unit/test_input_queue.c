/*
 * kernel/input_queue.c: the console's input queue keeps bytes in order
 * across index wrap, refuses (and counts) what does not fit, and reads
 * Ctrl-D as a terminal in canonical mode does: end of input at the start of
 * a line, elsewhere the end of the line's read, whatever the read sizes.
 */
/* unit-sources: kernel/input_queue.c */
#include "unit.h"

#include <proteus/errno.h>
#include <proteus/input_queue.h>

static struct input_queue q;

static void reset(u32 start)
{
    memset(&q, 0, sizeof(q));
    q.head = q.tail = start;
}

static void put(const char *s)
{
    CHECK_EQ(inq_put(&q, s, strlen(s)), strlen(s));
}

/* One read of up to `len` bytes must give exactly `want` (NULL: EOF). */
static bool read_is(size_t len, const char *want)
{
    char buf[INPUT_QUEUE_SIZE];
    long n = inq_read(&q, buf, len);
    if (!want)
        return CHECK_EQ(n, 0);
    if (!CHECK_EQ(n, strlen(want)))
        return false;
    return CHECK_MEMEQ(buf, want, strlen(want));
}

static bool nothing_there(void)
{
    char buf[8];
    return CHECK_EQ(inq_read(&q, buf, sizeof(buf)), -EAGAIN);
}

TEST(inq_bytes_in_order)
{
    reset(0);
    CHECK(nothing_there());
    put("hello ");
    put("world\n");
    CHECK(read_is(3, "hel"));
    CHECK(read_is(100, "lo world\n"));
    CHECK(nothing_there());
}

TEST(inq_full_refuses_and_counts)
{
    reset(0xfffff800u);   /* the indices pass 2^32 on the way */
    static char big[INPUT_QUEUE_SIZE + 100];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('a' + i % 26);
    CHECK_EQ(inq_put(&q, big, sizeof(big)), INPUT_QUEUE_SIZE);
    CHECK_EQ(q.lost, 100);
    CHECK_EQ(inq_room(&q), 0);
    CHECK_EQ(inq_put(&q, "x", 1), 0);
    CHECK_EQ(q.lost, 101);
    char out[INPUT_QUEUE_SIZE];
    CHECK_EQ(inq_read(&q, out, sizeof(out)), INPUT_QUEUE_SIZE);
    CHECK_MEMEQ(out, big, INPUT_QUEUE_SIZE);
    CHECK_EQ(inq_room(&q), INPUT_QUEUE_SIZE);
    CHECK(q.head < 0xfffff800u);   /* it did wrap */
}

TEST(inq_eof_after_newline)
{
    reset(0);
    put("one\n\x04");
    CHECK(read_is(100, "one\n"));   /* the line, not the end yet */
    CHECK(read_is(100, NULL));
    CHECK(nothing_there());
}

TEST(inq_eof_alone)
{
    reset(0);
    put("\x04");
    CHECK(read_is(100, NULL));
    put("\x04\x04");   /* each one at the start of a line is one end */
    CHECK(read_is(100, NULL));
    CHECK(read_is(100, NULL));
}

TEST(inq_ctrl_d_hands_over_partial_line)
{
    reset(0);
    put("abc\x04");
    CHECK(read_is(100, "abc"));   /* without the Ctrl-D, and no end */
    CHECK(nothing_there());
    put("\x04");                  /* now nothing is pending: end */
    CHECK(read_is(100, NULL));
    put("abc\x04\x04");           /* the same in one go */
    CHECK(read_is(100, "abc"));
    CHECK(read_is(100, NULL));
}

/* "abc" went out in an earlier read; the Ctrl-D after it still only ends
 * that line, exactly as if the three bytes had come with it. */
TEST(inq_ctrl_d_after_line_already_read)
{
    reset(0);
    put("abc");
    CHECK(read_is(100, "abc"));
    put("\x04");
    CHECK(nothing_there());
    put("\x04");
    CHECK(read_is(100, NULL));
}

/* CR ends a line and reads as NL (termios ICRNL): Enter at a raw terminal. */
TEST(inq_cr_ends_a_line)
{
    reset(0);
    put("x\r\x04");
    CHECK(read_is(100, "x\n"));
    CHECK(read_is(100, NULL));
}

TEST(inq_small_reads_and_input_after_eof)
{
    reset(0);
    put("abcdef\n\x04two\n");
    CHECK(read_is(4, "abcd"));
    CHECK(read_is(4, "ef\n"));
    CHECK(read_is(4, NULL));
    CHECK(read_is(4, "two\n"));   /* reading on after an end, as a terminal allows */
    CHECK(nothing_there());
}

/* Any split of the same stream into reads gives the same bytes and ends. */
TEST(inq_same_result_for_any_read_sizes)
{
    static const char stream[] = "l1\n\x04" "ab\x04" "cd\n" "\x04\x04" "x\x04\x04" "\r\x04";
    /* '|' marks a read that returned 0; a Ctrl-D after "ab" or "x" only
     * ends that read, so it leaves no mark */
    static const char want[] = "l1\n|abcd\n||x|\n|";
    uint64_t seed = 3;
    for (int round = 0; round < 200; round++) {
        reset((u32)unit_rand(&seed));
        CHECK_EQ(inq_put(&q, stream, sizeof(stream) - 1), sizeof(stream) - 1);
        char got[64];
        size_t n = 0;
        long r;
        char buf[8];
        while ((r = inq_read(&q, buf, 1 + unit_rand_below(&seed, sizeof(buf)))) != -EAGAIN) {
            if (r == 0) {
                got[n++] = '|';
                continue;
            }
            memcpy(got + n, buf, (size_t)r);
            n += (size_t)r;
        }
        if (!CHECK_EQ(n, sizeof(want) - 1) || !CHECK_MEMEQ(got, want, n))
            break;
    }
}
