/*
 * Tests of what only the xen-pv personality does: event channels (an IPI
 * to itself and to each other vCPU, masking, clearing, an event on a port
 * nobody bound), the rule that page tables and descriptor tables are
 * never writable, and batched page-table updates. Elsewhere each says SKIP.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu_gdt.h>
#include <proteus/ldt.h>
#include <proteus/percpu.h>
#include <proteus/smp.h>
#include <proteus/vm.h>
#include <pv/xen.h>
#include <xen/io/console.h>
#include "selftest.h"

#define TEST_VECTOR 0x70

static volatile unsigned events_seen;

static void count_event(unsigned vector, void *ctx)
{
    events_seen++;
}

static bool not_xen(void)
{
    if (!on_xen_pv())
        test_skip("not a Xen PV guest");
    return !on_xen_pv();
}

/* An IPI to this vCPU: an event on an IPI port, run as its vector. */
static void test_ipi(void)
{
    if (not_xen())
        return;
    CHECK(irq_register(TEST_VECTOR, count_event, NULL, "selftest") == 0, "vector taken");
    events_seen = 0;
    int err = apic_send_ipi(0, TEST_VECTOR);
    for (int i = 0; i < 1000 && !events_seen; i++)
        __asm__ __volatile__("pause");
    irq_unregister(TEST_VECTOR);
    CHECK(err == 0, "apic_send_ipi failed: %d", err);
    CHECK(events_seen == 1, "the IPI ran its handler %u times", events_seen);
    unsigned idle = 1;   /* the first vCPU the kernel did not start (it may exist: maxcpus=) */
    while (idle < MAX_CPUS && smp_cpu_online(idle))
        idle++;
    CHECK(apic_send_ipi(idle, TEST_VECTOR) < 0, "an IPI to vCPU %u, which does not run, was "
          "accepted", idle);
    test_pass();
}

/* An IPI to each other vCPU runs its vector there, once: the port is bound
 * to that vCPU, and no other vCPU's upcall takes its event. */
static volatile unsigned ran_on[MAX_CPUS];

static void count_cpu(unsigned vector, void *ctx)
{
    __atomic_add_fetch(&ran_on[smp_this_cpu()], 1, __ATOMIC_RELAXED);
}

static void test_ipi_each_vcpu(void)
{
    if (not_xen())
        return;
    unsigned n = smp_cpus_online();
    if (n < 2) {
        test_skip("one vCPU online");
        return;
    }
    CHECK(irq_register(TEST_VECTOR, count_cpu, NULL, "selftest") == 0, "vector taken");
    memset((void *)ran_on, 0, sizeof(ran_on));
    int err = 0;
    unsigned bad = 0;
    for (unsigned cpu = 1; cpu < MAX_CPUS && !err; cpu++) {
        if (!smp_cpu_online(cpu))
            continue;
        err = apic_send_ipi(cpu, TEST_VECTOR);
        for (u64 end = clock_ns() + 1000000000; !err && !ran_on[cpu] && clock_ns() < end;)
            __asm__ __volatile__("pause");
        bad = cpu;
    }
    for (u64 end = clock_ns() + 10000000; clock_ns() < end;)   /* time for a stray second run */
        __asm__ __volatile__("pause");
    irq_unregister(TEST_VECTOR);
    CHECK(err == 0, "apic_send_ipi(%u) failed: %d", bad, err);
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        CHECK(ran_on[cpu] == (cpu != 0 && smp_cpu_online(cpu)),
              "vCPU %u ran the IPI's handler %u times", cpu, ran_on[cpu]);
    test_pass();
}

/* A masked port keeps its event pending; unmasking delivers it once. */
/* Every running vCPU's vcpu_info is in the kernel's memory
 * (VCPUOP_register_vcpu_info), where Xen now marks its events and keeps
 * its pvclock: the other xen.* and smp.* cases run on them. */
static void test_vcpu_info_registered(void)
{
    if (!on_xen_pv()) {
        test_skip("not a Xen PV guest");
        return;
    }
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        CHECK(!smp_cpu_online(cpu) || xen_vcpu_info_registered(cpu),
              "vCPU %u runs on its shared_info slot (registration refused or not made)", cpu);
    test_pass();
}

static void test_mask_unmask(void)
{
    if (not_xen())
        return;
    evtchn_port_t port;
    CHECK(irq_register(TEST_VECTOR + 1, count_event, NULL, "selftest") == 0, "vector taken");
    CHECK(xen_evtchn_bind_ipi(TEST_VECTOR + 1, &port) == 0, "bind_ipi failed");
    events_seen = 0;
    xen_evtchn_mask(port);
    int err = xen_evtchn_send(port);
    bool pending = xen_evtchn_pending(port);
    unsigned while_masked = events_seen;
    int uerr = xen_evtchn_unmask(port);
    unsigned after = events_seen;
    xen_evtchn_close(port);
    irq_unregister(TEST_VECTOR + 1);
    CHECK(err == 0 && uerr == 0, "send %d, unmask %d", err, uerr);
    CHECK(pending, "the event on a masked port is not pending");
    CHECK(while_masked == 0, "the handler ran %u times while the port was masked", while_masked);
    CHECK(after == 1, "unmasking delivered the pending event %u times", after);
    test_pass();
}

