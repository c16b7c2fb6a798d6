/*T:715
 * Native vCPU ops: the CPUs the MADT lists, started with INIT-SIPI-SIPI.
 *
 * count: the boot CPU, then every enabled processor in the MADT's order
 * (local APIC and x2APIC entries, ACPI 6.5, 5.2.12.2 and 5.2.12.12);
 * without a MADT or a local APIC, one CPU. Online-capable entries
 * (hot-plug) are not started and are said once.
 *
 * start: the trampoline (arch/x86/boot/ap_trampoline.S) copied to a page
 * below 1 MiB, the boot CPU's CR0, CR3, CR4 and EFER and the stack and
 * entry left in that page, then INIT, 10 ms, STARTUP with the page's
 * number, and a second STARTUP after 200 us if the CPU has not answered
 * (SDM Vol. 3A, 9.4.4.1, "Typical BSP Initialization Sequence", in the
 * edition whose APIC chapter is 11, as cited here; 8.4.4.1 where the APIC
 * is chapter 10, 11.4.4.1 in the newest; and 11.6.1 for the ICR). The CPU
 * sets AP_BOOT_ALIVE in the page once its paging is on, and `entered`
 * once it runs kernel code and has read what it needs: only then is the
 * page (and `starting`) the next CPU's. Both waits are bounded; a CPU that
 * misses them is reported by which step it did not reach.
 *
 * On the started CPU, native_ap_entry loads its own GDT and TSS, the
 * per-CPU segment, the IDT, its local APIC and the FPU set-up, and calls
 * the kernel's entry (include/proteus/pvops.h, struct pv_vcpu_ops).
 */
#include "native.h"
#include <arch/ap_boot.h>
#include <arch/paging.h>
#include <arch/cpu.h>
#include <arch/x86.h>
#include <drivers/lapic.h>
#include <drivers/madt.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/string.h>
#include <proteus/timekeeping.h>
#include <proteus/vm.h>

extern const u8 ap_trampoline_start[], ap_trampoline_32[], ap_trampoline_64[],
    ap_trampoline_end[];

/* The kernel's CPU numbers to APIC ids: 0 is the boot CPU. */
static u32 apic_ids[MAX_CPUS];
static unsigned ncpus;
static bool counted;

/* Deadlines for a CPU to answer: generous under TCG on a loaded host. */
#define INIT_DELAY_NS 10000000ULL    /* 10 ms after INIT (SDM 9.4.4.1) */
#define SIPI_DELAY_NS 200000ULL      /* 200 us between the two STARTUPs */
#define ALIVE_DEADLINE_NS 1000000000ULL

int native_cpu_apic_id(unsigned cpu, u32 *apic_id)
{
    if (cpu == 0 && !ncpus) {
        *apic_id = lapic_id();
        return 0;
    }
    if (cpu >= ncpus)
        return -EINVAL;
    *apic_id = apic_ids[cpu];
    return 0;
}

static PVOP_ABI unsigned native_vcpu_count(void)
{
    if (counted)
        return ncpus;
    counted = true;
    ncpus = 1;
    const struct madt_info *m = native_madt();
    if (!lapic_ready() || !m || !m->n_cpus) {
        pr_info("smp: %s: one CPU\n", !lapic_ready() ? "no local APIC to start others with"
                                       : !m ? "no MADT (no ACPI) to list the CPUs"
                                            : "the MADT lists no enabled CPU");
        return ncpus;
    }
    apic_ids[0] = lapic_id();
    bool boot_listed = false;
    for (unsigned i = 0; i < m->n_cpus; i++) {
        if (m->cpu[i].apic_id == apic_ids[0]) {
            boot_listed = true;
            continue;
        }
        if (ncpus < MAX_CPUS)
            apic_ids[ncpus] = m->cpu[i].apic_id;
        ncpus++;
    }
    if (!boot_listed) {
        printk("smp: the MADT does not list the boot CPU (APIC id %u): its other entries "
               "are not trusted, one CPU\n", apic_ids[0]);
        ncpus = 1;
    }
    if (m->cpus_beyond)
        printk("smp: the MADT lists %u more enabled CPUs than are read (%u): they stay off\n",
               m->cpus_beyond, MADT_MAX_CPUS);
    if (m->cpus_hotplug)
        pr_info("smp: %u CPU(s) could be hot-added later (online-capable): not supported\n",
                m->cpus_hotplug);
    /* the count may exceed MAX_CPUS: kernel/smp.c caps it and says so */
    return ncpus;
}

static void wait_ns(u64 ns)
{
    u64 end = clock_ns() + ns;
    while (clock_ns() < end)
        __asm__ __volatile__("pause");
}

/* The started CPU, once paging is on (from the trampoline), on the stack
 * the kernel gave it. */
