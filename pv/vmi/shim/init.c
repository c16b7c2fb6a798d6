/*
 * init: the kernel's first call into vmi-native. It keeps the kernel's
 * services, reads the CPU features the other calls depend on, and refuses
 * (so that the kernel boots native) on a CPU this shim cannot drive. Also
 * the few helpers every group uses: logging and set-up arithmetic.
 */
#include "shim.h"
#include "calls.h"

/* The shim's side of the ABI, checked where the compiler can see both. */
_Static_assert(sizeof(struct vmi_rom_header) == 56, "vmi_rom_header is 56 bytes (mkrom.py)");
_Static_assert(sizeof(struct vmi_call) == 16, "header.S lays out 16-byte call slots");

struct shim_cpu shim_cpu;
void *(VMI_CC *shim_map_phys)(uint64_t pa, unsigned long len);
void *(VMI_CC *shim_alloc_page)(uint64_t below);
int (VMI_CC *shim_page_exec)(void *page, int exec);
static void (VMI_CC *kernel_log)(const char *msg);

/* CPUID.1 bits (SDM Vol. 2A, CPUID, tables 3-10 and 3-11). */
#define EDX_TSC (1u << 4)
#define EDX_PAE (1u << 6)
#define EDX_APIC (1u << 9)
#define ECX_TSC_DEADLINE (1u << 24)
#define ECX_HYPERVISOR (1u << 31)

static int refuse(const char *why)
{
    shim_log(why);
    return -SHIM_ENODEV;
}

int SHIM_CALL shim_init(const struct vmi_services *services)
{
    if (!services || services->abi_major != VMI_ABI_MAJOR ||
        services->size < VMI_SERVICES_1_0_SIZE)
        return -SHIM_EINVAL;
    /* Copied, not kept by pointer: abi.h itself does not promise that the
     * structure outlives this call (docs/vmi-abi.md does). These are
     * stores made at run time, not addresses fixed at link time. */
    shim_map_phys = services->map_phys;
    kernel_log = services->log;
    /* A 1.2 kernel's: what starting a CPU needs (vcpu.c). An older kernel
     * knows no VCPU_START_AP and is offered one CPU. */
    if (services->abi_minor >= 2 && services->size >= sizeof(struct vmi_services)) {
        shim_alloc_page = services->alloc_page;
        shim_page_exec = services->page_exec;
    }

    u32 a, b, c, d;
    x86_cpuid(0, 0, &a, &b, &c, &d);
    shim_cpu.max_leaf = a;
    if (a < 1)
        return refuse("declined: no CPUID leaf 1");
    x86_cpuid(1, 0, &a, &b, &c, &d);
    shim_cpu.pae = d & EDX_PAE;
    shim_cpu.tsc_deadline = c & ECX_TSC_DEADLINE;
    shim_cpu.hypervisor = c & ECX_HYPERVISOR;
    /* The clock is the TSC and the timer the local APIC's (xAPIC, MMIO):
     * without them the kernel's own code, which copes, is the better
     * choice. */
    if (!(d & EDX_TSC))
        return refuse("declined: this CPU has no TSC");
    if (!(d & EDX_APIC))
        return refuse("declined: this CPU has no local APIC");
    if (x86_rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD)
        return refuse("declined: the local APIC is locked in x2APIC mode");

    uart_init();
    return 0;
}

void shim_log(const char *msg)
{
    if (kernel_log)
        kernel_log(msg);
}

static void line_chr(struct line *l, char c)
{
    if (l->n < sizeof(l->s) - 1)
        l->s[l->n++] = c;
}

void line_str(struct line *l, const char *s)
{
    while (*s)
        line_chr(l, *s++);
}

void line_dec(struct line *l, u64 v)
{
    char digits[20];
    unsigned n = 0;
    do {
        /* v % 10 and v / 10 without a 64-bit division: by halves */
        u32 hi = (u32)(v >> 32), lo = (u32)v;
        u32 qhi = hi / 10, r = hi % 10;
        u64 mid = (u64)r << 32 | lo;
        /* mid < 10 * 2^32: its quotient by 10 fits in 32 bits */
        u32 qlo = 0;
        for (int bit = 31; bit >= 0; bit--) {
            if (mid >= (u64)10 << bit) {
                mid -= (u64)10 << bit;
                qlo |= 1u << bit;
            }
        }
        digits[n++] = (char)('0' + (u32)mid);
        v = (u64)qhi << 32 | qlo;
    } while (v && n < sizeof(digits));
    while (n)
        line_chr(l, digits[--n]);
}

void line_hex(struct line *l, u64 v)
{
    line_str(l, "0x");
    int shift = 60;
    while (shift > 0 && !((v >> shift) & 0xf))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        line_chr(l, "0123456789abcdef"[(v >> shift) & 0xf]);
}

void line_log(struct line *l)
{
    l->s[l->n] = 0;
    shim_log(l->s);
}

/* Binary long division: set-up only (calibration, scales), never on a
 * hot path. */
u64 div_u64(u64 n, u64 d)
{
    if (!d)
        return ~0ULL;
    u64 q = 0, r = 0;
    for (int bit = 63; bit >= 0; bit--) {
        r = r << 1 | ((n >> bit) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ULL << bit;
        }
    }
    return q;
}

/* mult/shift with out = in * to / from, the largest shift <= 32 whose
 * mult still fits in 32 bits: the rounding error of mult is then below
 * 1 part in 2^31 for every rate the shim converts. */
struct scale scale_between(u64 from, u64 to)
{
    for (int shift = 32; shift >= 0; shift--) {
        if (shift && (to >> (64 - shift)))
            continue;   /* to << shift would overflow */
        u64 m = div_u64(to << shift, from);
        if (m <= 0xffffffffULL)
            return (struct scale){ (u32)m, (unsigned)shift };
    }
    return (struct scale){ 0xffffffffu, 0 };   /* to/from >= 2^32: saturate */
}
