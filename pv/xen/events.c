/*T:550
 * Event channels: what a Xen PV guest has instead of interrupt
 * controllers, and so the xen-pv personality's apic group.
 *
 * A port is a numbered channel; Xen marks it pending in shared_info's
 * evtchn_pending bitmap and, unless the port is masked in evtchn_mask, sets
 * the port's selector bit in this vCPU's evtchn_pending_sel and the
 * vCPU's evtchn_upcall_pending, and enters the event callback if the vCPU's
 * evtchn_upcall_mask is clear (xen/include/public/event_channel.h, and
 * struct shared_info and struct vcpu_info in xen/include/public/xen.h).
 * The callback (xen_event_entry) calls xen_upcall(), which walks selector word -> pending & ~mask -> port,
 * clears each port's pending bit and runs the handler of the vector the
 * port is bound to, through the same table as native interrupts
 * (arch/x86/irq.c). So the kernel's timer code, written for a vector, runs
 * unchanged on VIRQ_TIMER.
 *
 * Nothing needs acknowledging afterwards (eoi is empty): clearing the
 * pending bit before the handler is the acknowledgement, and an event that
 * comes while the handler runs sets it again. Masking is per port; a port
 * unmasked while pending must be re-raised, which EVTCHNOP_unmask does.
 * The upcall itself returns through the iret hypercall, which unmasks the
 * vCPU and re-enters at once if more events came meanwhile.
 *
 * With more than one vCPU, each port notifies one vCPU: the one named when
 * it was bound (EVTCHNOP_bind_ipi and bind_virq take a vcpu; every other
 * port starts on vCPU 0), whose vcpu_info gets the selector bit and the
 * upcall. The pending and mask bitmaps are shared by all vCPUs, so one
 * word of evtchn_pending can hold ports of several vCPUs, and an upcall
 * that handled whatever it found pending would take another vCPU's event
 * and clear it, on the wrong CPU, before that vCPU looked. So the upcall
 * handles only the ports this CPU owns (cpu_ports, the kernel's copy of
 * each port's vCPU; Linux keeps the same per-CPU mask, cpu_evtchn_mask).
 * IPIs are a port per target vCPU and vector, bound on first use.
 */
#include "xen.h"
#include <arch/cpu.h>
#include <arch/regs.h>
#include <arch/x86.h>
#include <proteus/errno.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/spinlock.h>
#include <proteus/string.h>
#include <proteus/thread.h>
#include <proteus/vm.h>
#include <xen/callback.h>

#define NR_PORTS EVTCHN_2L_NR_CHANNELS
#define BITS_PER_WORD (sizeof(xen_ulong_t) * 8)
#define PORT_WORDS (NR_PORTS / BITS_PER_WORD)

/* The kernel's tables of ports, 32 KiB: allocated when the events start
 * (xen_evtchn_init, boot step 6, with the frame allocator up), not in the
 * image's BSS, which every other platform would carry unused (issue 18). */
struct port_tables {
    u8 vector[NR_PORTS];   /* 0: not bound by the kernel */
    bool stray_reported[NR_PORTS];
    /* The ports whose events each CPU handles: a port is in exactly one
     * set, vCPU 0's unless bound to another (so a port nobody bound is
     * reported there as stray). Changed only while the port is masked. */
    xen_ulong_t cpu_ports[MAX_CPUS][PORT_WORDS];
    /* IPI ports, per target CPU and vector; 0: none yet (port 0 is never
     * valid). Bound under ipi_lock, read without it. */
    evtchn_port_t ipi_port[MAX_CPUS][256];
};
static struct port_tables *pt;
static spinlock_t ipi_lock = SPINLOCK_INIT;
static volatile u32 ipi_cpus = 1;     /* CPUs an IPI may go to: vCPU 0 and those started */
/* The vector each VIRQ of each vCPU is bound to (0: none), to bind them
 * again in a domain restored from a save, where no channel survives. */
static u8 virq_vector[NR_VIRQS][MAX_CPUS];
u64 xen_upcalls, xen_stray_events;
BUILD_BUG_ON(MAX_CPUS > 32);          /* ipi_cpus */

/* Atomic bit operations on the shared bitmaps: Xen changes them from
 * other physical CPUs at any time (lock-prefixed BTS/BTR, SDM Vol. 2A). */
static inline void sync_set_bit(unsigned long nr, volatile xen_ulong_t *addr)
{
    __asm__ __volatile__("lock bts %1, %0" : "+m"(*addr) : "r"(nr) : "memory");
}