/* Clearing a pending event on a masked port drops it. */
static void test_clear(void)
{
    if (not_xen())
        return;
    evtchn_port_t port;
    CHECK(irq_register(TEST_VECTOR + 2, count_event, NULL, "selftest") == 0, "vector taken");
    CHECK(xen_evtchn_bind_ipi(TEST_VECTOR + 2, &port) == 0, "bind_ipi failed");
    events_seen = 0;
    xen_evtchn_mask(port);
    xen_evtchn_send(port);
    xen_evtchn_clear(port);
    bool pending = xen_evtchn_pending(port);
    xen_evtchn_unmask(port);
    unsigned seen = events_seen;
    xen_evtchn_close(port);
    irq_unregister(TEST_VECTOR + 2);
    CHECK(!pending, "the event is still pending after clear");
    CHECK(seen == 0, "a cleared event ran its handler %u times", seen);
    test_pass();
}

/* An event on a port the kernel never bound (here the far end of a
 * loopback channel made behind its back): counted, masked, survived. */
static void test_stray_event(void)
{
    if (not_xen())
        return;
    evtchn_port_t a, b;
    long err = xen_evtchn_alloc_unbound(DOMID_SELF, &a);
    CHECK(err == 0, "alloc_unbound failed: %ld", err);
    err = xen_evtchn_bind_interdomain(DOMID_SELF, a, &b);
    CHECK(err == 0, "bind_interdomain failed: %ld", err);
    u64 before = xen_stray_events;
    xen_evtchn_unmask(a);   /* ports the kernel did not bind start masked */
    xen_evtchn_send(b);
    for (int i = 0; i < 1000 && xen_stray_events == before; i++)
        __asm__ __volatile__("pause");
    bool masked = (xen_shared_info->evtchn_mask[a / (sizeof(xen_ulong_t) * 8)] >>
                   (a % (sizeof(xen_ulong_t) * 8))) & 1;
    xen_evtchn_close(b);
    xen_evtchn_close(a);
    CHECK(xen_stray_events == before + 1, "%llu stray events counted, expected 1",
          (unsigned long long)(xen_stray_events - before));
    CHECK(masked, "the stray port was left unmasked");
    test_pass();
}

static bool writable(const void *va)
{
    uint64_t e;
    return vm_translate((vaddr_t)va, NULL, &e, NULL) == 0 && (e & PTE_W);
}

/* Every page-table page on the walk to a kernel address, the GDT and an
 * LDT page are mapped read-only (Xen's public xen.h, "MMU_*", and
 * xen/arch/x86/pv/descriptor-tables.c). */
static void test_tables_readonly(void)
{
    if (not_xen())
        return;
    static int probe;
    struct vm_walk_step steps[4];
    int n = vm_walk((vaddr_t)&probe, steps);
    CHECK(n >= 3, "the walk to a kernel address has %d levels", n);
    for (int i = 0; i < n; i++)
        CHECK(!writable(phys_to_virt(steps[i].table)), "the level-%d table at 0x%llx is writable",
              steps[i].level, (unsigned long long)steps[i].table);
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
        CHECK(!smp_cpu_online(cpu) || !writable(cpu_gdt(cpu)), "CPU %u's GDT is writable", cpu);
    struct ldt_info in = { .entry = 5, .limit = 0xfff, .seg_32bit = true };
    in.base = (uint32_t)VM_HEAP_BASE;
    CHECK(ldt_set(&in) == 0, "installing an LDT entry failed");
    const void *ldt = ldt_current_table();
    bool ldt_rw = ldt && writable(ldt);
    ldt_clear(5);
    CHECK(ldt != NULL, "no LDT after ldt_set");
    CHECK(!ldt_rw, "the LDT page is writable");
    test_pass();
}

/* Map 1,000 pages in one lazy section, batched and then one hypercall per
 * update, and count the page-table hypercalls of each. */
#define MAP_PAGES 1000
static paddr_t frames[MAP_PAGES];

