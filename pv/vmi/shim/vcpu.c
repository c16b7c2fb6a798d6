/*T:775
 * vmi-native's vcpu calls: the CPUs the ACPI MADT lists, started with
 * INIT-SIPI-SIPI (SDM Vol. 3A, 8.4.4.1 in the older edition the shim's
 * APIC comments follow; 9.4.4.1 where the APIC is chapter 11) into the state the kernel
 * describes (ABI 1.2's VCPU_START_AP, pv/vmi/abi.h).
 *
 * VCPU_COUNT: this CPU, then every enabled processor of the MADT in table
 * order (acpi.c), numbered 0..n-1 as the kernel numbers them; APIC_SEND_IPI
 * and VCPU_START_AP map a number to its APIC id here. No MADT, or one that
 * does not list this CPU: one CPU. A kernel older than 1.2 has no call to
 * start the others with, and is offered one.
 *
 * VCPU_START_AP: a STARTUP IPI starts a CPU in real mode at a page below
 * 1 MiB; the kernel wants it in its own paging mode, on its own page
 * tables, at its entry. The trampoline (ap_start.S), copied to a page the
 * kernel gives (alloc_page: it lies at its own address in the kernel's
 * tables), enters protected mode and turns paging on with the calling
 * CPU's CR4, EFER and CR0 and the kernel's root. The page is executable
 * for that moment only (page_exec), as the kernel's own trampoline's is.
 * Then shim_ap_entry, on the kernel's stack: shim_ap_started sets up the
 * CPU's local APIC and timer and tells the boot CPU, and the CPU enters
 * the kernel. The page is rewritten for the next CPU only once the last
 * one has left it; a CPU that does not arrive in time keeps it, and the
 * next start takes a new one.
 *
 * Why the kernel's root from the first moment, and not tables of the
 * shim's own that map the trampoline and are left once the CPU runs the
 * shim's code: a hypervisor may keep the four PAE PDPTEs it loaded when
 * the CPU turned paging on and not see a later CR3 write (KVM with nested
 * paging does, for its instruction emulator), and reloading them then
 * fails where its host's page walker set reserved bits in them (KVM
 * nested under QEMU's TCG). Loaded once, clean, they stay right.
 */
#include "shim.h"
#include "ap.h"

extern const u8 shim_ap_tramp[], shim_ap_tramp_32[], shim_ap_tramp_64[], shim_ap_tramp_end[];
extern const u8 shim_ap_entry[];
void shim_ap_started(void);

/* ---- the kernel's CPU numbers ------------------------------------------ */

static bool counted;
static unsigned ncpus = 1;
static u8 apic_ids[SHIM_MAX_CPUS];

static void count_cpus(void)
{
    struct line l;
    const struct madt_info *m = shim_madt();
    counted = true;
    apic_ids[0] = (u8)shim_apic_cpu_id();
    if (!m || !m->n_cpus) {
        shim_log(m ? "the MADT lists no enabled processor: one CPU"
                   : "no usable ACPI MADT to list the CPUs: one CPU");
        return;
    }
    bool listed = false;
    for (unsigned i = 0; i < m->n_cpus; i++) {
        if (m->cpu[i] == apic_ids[0])
            listed = true;
        else if (ncpus < SHIM_MAX_CPUS)
            apic_ids[ncpus++] = m->cpu[i];
    }
    line_init(&l);
    if (!listed) {
        ncpus = 1;
        line_str(&l, "the MADT does not list this CPU (APIC id ");
        line_dec(&l, apic_ids[0]);
        line_str(&l, "): its other processors are not trusted, one CPU");
        line_log(&l);
    } else if (m->cpus_left_out) {
        line_dec(&l, m->cpus_left_out);
        line_str(&l, " enabled processor(s) of the MADT left out: an APIC id xAPIC mode "
                     "cannot address, or more than the shim's 64");
        line_log(&l);
    }
}

int cpu_apic_id(unsigned cpu, u32 *apic_id)
{
    if (!counted && cpu == 0) {
        *apic_id = shim_apic_cpu_id();
        return 0;
    }
    if (cpu >= ncpus)
        return -SHIM_EINVAL;
    *apic_id = apic_ids[cpu];
    return 0;
}