static const struct vcpu_start_info *starting;
static volatile u32 entered;   /* the number of the CPU that left the trampoline */
void native_ap_entry(unsigned cpu);
/*T:735 The started CPU's first C, reached from the trampoline with paging
 * on, interrupts off, on the stack smp_init gave it, the page-table root
 * the boot CPU's. It first says it has read `starting` (the boot CPU may
 * then reuse the page and the variable for the next CPU), then does what
 * vcpu.start promises: its own GDT, TSS, per-CPU segment, the shared IDT
 * and the FPU (cpu_ap_init), its local APIC, which only it can enable,
 * and its APIC timer in the mode the boot CPU chose, so that kernel/timer.c
 * can arm a timer here. Then the kernel's entry, smp_ap_main. */
void native_ap_entry(unsigned cpu)
{
    const struct vcpu_start_info *info = starting;
    __atomic_store_n(&entered, cpu, __ATOMIC_RELEASE);
    cpu_ap_init(cpu);
    int err = lapic_init_this_cpu();
    if (err)
        panic("smp: CPU %u's local APIC did not start: %s (%d)", cpu, errno_name(err), err);
    err = lapic_timer_init_this_cpu();   /* its own one-shot timer (kernel/timer.c) */
    if (err)
        panic("smp: CPU %u's local APIC timer did not start: %s (%d)", cpu, errno_name(err), err);
    info->entry(info->arg);
    panic("smp: CPU %u returned from the kernel's entry", cpu);
}

static paddr_t tramp_pa;

/* The trampoline's page, once: a free frame below 1 MiB (a STARTUP vector
 * is a page number under 0x100). */
static int trampoline_page(void)
{
    if (tramp_pa)
        return 0;
    size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);
    BUILD_BUG_ON(AP_BOOT_GDT + 4 * 8 > PAGE_SIZE);
    if (len > AP_BOOT_CR0) {
        printk("smp: the trampoline (%zu bytes) runs into its data at 0x%x\n", len, AP_BOOT_CR0);
        return -ENOSPC;
    }
    tramp_pa = page_alloc_below(0x100000);
    if (!tramp_pa) {
        printk("smp: no free page below 1 MiB for the start-up trampoline\n");
        return -ENOMEM;
    }
    return 0;
}

static void put32(u8 *page, unsigned off, u32 v)
{
    memcpy(page + off, &v, 4);
}

static void put64(u8 *page, unsigned off, u64 v)
{
    memcpy(page + off, &v, 8);
}

/*T:725 The page as the CPU must find it: code, far pointers, GDT, state
 * (the layout is arch/x86/include/arch/ap_boot.h). The CPU cannot use the
 * kernel's GDT or reach any address above 1 MiB until paging is on, so
 * everything it needs before that is in this one page: the boot CPU's
 * control registers (TS cleared: the FPU is usable at once), and a
 * three-entry flat GDT for the mode switches. The root it loads is
 * vm_cpu_root(cpu): on PAE a copy of the four PDPTEs of its own, clean of
 * the bits a CR3 load refuses (docs/smp.md). A 32-bit mov to CR3 is all
 * the trampoline has, so the root must lie below 4 GiB. */
static int fill_trampoline(unsigned cpu, const struct vcpu_start_info *info)
{
    u8 *page = phys_to_virt(tramp_pa);
    paddr_t cr3 = vm_cpu_root(cpu);
    if (cr3 >= 0x100000000ULL) {
        printk("smp: the page-table root 0x%llx lies above 4 GiB, where a starting CPU cannot "
               "load it\n", (unsigned long long)cr3);
        return -ERANGE;
    }
    u64 efer = 0;
    if (cpu_features.nx || IS_ENABLED(CONFIG_64BIT)) {
        int err = rdmsr_safe(MSR_EFER, &efer);
        if (err) {
            printk("smp: reading IA32_EFER (MSR 0x%x) failed: %s\n", MSR_EFER, errno_name(err));
            return err;
        }
    }
    memset(page, 0, PAGE_SIZE);
    memcpy(page, ap_trampoline_start, (size_t)(ap_trampoline_end - ap_trampoline_start));
    u32 base = (u32)tramp_pa;
    put32(page, AP_BOOT_CR0, (u32)read_cr0() & ~X86_CR0_TS);
    put32(page, AP_BOOT_CR3, (u32)cr3);
    put32(page, AP_BOOT_CR4, (u32)read_cr4());
    put32(page, AP_BOOT_EFER, (u32)efer & ~EFER_LMA);   /* LMA is the CPU's to set */
    put64(page, AP_BOOT_STACK, (uintptr_t)info->stack_top);
    put64(page, AP_BOOT_ENTRY, (uintptr_t)native_ap_entry);
    put32(page, AP_BOOT_CPU, cpu);
    put32(page, AP_BOOT_ALIVE, 0);
    put32(page, AP_BOOT_FAR32, base + (u32)(ap_trampoline_32 - ap_trampoline_start));
    put32(page, AP_BOOT_FAR32 + 4, AP_BOOT_SEL_CODE32);
    put32(page, AP_BOOT_FAR64, base + (u32)(ap_trampoline_64 - ap_trampoline_start));
    put32(page, AP_BOOT_FAR64 + 4, AP_BOOT_SEL_CODE64);
    u16 limit = 4 * 8 - 1;
    memcpy(page + AP_BOOT_GDTR, &limit, 2);
    put32(page, AP_BOOT_GDTR + 2, base + AP_BOOT_GDT);
    /* flat 4 GiB segments, SDM Vol. 3A, 3.4.5: code32, data, code64 (L) */
    put64(page, AP_BOOT_GDT + AP_BOOT_SEL_CODE32, 0x00cf9a000000ffffULL);
    put64(page, AP_BOOT_GDT + AP_BOOT_SEL_DATA, 0x00cf92000000ffffULL);
    put64(page, AP_BOOT_GDT + AP_BOOT_SEL_CODE64, 0x00af9a000000ffffULL);
    return 0;
}