static int map_all(vaddr_t va, u64 *calls)
{
    u64 before = xen_mmu_hypercalls;
    int err = 0;
    mmu_lazy_enter();
    for (unsigned i = 0; i < MAP_PAGES && !err; i++)
        err = vm_map(va + i * PAGE_SIZE, frames[i], PAGE_SIZE, VM_READ | VM_WRITE);
    mmu_lazy_leave();
    *calls = xen_mmu_hypercalls - before;
    for (unsigned i = 0; i < MAP_PAGES && !err; i++)
        *(volatile uint32_t *)(va + i * PAGE_SIZE) = i;
    for (unsigned i = 0; i < MAP_PAGES && !err; i++)
        if (*(volatile uint32_t *)phys_to_virt(frames[i]) != i)
            err = -1;
    vm_unmap(va, MAP_PAGES * PAGE_SIZE);
    return err;
}

static void test_batching(void)
{
    if (not_xen())
        return;
    unsigned got = 0;
    while (got < MAP_PAGES && (frames[got] = page_alloc(PAGE_DIRECT)))
        got++;
    if (got < MAP_PAGES) {
        while (got)
            page_free(frames[--got]);
        test_fail("no memory for %u frames", MAP_PAGES);
        return;
    }
    vaddr_t va = VM_MMIO_END - 16 * 1024 * 1024;   /* unused: MMIO grows up from the base */
    u64 batched, unbatched;
    int err = map_all(va, &batched);
    xen_mmu_set_batching(false);
    int err2 = map_all(va, &unbatched);
    xen_mmu_set_batching(true);
    for (unsigned i = 0; i < MAP_PAGES; i++)
        page_free(frames[i]);
    CHECK(err == 0 && err2 == 0, "mapping failed or reached the wrong frames (%d, %d)", err, err2);
    printf("selftest: 1000 page mappings: %llu hypercalls batched, %llu unbatched\n",
           (unsigned long long)batched, (unsigned long long)unbatched);
    CHECK(batched <= 40, "%llu hypercalls for 1000 batched mappings", (unsigned long long)batched);
    CHECK(unbatched >= MAP_PAGES, "only %llu hypercalls for 1000 unbatched mappings",
          (unsigned long long)unbatched);
    test_pass();
}

/* While vCPU 0 is inside a lazy section, and so holds the one queue of
 * page-table updates, another vCPU's mappings go straight to Xen: usable
 * as soon as vm_map returns there, and nothing of them left in vCPU 0's
 * queue. vCPU 0 unmaps them afterwards: an unmap there would wait for a
 * TLB shootdown on vCPU 0, which is waiting for the call with events
 * masked. */
#define OTHER_PAGES 16
#define OTHER_VA (VM_MMIO_END - 32 * 1024 * 1024)   /* unused, apart from test_batching's */
static struct {
    paddr_t frames[OTHER_PAGES];
    int err;
    u64 calls;
} other;

static void map_on_other_vcpu(void *arg)
{
    vaddr_t va = OTHER_VA;
    u64 before = xen_mmu_hypercalls;
    other.err = 0;
    for (unsigned i = 0; i < OTHER_PAGES && !other.err; i++)
        other.err = vm_map(va + i * PAGE_SIZE, other.frames[i], PAGE_SIZE, VM_READ | VM_WRITE);
    other.calls = xen_mmu_hypercalls - before;
    for (unsigned i = 0; i < OTHER_PAGES && !other.err; i++) {
        *(volatile uint32_t *)(va + i * PAGE_SIZE) = 0x5eed0000 + i;
        if (*(volatile uint32_t *)phys_to_virt(other.frames[i]) != 0x5eed0000 + i)
            other.err = -1;
    }
}

static void test_lazy_other_vcpu(void)
{
    if (not_xen())
        return;
    if (!smp_cpu_online(1)) {
        test_skip("one vCPU online");
        return;
    }
    unsigned got = 0;
    while (got < OTHER_PAGES && (other.frames[got] = page_alloc(PAGE_DIRECT)))
        got++;
    int err = got < OTHER_PAGES ? -ENOMEM : 0;
    other.err = 1;
    if (!err) {
        mmu_lazy_enter();
        err = smp_call_on(1, map_on_other_vcpu, NULL, 2000000000ULL);
        mmu_lazy_leave();
        vm_unmap(OTHER_VA, OTHER_PAGES * PAGE_SIZE);
    }
    while (got)
        page_free(other.frames[--got]);
    CHECK(err == 0, "no frames, or the call to vCPU 1 failed (%d)", err);
    CHECK(other.err == 0, "vCPU 1's mappings failed or reached the wrong frames (%d)", other.err);
    CHECK(other.calls >= OTHER_PAGES, "vCPU 1's %u mappings took %llu page-table hypercalls: "
          "queued behind vCPU 0's lazy section?", OTHER_PAGES, (unsigned long long)other.calls);
    test_pass();
}

/* The domU console (the ring ops) against a backend simulated here: a
 * ring page of our own, and a loopback event channel whose far end stands
 * for xenconsoled's. Output must land in the ring and notify the backend;
 * input the backend puts there must be read, and notify it again. */
static volatile unsigned backend_kicks;

static void backend_event(unsigned vector, void *ctx)
{
    backend_kicks++;
}

