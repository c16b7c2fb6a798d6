/*
 * The console's input queue and its one rule about end of input
 * (kernel/input_queue.c). Console drivers put bytes in as they arrive; the
 * reader takes them out, and a Ctrl-D at the start of a line reads as end
 * of input, as VEOF does for a terminal in canonical mode. Pure code, so
 * that tests/unit/test_input_queue.c runs it on the host. docs/console.md
 * describes the policy.
 */
#ifndef PROTEUS_INPUT_QUEUE_H
#define PROTEUS_INPUT_QUEUE_H

#include <proteus/types.h>

/* Bytes the queue holds: as much as a terminal's line buffer (Linux's
 * N_TTY_BUF_SIZE is the same), a power of two for the index masks. */
#define INPUT_QUEUE_SIZE 4096u
/* Ctrl-D, the byte that ends input (VEOF's usual value). */
#define INPUT_EOF_BYTE 0x04

struct input_queue {
    char buf[INPUT_QUEUE_SIZE];
    u32 head, tail;   /* free-running: the bytes held are [tail, head) */
    /* The last byte read was neither a line end nor a Ctrl-D: a Ctrl-D now
     * hands over the line instead of ending input. All zero (a static
     * queue) is an empty queue at the start of a line. */
    bool mid_line;
    u64 lost;         /* bytes refused because the queue was full, not yet reported */
};

size_t inq_room(const struct input_queue *q);
/* Keep as many of `n` bytes as fit and count the rest in q->lost; returns
 * how many were kept. */
size_t inq_put(struct input_queue *q, const char *p, size_t n);
/* For read(), len > 0: the bytes there (up to a Ctrl-D, which is dropped),
 * 0 for end of input, or -EAGAIN when nothing is there. */
long inq_read(struct input_queue *q, char *buf, size_t len);

#endif