static inline void sync_clear_bit(unsigned long nr, volatile xen_ulong_t *addr)
{
    __asm__ __volatile__("lock btr %1, %0" : "+m"(*addr) : "r"(nr) : "memory");
}

static inline bool test_bit(unsigned long nr, const volatile xen_ulong_t *addr)
{
    return (addr[nr / BITS_PER_WORD] >> (nr % BITS_PER_WORD)) & 1;
}

/* Give `port` to `cpu`'s upcall (the port is masked meanwhile). */
static void port_set_cpu(evtchn_port_t port, unsigned cpu)
{
    for (unsigned c = 0; c < MAX_CPUS; c++)
        if (c != cpu)
            sync_clear_bit(port, pt->cpu_ports[c]);
    sync_set_bit(port, pt->cpu_ports[cpu]);
}

static int evtchn_op(unsigned cmd, void *arg, const char *what)
{
    long err = xen_hypercall(__HYPERVISOR_event_channel_op, cmd, arg, 0);
    if (err)
        printk("xen: event channel %s failed: %s (%ld)\n", what, xen_errno_name(err), err);
    return (int)err;
}

int xen_evtchn_bind_port(evtchn_port_t port, unsigned vector)
{
    if (port == 0 || port >= NR_PORTS || vector < 32 || vector > 255)
        return -EINVAL;
    pt->vector[port] = (u8)vector;
    return xen_evtchn_unmask(port);
}

/*T:560 What takes the place of routing a line to a vector. A virtual IRQ
 * (a source inside Xen: VIRQ_TIMER, dom0's VIRQ_CONSOLE, VIRQ_DEBUG;
 * xen/include/public/xen.h, VIRQ_*) is bound to a vCPU with
 * EVTCHNOP_bind_virq, and Xen answers with the port it chose. The kernel
 * then records which vector that port stands for (pt->vector[port]: the
 * kernel's own table, Xen knows nothing of vectors) and unmasks it. So
 * dom0's console input is VIRQ_CONSOLE -> some port -> VEC_CONSOLE_EVENT
 * (pv/xen/console.c), and each vCPU's timer VIRQ_TIMER -> a port of its
 * own -> VEC_TIMER, the vector the native APIC timer uses
 * (pv/xen/time.c). */
int xen_evtchn_bind_virq_cpu(unsigned virq, unsigned cpu, unsigned vector, evtchn_port_t *port)
{
    if (cpu >= MAX_CPUS)
        return -EINVAL;
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = cpu };
    long err = xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, &b, 0);
    if (err) {
        printk("xen: event channel bind_virq %u to vCPU %u failed: %s (%ld)\n", virq, cpu,
               xen_errno_name(err), err);
        return (int)err;
    }
    *port = b.port;
    if (virq < NR_VIRQS)
        virq_vector[virq][cpu] = (u8)vector;
    port_set_cpu(b.port, cpu);   /* a new port is masked */
    return xen_evtchn_bind_port(b.port, vector);
}

int xen_evtchn_bind_virq(unsigned virq, unsigned vector, evtchn_port_t *port)
{
    return xen_evtchn_bind_virq_cpu(virq, 0, vector, port);
}

/* An IPI port whose events go to vCPU `cpu` and run `vector` there. */
static int bind_ipi_to(unsigned cpu, unsigned vector, evtchn_port_t *port)
{
    struct evtchn_bind_ipi b = { .vcpu = cpu };
    long err = xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, &b, 0);
    if (err) {
        printk("xen: event channel bind_ipi to vCPU %u failed: %s (%ld)\n", cpu,
               xen_errno_name(err), err);
        return (int)err;
    }
    *port = b.port;
    port_set_cpu(b.port, cpu);   /* a new port is masked (xen_evtchn_init, close) */
    return xen_evtchn_bind_port(b.port, vector);
}

int xen_evtchn_bind_ipi(unsigned vector, evtchn_port_t *port)
{
    return bind_ipi_to(0, vector, port);
}

int xen_evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
    int err = evtchn_op(EVTCHNOP_alloc_unbound, &a, "alloc_unbound");
    if (!err)
        *port = a.port;
    return err;
}

int xen_evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = remote_port };
    int err = evtchn_op(EVTCHNOP_bind_interdomain, &b, "bind_interdomain");
    if (!err)
        *port = b.local_port;
    return err;
}

