/*
 * What the Xen PV personality lets apps see and use (selftest, pvbench,
 * monitor): the shared-info page, event channels, the page-table
 * hypercall counts and batching switch, and the domU console ring's ops.
 * Event channels are the interface Xen's split drivers will use as well.
 * The rest of the personality is private to pv/xen/ (pv/xen/xen.h
 * includes this). Xen's own definitions: /usr/include/xen (event_channel.h,
 * xen.h), through <pv/xen_public.h>.
 */
#ifndef INCLUDE_PV_XEN_H
#define INCLUDE_PV_XEN_H

#include <proteus/pvops.h>
#include <pv/xen_public.h>
#include <xen/event_channel.h>

struct personality;
extern const struct personality xen_pv_personality;

/* The shared-info page Xen maps for the domain (event bits, vCPU info,
 * system time); NULL when not running on Xen PV. */
extern shared_info_t *xen_shared_info;

/* Event channels. A port is bound to a vector; its events run that
 * vector's handler (arch/x86/irq.c) from the upcall. 0 or a negative
 * errno (Xen's error, passed on). */
int xen_evtchn_bind_ipi(unsigned vector, evtchn_port_t *port);
int xen_evtchn_bind_port(evtchn_port_t port, unsigned vector);   /* one Xen made */
/* A port another domain (or DOMID_SELF) may bind, and binding another
 * domain's port: the two ends of an interdomain channel (a split driver's
 * frontend and backend). Neither binds a vector: xen_evtchn_bind_port. */
int xen_evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
int xen_evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port);
int xen_evtchn_close(evtchn_port_t port);
int xen_evtchn_send(evtchn_port_t port);
void xen_evtchn_mask(evtchn_port_t port);
int xen_evtchn_unmask(evtchn_port_t port);
void xen_evtchn_clear(evtchn_port_t port);
bool xen_evtchn_pending(evtchn_port_t port);
bool xen_evtchn_masked(evtchn_port_t port);
unsigned xen_evtchn_vector(evtchn_port_t port);   /* 0: not bound by the kernel */
unsigned xen_evtchn_nr_ports(void);
/* Upcalls taken, and events on ports nobody bound (masked and reported). */
extern u64 xen_upcalls, xen_stray_events;

/* Page-table hypercalls made so far, and the operations they carried
 * (make bench, selftest): batching shows as many operations per call. */
extern u64 xen_mmu_hypercalls, xen_mmu_operations;
/* Whether lazy sections batch their updates (default on; bench turns it
 * off to compare). */
void xen_mmu_set_batching(bool on);

/* The domU console ring's ops, and pointing them at another ring page and
 * channel (selftest drives them against a simulated backend): attach
 * saves the ring in use in *was, and restore puts it back. Under a domU the
 * ring is the console: between the two, everything printed goes to the
 * other page, so a caller restores before it reports anything. */
extern const struct pv_console_ops xen_console_ring_ops;
struct xen_console_ring_saved {
    volatile void *page;
    evtchn_port_t port;
    bool broken;
};
void xen_console_ring_attach(void *page, evtchn_port_t port, struct xen_console_ring_saved *was);
void xen_console_ring_restore(const struct xen_console_ring_saved *was);

/* Whether vCPU `cpu`'s vcpu_info was registered in the kernel's memory
 * (VCPUOP_register_vcpu_info; pv/xen/vcpu.c), rather than left in its
 * shared_info slot. */
bool xen_vcpu_info_registered(unsigned cpu);

#endif