static bool can_start(void)
{
    return shim_alloc_page && shim_page_exec && lapic_regs();
}

unsigned SHIM_CALL shim_vcpu_count(void)
{
    if (!can_start())
        return 1;   /* a kernel below 1.2, or before APIC_INIT */
    if (!counted)
        count_cpus();
    return ncpus;
}

/* ABI 1.0's call: its argument names no page tables, paging mode or
 * descriptor tables, so no CPU can be started into a state a kernel
 * could use from it (docs/vmi-abi.md). */
int SHIM_CALL shim_vcpu_start(unsigned cpu, const void *info)
{
    return -SHIM_ENOSYS;
}

/* ---- the trampoline's page ---------------------------------------------- */

#define BELOW_1M 0x100000ULL

static u8 *tramp;   /* at its physical address in the kernel's tables */

static int tramp_page(void)
{
    if (tramp)
        return 0;
    if (shim_ap_tramp_end - shim_ap_tramp > AP_CR0) {
        shim_log("the trampoline runs into its data (ap.h)");
        return -SHIM_ERANGE;
    }
    tramp = shim_alloc_page(BELOW_1M);
    if (!tramp || ((uintptr_t)tramp & 0xfff) || (uintptr_t)tramp >= BELOW_1M) {
        tramp = NULL;
        shim_log("no free page below 1 MiB for a starting CPU");
        return -SHIM_ENOMEM;
    }
    return 0;
}

static void put16(unsigned off, u16 v)
{
    tramp[off] = (u8)v;
    tramp[off + 1] = (u8)(v >> 8);
}

static void put32(unsigned off, u32 v)
{
    put16(off, (u16)v);
    put16(off + 2, (u16)(v >> 16));
}

static void put64(unsigned off, u64 v)
{
    put32(off, (u32)v);
    put32(off + 4, (u32)(v >> 32));
}

/* IA32_EFER where the CPU has it (long mode or NX: CPUID 0x80000001 EDX
 * bits 29 and 20), without LMA, which the CPU sets itself; else 0. */
static u32 efer_now(void)
{
    u32 a, b, c, d;
    x86_cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a < 0x80000001)
        return 0;
    x86_cpuid(0x80000001, 0, &a, &b, &c, &d);
    if (!(d & (1u << 29 | 1u << 20)))
        return 0;
    return (u32)(x86_rdmsr(MSR_EFER) & ~EFER_LMA);
}