static bool alive(void)
{
    return __atomic_load_n((volatile u32 *)((u8 *)phys_to_virt(tramp_pa) + AP_BOOT_ALIVE),
                           __ATOMIC_ACQUIRE) != 0;
}

static bool left_trampoline(unsigned cpu)
{
    return __atomic_load_n(&entered, __ATOMIC_ACQUIRE) == cpu;
}

/*T:720 vcpu.start natively, one CPU, on the boot CPU:
 *
 *   boot CPU                                    CPU n (waiting since reset)
 *   fill the trampoline page below 1 MiB:
 *     code, CR0/CR3/CR4/EFER, stack, entry,
 *     n, a GDT, far pointers (fill_trampoline)
 *   make the page executable
 *   ICR: INIT to n's APIC id ----------------> reset to wait-for-SIPI
 *   wait 10 ms
 *   ICR: STARTUP, vector = page >> 12 -------> real mode, CS:IP = page:0
 *   wait 200 us; AP_BOOT_ALIVE still 0?        ap_trampoline.S: protected
 *     STARTUP again                            mode, CR4, EFER, CR3, CR0.PG
 *                                              (x86_64: far jump to long mode)
 *                                <------------ AP_BOOT_ALIVE += 1
 *   spin until `entered` == n, at most 1 s     native_ap_entry(n):
 *                                <------------ entered = n
 *   page not executable again; return 0        cpu_ap_init, local APIC, timer
 *   (smp_init then waits for online)           smp_ap_main(n)
 *
 * A CPU that misses the second wait is reported by the step it reached
 * (ALIVE set or not), and the page is left to it. */
static PVOP_ABI int native_vcpu_start(unsigned cpu, const struct vcpu_start_info *info)
{
    if (!counted)
        native_vcpu_count();
    if (cpu == 0 || cpu >= ncpus || cpu >= MAX_CPUS)
        return -EINVAL;
    int err = trampoline_page();
    if (!err)
        err = fill_trampoline(cpu, info);
    if (err)
        return err;
    /* The trampoline runs from the direct map's identity pages, which are
     * not executable: for the start only. */
    err = vm_protect(tramp_pa, PAGE_SIZE, VM_READ | VM_WRITE | VM_EXEC);
    if (err) {
        printk("smp: making the trampoline page executable failed: %s (%d)\n", errno_name(err),
               err);
        return err;
    }
    starting = info;
    __atomic_store_n(&entered, 0, __ATOMIC_RELEASE);
    u32 dest = apic_ids[cpu];
    u32 vector = (u32)(tramp_pa >> 12);
    err = lapic_send(dest, ICR_DM_INIT | ICR_ASSERT);
    if (!err) {
        wait_ns(INIT_DELAY_NS);
        err = lapic_send(dest, ICR_DM_STARTUP | ICR_ASSERT | vector);
    }
    if (!err) {
        wait_ns(SIPI_DELAY_NS);
        if (!alive())
            err = lapic_send(dest, ICR_DM_STARTUP | ICR_ASSERT | vector);
    }
    u64 deadline = clock_ns() + ALIVE_DEADLINE_NS;
    while (!err && !left_trampoline(cpu) && clock_ns() < deadline)
        __asm__ __volatile__("pause");
    if (!err && !left_trampoline(cpu)) {
        printk("smp: CPU %u (APIC id %u) %s within %llu ms\n", cpu, dest,
               alive() ? "turned paging on but did not reach the kernel"
                       : "did not answer INIT-SIPI-SIPI",
               ALIVE_DEADLINE_NS / 1000000);
        /* it may still be running the page: leave it to it */
        tramp_pa = 0;
        return -ETIMEDOUT;
    }
    int perr = vm_protect(tramp_pa, PAGE_SIZE, VM_READ | VM_WRITE);
    if (perr)
        panic("smp: the trampoline page cannot be made non-executable again: %s (%d)",
              errno_name(perr), perr);
    return err;
}

const struct pv_vcpu_ops native_vcpu_ops = {
    .name = "native",
    .count = native_vcpu_count,
    .start = native_vcpu_start,
};