int xen_evtchn_close(evtchn_port_t port)
{
    if (port == 0 || port >= NR_PORTS)
        return -EINVAL;
    xen_evtchn_mask(port);
    struct evtchn_close c = { .port = port };
    int err = evtchn_op(EVTCHNOP_close, &c, "close");
    if (!err) {
        pt->vector[port] = 0;
        port_set_cpu(port, 0);   /* Xen's default for the next port made here */
    }
    return err;
}

/*T:890 Netfront's doorbell: one hypercall, event_channel_op with
 * EVTCHNOP_send (xen/include/public/event_channel.h). Xen finds the other
 * end the backend bound to this port, marks that port pending in dom0's
 * shared_info and upcalls a dom0 vCPU, where Linux runs netback's
 * interrupt handler, which reads the ring. Where virtio's doorbell is a
 * store that traps into an emulator, this is an explicit call into the
 * hypervisor, which passes the event to another guest; in both, nothing
 * but "look at the ring" is said. */
int xen_evtchn_send(evtchn_port_t port)
{
    struct evtchn_send s = { .port = port };
    return evtchn_op(EVTCHNOP_send, &s, "send");
}

void xen_evtchn_mask(evtchn_port_t port)
{
    if (port < NR_PORTS)
        sync_set_bit(port, xen_shared_info->evtchn_mask);
}

int xen_evtchn_unmask(evtchn_port_t port)
{
    if (port >= NR_PORTS)
        return -EINVAL;
    /* Xen clears the mask and, if the port is pending, raises it again:
     * the event is delivered, not lost. */
    struct evtchn_unmask u = { .port = port };
    return evtchn_op(EVTCHNOP_unmask, &u, "unmask");
}

void xen_evtchn_clear(evtchn_port_t port)
{
    if (port < NR_PORTS)
        sync_clear_bit(port, xen_shared_info->evtchn_pending);
}

unsigned xen_evtchn_vector(evtchn_port_t port)
{
    return port < NR_PORTS ? pt->vector[port] : 0;
}

unsigned xen_evtchn_nr_ports(void)
{
    return NR_PORTS;
}

bool xen_evtchn_masked(evtchn_port_t port)
{
    return port < NR_PORTS && test_bit(port, xen_shared_info->evtchn_mask);
}

bool xen_evtchn_pending(evtchn_port_t port)
{
    return port < NR_PORTS && test_bit(port, xen_shared_info->evtchn_pending);
}

/* An event on a port the kernel never bound: mask it so it cannot storm,
 * say so once, and go on. */
static void stray_event(evtchn_port_t port)
{
    xen_stray_events++;
    xen_evtchn_mask(port);
    if (!pt->stray_reported[port]) {
        pt->stray_reported[port] = true;
        printk("xen: event on port %u, which the kernel did not bind: masked and ignored\n",
               port);
    }
}

/*T:575 One port's event, and the end of the Xen PV path: its pending bit
 * cleared before the handler runs (that is the acknowledgement; an event
 * during the handler sets it again and is seen on the next pass), then the
 * same irq_dispatch native interrupts reach, with the vector the port was
 * bound to. The handler's apic_eoi is xen_evtchn_eoi, which does nothing.
 * An event on a port nobody bound is masked so it cannot repeat. */
static void handle_port(evtchn_port_t port)
{
    sync_clear_bit(port, xen_shared_info->evtchn_pending);
    if (pt->vector[port])
        irq_dispatch(pt->vector[port]);
    else
        stray_event(port);
}

/*T:570 The event callback, on the vCPU whose vcpu_info Xen marked: its own
 * selector, then its own ports among those pending and unmasked. A word is
 * 64 bits on x86_64 (4,096 ports), 32 on i386 (1,024 ports):
 *
 *   vcpu_info (this vCPU)                 shared_info (every vCPU's)
 *   evtchn_upcall_pending = 1
 *        |  set to 0 first: an event after this sets it again
 *        v
 *   evtchn_pending_sel, swapped for 0
 *        |  bit w set: word w of the bitmaps has news
 *        v
 *   evtchn_pending[w] & ~evtchn_mask[w] & cpu_ports[this vCPU][w]
 *        |  bit b set: port p = w * BITS_PER_WORD + b is pending,
 *        |  unmasked, and ours
 *        v
 *   handle_port(p): pending bit p cleared; pt->vector[p], say VEC_TIMER
 *        |
 *        v
 *   irq_dispatch(VEC_TIMER) -> timer_irq, the handler the APIC timer runs
 *
 * Clearing evtchn_upcall_pending before the selector is read is Xen's
 * rule (xen/include/public/xen.h, struct vcpu_info): an event that comes
 * after the read finds it clear, sets it again, and the outer loop goes
 * round once more. */
