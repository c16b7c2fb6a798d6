/*
 * The domU console ring (Xen's public io/console.h): one shared page with
 * an input ring of 1024 bytes and an output ring of 2048, each with
 * free-running 32-bit producer and consumer indices. The guest produces
 * output and consumes input; the backend (xenconsoled in dom0) does the
 * opposite. The indices come from another domain, so they are checked:
 * a producer more than a ring's size ahead of its consumer is a corrupt
 * ring, reported to the caller and never used to index memory.
 *
 * Pure code: tests/unit/test_xen_console_ring.c runs it against a
 * simulated backend.
 */
#include "console_ring.h"
#include "byte_ring.h"
#include <proteus/errno.h>

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define IN_SIZE sizeof(((struct xencons_interface *)0)->in)

long xencons_write(volatile struct xencons_interface *r, const char *buf, size_t len)
{
    return byte_ring_put(r->out, OUT_SIZE, &r->out_prod, &r->out_cons, buf, len);
}

long xencons_read(volatile struct xencons_interface *r, char *buf, size_t len)
{
    XENCONS_RING_IDX cons = r->in_cons, prod = r->in_prod;
    ring_barrier();
    if (prod - cons > IN_SIZE) {
        r->in_cons = prod;   /* drop what cannot be trusted */
        return -EIO;
    }
    size_t n = 0;
    while (n < len && cons != prod)
        buf[n++] = r->in[MASK_XENCONS_IDX(cons++, r->in)];
    ring_barrier();   /* the bytes are read before the space is given back */
    r->in_cons = cons;
    return (long)n;
}

size_t xencons_out_pending(const volatile struct xencons_interface *r)
{
    XENCONS_RING_IDX d = r->out_prod - r->out_cons;
    return d > OUT_SIZE ? OUT_SIZE : d;
}
