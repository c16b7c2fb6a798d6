/*
 * The shared rings of Xen's split drivers (netfront, blkfront): Xen's own
 * ring macros (xen/io/ring.h), with the barriers they ask the includer
 * for, and the one check every frontend makes before it believes the
 * backend's response producer.
 *
 * A ring is one page of fixed-size slots with free-running 32-bit
 * indices: the frontend produces requests (req_prod) and consumes
 * responses (rsp_cons, private), the backend the other way round. The
 * response producer is written by the other domain, so it is read once
 * into a local and held to what the frontend asked: never more responses
 * than requests outstanding (which are never more than the ring holds).
 */
#ifndef INCLUDE_PV_XEN_RING_H
#define INCLUDE_PV_XEN_RING_H

#include <proteus/types.h>

/* xen/io/ring.h: "you need to provide the following macros: xen_mb(),
 * xen_rmb(), xen_wmb()". x86 keeps stores in order and loads in order,
 * so only the compiler must be held for those two; the full barrier
 * orders a store (rsp_event) before a load (rsp_prod), which x86 does not
 * do by itself (SDM Vol. 3A, 9.2.3.4: loads may pass earlier stores). */
#ifndef xen_mb
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#define xen_wmb() __atomic_signal_fence(__ATOMIC_SEQ_CST)
#endif
#include <proteus/string.h>   /* ring.h's SHARED_RING_INIT uses memset */
#include <xen/io/ring.h>

/* The responses to take: prod (the backend's rsp_prod, read once) against
 * cons (the next response not yet taken) and req_prod (the requests
 * pushed so far). 0 and *n set, or -1 when prod runs ahead of the
 * requests, or behind cons: the ring cannot be trusted. */
static inline int xen_ring_responses(RING_IDX prod, RING_IDX cons, RING_IDX req_prod, RING_IDX *n)
{
    RING_IDX ready = prod - cons, asked = req_prod - cons;
    if (ready > asked)
        return -1;
    *n = ready;
    return 0;
}

#endif