void xen_upcall(struct trap_frame *f)
{
    struct vcpu_info *v = xen_vcpu();
    volatile xen_ulong_t *pending = xen_shared_info->evtchn_pending;
    volatile xen_ulong_t *mask = xen_shared_info->evtchn_mask;
    const volatile xen_ulong_t *mine = pt->cpu_ports[xen_vcpu_id()];

    xen_upcalls++;
    while (READ_ONCE(v->evtchn_upcall_pending)) {
        WRITE_ONCE(v->evtchn_upcall_pending, 0);
        xen_ulong_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned w = (unsigned)__builtin_ctzl(sel);
            sel &= sel - 1;
            xen_ulong_t bits = pending[w] & ~mask[w] & mine[w];
            while (bits) {
                unsigned b = (unsigned)__builtin_ctzl(bits);
                bits &= bits - 1;
                handle_port(w * BITS_PER_WORD + b);
            }
        }
    }
    sched_preempt_point(f->flags & X86_EFLAGS_IF);
}

/* Any hypercall returns through Xen's check for pending events, which
 * enters the callback if the vCPU is unmasked; xen_version is the
 * cheapest (Linux's xen_force_evtchn_callback does the same). */
void xen_force_upcall(void)
{
    (void)xen_hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
}

static void print_thread(const struct thread_info *ti, void *ctx)
{
    printk("  thread %llu '%s' %s, %llu switches in\n", (unsigned long long)ti->id, ti->name,
           ti->state, (unsigned long long)ti->switches_in);
}

void xen_dump_state(const char *why)
{
    printk("xen: %s: %llu upcalls, %llu stray events, %llu timer interrupts; threads:\n",
           why, (unsigned long long)xen_upcalls, (unsigned long long)xen_stray_events,
           (unsigned long long)irq_counts[VEC_TIMER]);
    thread_for_each(print_thread, NULL);
}

static void debug_event(unsigned vector, void *ctx)
{
    xen_dump_state("VIRQ_DEBUG");
}

static int register_callback(unsigned type, void *entry)
{
    struct callback_register cb = { .type = (u16)type, .flags = CALLBACKF_mask_events };
#ifdef __x86_64__
    cb.address = (unsigned long)entry;   /* xen_callback_t: the address alone */
#else
    cb.address.cs = FLAT_KERNEL_CS;      /* xen_callback_t: a far pointer */
    cb.address.eip = (unsigned long)entry;
#endif
    long err = xen_hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, &cb, 0);
    if (err)
        printk("xen: registering callback %u failed: %s (%ld)\n", type, xen_errno_name(err), err);
    return (int)err;
}

/*T:555 Every port masked, so that only what the kernel binds gets through
 * (the mask bits are the guest's; Xen only reads them), all of them vCPU
 * 0's; the upcall and failsafe entries registered. The upcall entry is
 * the PV guest's one "interrupt vector": CALLBACKOP_register with
 * CALLBACKTYPE_event gives Xen the address it enters whenever an event is
 * pending for this vCPU and its evtchn_upcall_mask is clear. Xen sets
 * that mask as it enters, as an interrupt gate clears IF: always, for the
 * event callback (xen/include/public/callback.h says the
 * CALLBACKF_mask_events flag given here is ignored for this type). */
static int start_ports(void)
{
    for (unsigned w = 0; w < PORT_WORDS; w++) {
        xen_shared_info->evtchn_mask[w] = ~(xen_ulong_t)0;
        pt->cpu_ports[0][w] = ~(xen_ulong_t)0;
    }
    int err = register_callback(CALLBACKTYPE_event, xen_event_entry);
    if (!err)
        err = register_callback(CALLBACKTYPE_failsafe, xen_failsafe_entry);
    return err;
}

/* apic.init: every port masked, the upcall and failsafe entries, then
 * VIRQ_DEBUG (Xen's 'q' debug key sends it) to a handler that reports the
 * kernel's state. */
static PVOP_ABI int xen_evtchn_init(void)
{
    /* vCPU 0's vcpu_info into the kernel's memory, as every other's will
     * be before it starts (pv/xen/vcpu.c); where Xen refuses, the slot in
     * shared_info serves, said */
    xen_vcpu_info_register(0);
    pt = page_alloc_bytes(sizeof(*pt));   /* zeroed */
    if (!pt) {
        printk("xen: no %u pages for the event-channel tables\n", pages_for(sizeof(*pt)));
        return -ENOMEM;
    }
    int err = start_ports();
    if (err)
        return err;
    err = irq_register(VEC_DEBUG_REQUEST, debug_event, NULL, "xen VIRQ_DEBUG");
    evtchn_port_t port;
    if (!err)
        err = xen_evtchn_bind_virq(VIRQ_DEBUG, VEC_DEBUG_REQUEST, &port);
    return err;
}