static void test_console_ring(void)
{
    if (not_xen())
        return;
    static struct xencons_interface page __attribute__((aligned(4096)));
    memset(&page, 0, sizeof(page));
    evtchn_port_t a, b;
    CHECK(xen_evtchn_alloc_unbound(DOMID_SELF, &a) == 0, "alloc_unbound failed");
    CHECK(xen_evtchn_bind_interdomain(DOMID_SELF, a, &b) == 0,
          "bind_interdomain failed");
    CHECK(irq_register(TEST_VECTOR + 3, backend_event, NULL, "selftest backend") == 0,
          "vector taken");
    xen_evtchn_bind_port(b, TEST_VECTOR + 3);
    backend_kicks = 0;

    /* Under a domU the ring is the real console: it is put back before
     * anything is reported (the verdicts, the summary line). */
    struct xen_console_ring_saved real;
    xen_console_ring_attach(&page, a, &real);
    xen_console_ring_ops.write("to dom0\n", 8);
    unsigned kicks_out = backend_kicks;
    page.in[0] = 'h';
    page.in[1] = 'i';
    page.in_prod = 2;
    char buf[8] = { 0 };
    int n = xen_console_ring_ops.read(buf, sizeof(buf));
    unsigned kicks_in = backend_kicks - kicks_out;
    xen_console_ring_restore(&real);

    xen_evtchn_close(b);
    xen_evtchn_close(a);
    irq_unregister(TEST_VECTOR + 3);
    CHECK(page.out_prod == 8 && !memcmp((const char *)page.out, "to dom0\n", 8),
          "the ring holds %u bytes of output", page.out_prod);
    CHECK(kicks_out >= 1, "writing did not notify the backend");
    CHECK(n == 2 && buf[0] == 'h' && buf[1] == 'i', "read %d bytes of input", n);
    CHECK(page.in_cons == 2, "in_cons is %u after reading 2 bytes", page.in_cons);
    CHECK(kicks_in >= 1, "reading did not notify the backend");
    test_pass();
}

/* The same ring with indices the backend corrupted: a producer more than
 * the ring's size ahead of its consumer. Output must stop (the ring is
 * marked broken, nothing written past it), input must be dropped
 * (in_cons = in_prod), and the real console come back unharmed. */
static void test_console_ring_corrupt(void)
{
    if (not_xen())
        return;
    static struct xencons_interface page __attribute__((aligned(4096)));
    memset(&page, 0, sizeof(page));
    page.out_prod = 100;
    page.out_cons = 100 + 5;   /* prod - cons wraps to nearly 2^32 */
    page.in_cons = 7;
    page.in_prod = 7 + sizeof(page.in) + 1;
    evtchn_port_t a, b;
    CHECK(xen_evtchn_alloc_unbound(DOMID_SELF, &a) == 0, "alloc_unbound failed");
    CHECK(xen_evtchn_bind_interdomain(DOMID_SELF, a, &b) == 0, "bind_interdomain failed");

    struct xen_console_ring_saved real, test_state;
    xen_console_ring_attach(&page, a, &real);
    char buf[8];
    int n = xen_console_ring_ops.read(buf, sizeof(buf));   /* before the write breaks it */
    xen_console_ring_ops.write("lost\n", 5);
    /* attach again only to read back the test ring's state */
    xen_console_ring_attach(&page, a, &test_state);
    xen_console_ring_restore(&real);

    xen_evtchn_close(b);
    xen_evtchn_close(a);
    CHECK(test_state.broken, "a ring with out_prod - out_cons > its size was not refused");
    CHECK(page.out_prod == 100 && page.out[100 % sizeof(page.out)] == 0,
          "output was written into the corrupt ring (out_prod %u)", page.out_prod);
    CHECK(n == 0, "read %d bytes from a corrupt input ring", n);
    CHECK(page.in_cons == page.in_prod, "the corrupt input was not dropped (cons %u, prod %u)",
          page.in_cons, page.in_prod);
    printf("selftest: the real console is back after a corrupt ring\n");
    test_pass();
}

const struct test_case xen_tests[] = {
    { "xen.ipi", test_ipi },
    { "xen.ipi_each_vcpu", test_ipi_each_vcpu },
    { "xen.vcpu_info_registered", test_vcpu_info_registered },
    { "xen.evtchn_mask_unmask", test_mask_unmask },
    { "xen.evtchn_clear", test_clear },
    { "xen.stray_event", test_stray_event },
    { "xen.tables_readonly", test_tables_readonly },
    { "xen.batched_mappings", test_batching },
    { "xen.lazy_mmu_other_vcpu", test_lazy_other_vcpu },
    { "xen.console_ring", test_console_ring },
    { "xen.console_ring_corrupt", test_console_ring_corrupt },
    { NULL, NULL },
};
