/*
 * The domU console ring's pure part (pv/xen/console_ring.c).
 */
#ifndef PV_XEN_CONSOLE_RING_H
#define PV_XEN_CONSOLE_RING_H

#include <pv/xen_public.h>
#include <xen/io/console.h>

/* Put up to `len` bytes in the output ring: the count written (0 when
 * full), or -EIO if the backend left the indices inconsistent. */
long xencons_write(volatile struct xencons_interface *r, const char *buf, size_t len);
/* Take up to `len` bytes from the input ring: the count, or -EIO (the
 * ring's contents are then dropped). */
long xencons_read(volatile struct xencons_interface *r, char *buf, size_t len);
/* Bytes written and not yet taken by the backend. */
size_t xencons_out_pending(const volatile struct xencons_interface *r);

#endif
