/*
 * The console's input queue: a ring of bytes between the console driver,
 * which puts what the device received, and read(), which takes it. Its one
 * piece of line discipline is end of input. A terminal in canonical mode
 * (POSIX termios, VEOF) treats Ctrl-D as "hand over what is pending now":
 * after a newline nothing is pending, so read() returns 0, which programs
 * take as end of file; after "abc" it hands over "abc", and a second
 * Ctrl-D is then end of file. This queue does the same, by the byte's place
 * in the stream, so the result never depends on when the bytes arrived:
 *
 *   "one\n" ^D       -> "one\n", then 0 (EOF)
 *   "abc" ^D         -> "abc" (the Ctrl-D is dropped); reading goes on
 *   "abc" ^D ^D      -> "abc", then 0
 *   ^D               -> 0
 *
 * A line ends at '\n' or '\r'. A '\r' is read as '\n', as a terminal
 * does by default (termios ICRNL, POSIX.1-2017 XBD 11.2.2): QEMU puts the
 * host's terminal in raw mode, so Enter arrives as CR, and an app reading
 * lines (fgets) must see it end one. No other byte is changed, and nothing
 * is echoed.
 */
#include <proteus/errno.h>
#include <proteus/input_queue.h>

#define MASK(i) ((i) & (INPUT_QUEUE_SIZE - 1))

size_t inq_room(const struct input_queue *q)
{
    return INPUT_QUEUE_SIZE - (u32)(q->head - q->tail);
}

size_t inq_put(struct input_queue *q, const char *p, size_t n)
{
    size_t keep = n < inq_room(q) ? n : inq_room(q);
    for (size_t i = 0; i < keep; i++)
        q->buf[MASK(q->head++)] = p[i];
    q->lost += n - keep;
    return keep;
}

long inq_read(struct input_queue *q, char *buf, size_t len)
{
    size_t n = 0;
    while (n < len && q->tail != q->head) {
        char c = q->buf[MASK(q->tail)];
        if (c == INPUT_EOF_BYTE) {
            if (!q->mid_line && n)
                break;          /* end of input, for the next read */
            q->tail++;
            if (!q->mid_line)
                return 0;       /* end of input */
            q->mid_line = false;
            if (n)
                break;          /* the line so far, without the Ctrl-D */
            continue;           /* the line went out already: nothing to hand over */
        }
        buf[n++] = c == '\r' ? '\n' : c;
        q->tail++;
        q->mid_line = c != '\n' && c != '\r';
    }
    return n ? (long)n : -EAGAIN;
}