/* The page as the CPU must find it: code, far pointers, GDT, state. */
static void tramp_fill(const struct vmi_ap_state *s)
{
    u32 base = (u32)(uintptr_t)tramp;
    for (unsigned i = 0; i < AP_PAGE_END; i++)
        tramp[i] = 0;
    for (unsigned i = 0; i < (unsigned)(shim_ap_tramp_end - shim_ap_tramp); i++)
        tramp[i] = shim_ap_tramp[i];
    put32(AP_CR0, (u32)x86_read_cr0() & ~(u32)X86_CR0_TS);
    put32(AP_CR4, (u32)x86_read_cr4());
    put32(AP_EFER, efer_now());
    put32(AP_ROOT, (u32)s->pt_root);
    put64(AP_STACK, s->stack_top);
    put64(AP_ENTRY, s->entry);
    put64(AP_ARG, s->arg);
    put64(AP_SHIM, (uintptr_t)shim_ap_entry);
    put32(AP_FAR32, base + (u32)(shim_ap_tramp_32 - shim_ap_tramp));
    put16(AP_FAR32 + 4, AP_SEL_CODE32);
    put32(AP_FAR64, base + (u32)(shim_ap_tramp_64 - shim_ap_tramp));
    put16(AP_FAR64 + 4, AP_SEL_CODE64);
    put16(AP_GDTR, 4 * 8 - 1);
    put32(AP_GDTR + 2, base + AP_GDT);
    /* flat 4 GiB segments, SDM Vol. 3A, 3.4.5: code32, data, code64 (L) */
    put64(AP_GDT + AP_SEL_CODE32, 0x00cf9a000000ffffULL);
    put64(AP_GDT + AP_SEL_DATA, 0x00cf92000000ffffULL);
    put64(AP_GDT + AP_SEL_CODE64, 0x00af9a000000ffffULL);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

/* ---- starting one --------------------------------------------------------- */

/* Generous for a CPU emulated by TCG on a loaded host. */
#define INIT_DELAY_NS 10000000ULL      /* 10 ms after INIT (SDM 8.4.4.1) */
#define SIPI_DELAY_NS 200000ULL        /* 200 us between the two STARTUPs */
#define ARRIVE_DEADLINE_NS 1000000000ULL

/* The APIC id + 1 of the last CPU to reach shim_ap_started. */
static volatile u32 arrived;

static void wait_ns(u64 ns)
{
    u64 end = shim_clock_ns() + ns;
    while (shim_clock_ns() < end)
        x86_pause();
}

static bool alive(void)
{
    return __atomic_load_n((volatile u32 *)(tramp + AP_ALIVE), __ATOMIC_ACQUIRE) != 0;
}

static bool has_arrived(u32 apic_id)
{
    return __atomic_load_n(&arrived, __ATOMIC_ACQUIRE) == apic_id + 1;
}

/* INIT, 10 ms, STARTUP, 200 us, STARTUP again if the CPU is not running
 * yet (SDM 8.4.4.1); the page's number is the STARTUP vector. */
static int init_sipi_sipi(u32 dest)
{
    u32 vector = (u32)((uintptr_t)tramp >> 12);
    int err = lapic_send(dest, ICR_DM_INIT | ICR_ASSERT);
    if (!err) {
        wait_ns(INIT_DELAY_NS);
        err = lapic_send(dest, ICR_DM_STARTUP | ICR_ASSERT | vector);
    }
    if (!err) {
        wait_ns(SIPI_DELAY_NS);
        if (!alive())
            err = lapic_send(dest, ICR_DM_STARTUP | ICR_ASSERT | vector);
    }
    return err;
}

static void report_late(unsigned cpu, u32 dest)
{
    struct line l;
    line_init(&l);
    line_str(&l, "CPU ");
    line_dec(&l, cpu);
    line_str(&l, " (APIC id ");
    line_dec(&l, dest);
    line_str(&l, alive() ? ") entered protected mode but did not reach the shim's code"
                         : ") did not answer INIT-SIPI-SIPI");
    line_str(&l, " within 1000 ms");
    line_log(&l);
}

int SHIM_CALL shim_vcpu_start_ap(unsigned cpu, const struct vmi_ap_state *s)
{
    if (!can_start() || !time_ready())
        return -SHIM_ENODEV;
    if (!counted)
        count_cpus();
    if (cpu == 0 || cpu >= ncpus || !s || s->size < sizeof(*s))
        return -SHIM_EINVAL;
    /* 32-bit code loads the root; a 32-bit CPU can reach no more */
    if (s->pt_root >> 32 || (!HW_64BIT && (s->stack_top | s->entry | s->arg) >> 32))
        return -SHIM_ERANGE;
    int err = tramp_page();
    if (err)
        return err;
    tramp_fill(s);
    err = shim_page_exec(tramp, 1);
    if (err)
        return err;
    u32 dest = apic_ids[cpu];
    __atomic_store_n(&arrived, 0, __ATOMIC_RELEASE);
    err = init_sipi_sipi(dest);
    u64 deadline = shim_clock_ns() + ARRIVE_DEADLINE_NS;
    while (!err && !has_arrived(dest) && shim_clock_ns() < deadline)
        x86_pause();
    if (err || !has_arrived(dest)) {
        if (!err) {
            report_late(cpu, dest);
            err = -SHIM_ETIMEDOUT;
        }
        tramp = NULL;   /* it may still run there: the page is its own now */
        return err;
    }
    err = shim_page_exec(tramp, 0);   /* writable for the next, not executable */
    if (err)
        tramp = NULL;
    return err;
}

/* The started CPU, on the kernel's tables and stack, interrupts off
 * (shim_ap_entry). */
void shim_ap_started(void)
{
    lapic_init_this_cpu();
    timer_init_this_cpu();
    __atomic_store_n(&arrived, shim_apic_cpu_id() + 1, __ATOMIC_RELEASE);
}