static PVOP_ABI void xen_evtchn_eoi(unsigned vector)
{
}

static PVOP_ABI int xen_evtchn_route(unsigned isa_irq, unsigned vector)
{
    return -ENODEV;   /* a PV guest has no ISA interrupt lines */
}

static PVOP_ABI void xen_evtchn_mask_irq(unsigned isa_irq, bool masked)
{
    /* nothing to do: no line can have been routed (route_irq refuses) */
}

void xen_evtchn_cpu_running(unsigned cpu, bool running)
{
    if (cpu == 0 || cpu >= MAX_CPUS)
        return;
    if (running)
        __atomic_or_fetch(&ipi_cpus, 1u << cpu, __ATOMIC_RELEASE);
    else
        __atomic_and_fetch(&ipi_cpus, ~(1u << cpu), __ATOMIC_RELEASE);
}

/* The port for IPIs of `vector` to `cpu`, bound the first time one is
 * sent (by whichever CPU sends it: EVTCHNOP_bind_ipi names the target). */
static int ipi_port_of(unsigned cpu, unsigned vector, evtchn_port_t *port)
{
    *port = __atomic_load_n(&pt->ipi_port[cpu][vector], __ATOMIC_ACQUIRE);
    if (*port)
        return 0;
    unsigned long flags = spin_lock_irqsave(&ipi_lock);
    int err = 0;
    *port = pt->ipi_port[cpu][vector];
    if (!*port) {
        err = bind_ipi_to(cpu, vector, port);
        if (!err)
            __atomic_store_n(&pt->ipi_port[cpu][vector], *port, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&ipi_lock, flags);
    return err;
}

/* An IPI is an event on an IPI port of the target vCPU: one port per
 * target and vector. A vCPU the kernel did not start takes none. */
static PVOP_ABI int xen_evtchn_send_ipi(unsigned cpu, unsigned vector)
{
    if (cpu >= MAX_CPUS || !(__atomic_load_n(&ipi_cpus, __ATOMIC_ACQUIRE) & (1u << cpu)) ||
        vector < 32 || vector > 255)
        return -EINVAL;
    evtchn_port_t port;
    int err = ipi_port_of(cpu, vector, &port);
    return err ? err : xen_evtchn_send(port);
}

static PVOP_ABI u32 xen_evtchn_cpu_id(void)
{
    return xen_vcpu_id();
}

const struct pv_apic_ops xen_evtchn_ops = {
    .name = "xen-evtchn",
    .init = xen_evtchn_init,
    .eoi = xen_evtchn_eoi,
    .route_irq = xen_evtchn_route,
    .mask_irq = xen_evtchn_mask_irq,
    .send_ipi = xen_evtchn_send_ipi,
    .cpu_id = xen_evtchn_cpu_id,
};

/* The failsafe callback (pv/xen/<arch>/entry.S). */
void xen_failsafe(const unsigned long sel[4]);
void xen_failsafe(const unsigned long sel[4])
{
    static u64 count;
    if (count++ == 0)
        printk("xen: failsafe callback: segment registers ds=%lx es=%lx fs=%lx gs=%lx could "
               "not be reloaded; each that still cannot is made null\n", sel[0] & 0xffff,
               sel[1] & 0xffff, sel[2] & 0xffff, sel[3] & 0xffff);
}

/* After a restore (pv/xen/suspend.c): the new domain has only the
 * channels the toolstack made (console, xenstore: their owners bind the
 * ports start_info now names). Every port starts masked again, IPI ports
 * are bound anew on first use, and each VIRQ is bound again to its vector. */
int xen_events_resume(void)
{
    memset(pt, 0, sizeof(*pt));
    int err = start_ports();
    for (unsigned virq = 0; virq < NR_VIRQS && !err; virq++)
        for (unsigned cpu = 0; cpu < MAX_CPUS && !err; cpu++)
            if (virq_vector[virq][cpu]) {
                evtchn_port_t port;
                err = xen_evtchn_bind_virq_cpu(virq, cpu, virq_vector[virq][cpu], &port);
            }
    return err;
}
