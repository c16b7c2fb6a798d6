/*
 * Reading the CPU's features once at boot, turning on the FPU and SSE for
 * the app (the kernel itself is built without them), and what a started
 * CPU sets up for itself before it runs kernel code. CPUID bits:
 * SDM Vol. 2A, CPUID, tables 3-10 (leaf 1 ECX), 3-11 (leaf 1 EDX);
 * leaf 0x80000001 EDX bit 20 NX, bit 29 LM; 0x80000007 EDX bit 8 invariant
 * TSC. FPU/SSE enabling: SDM Vol. 3A, 9.2 and 13.1.
 */
#include <arch/cpu.h>
#include <arch/x86.h>
#include <proteus/pvops.h>
#include <proteus/string.h>

struct cpu_features cpu_features;

/* The two spellings of "64-bit" agree: the kernel's, from config/<arch>.mk,
 * and include/hw/'s (the VMI shim's too), from the compiler's target. */
BUILD_BUG_ON(HW_64BIT != IS_ENABLED(CONFIG_64BIT));

void cpu_detect(void)
{
    struct cpu_features *f = &cpu_features;
    struct cpuid_regs r;

    cpuid(0, &r);
    f->max_leaf = r.eax;
    memcpy(f->vendor + 0, &r.ebx, 4);
    memcpy(f->vendor + 4, &r.edx, 4);
    memcpy(f->vendor + 8, &r.ecx, 4);
    f->vendor[12] = '\0';

    if (f->max_leaf >= 1) {
        cpuid(1, &r);
        f->stepping = r.eax & 0xf;
        f->model = (r.eax >> 4) & 0xf;
        f->family = (r.eax >> 8) & 0xf;
        if (f->family == 0xf)
            f->family += (r.eax >> 20) & 0xff;
        if (f->family >= 6)
            f->model |= ((r.eax >> 16) & 0xf) << 4;
        f->fpu = r.edx & (1 << 0);
        f->pse36 = r.edx & (1 << 17);
        f->pse = r.edx & (1 << 3);
        f->tsc = r.edx & (1 << 4);
        f->msr = r.edx & (1 << 5);
        f->pae = r.edx & (1 << 6);
        f->apic = r.edx & (1 << 9);
        f->pge = r.edx & (1 << 13);
        f->fxsr = r.edx & (1 << 24);
        f->sse = r.edx & (1 << 25);
        f->sse2 = r.edx & (1 << 26);
        f->x2apic = r.ecx & (1 << 21);
        f->tsc_deadline = r.ecx & (1 << 24);
        f->hypervisor = r.ecx & (1u << 31);
    }

    cpuid(0x80000000, &r);
    f->max_ext_leaf = r.eax >= 0x80000000 && r.eax < 0x8000ffff ? r.eax : 0;
    if (f->max_ext_leaf >= 0x80000001) {
        cpuid(0x80000001, &r);
        f->nx = r.edx & (1 << 20);
        f->lm = r.edx & (1 << 29);
    }
    if (f->max_ext_leaf >= 0x80000004) {
        for (u32 i = 0; i < 3; i++) {
            cpuid(0x80000002 + i, &r);
            memcpy(f->brand + 16 * i, &r, 16);
        }
        f->brand[48] = '\0';
    }
    /* MAXPHYADDR: leaf 0x80000008 EAX[7:0]; without it the SDM says 36 for
     * a PAE CPU, but QEMU gives a CPU without PSE-36 only 32 bits, so the
     * conservative reading is 36 with PSE-36 and 32 otherwise. */
    f->phys_bits = f->pse36 ? 36 : 32;
    if (f->max_ext_leaf >= 0x80000008) {
        cpuid(0x80000008, &r);
        /* 52 is the architectural maximum (SDM Vol. 3A, 4.1.4): a larger
         * value is a hypervisor's mistake, and would make 1 << bits
         * undefined wherever the limit is computed. */
        if ((r.eax & 0xff) >= 32)
            f->phys_bits = MIN(r.eax & 0xff, 52u);
    }
    if (f->max_ext_leaf >= 0x80000007) {
        cpuid(0x80000007, &r);
        f->invariant_tsc = r.edx & (1 << 8);
    }
}

void cpu_enable_fpu(void)
{
    unsigned long cr0 = read_cr0();
    cr0 &= ~(X86_CR0_EM | X86_CR0_TS);
    cr0 |= X86_CR0_MP | X86_CR0_NE;
    write_cr0(cr0);
    __asm__ __volatile__("fninit");
    if (cpu_features.fxsr && cpu_features.sse)
        write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
}

/* What a started CPU loads for itself, through the cpu ops, before it runs
 * the kernel's code: its own GDT, TSS and per-CPU segment, the IDT every
 * CPU shares, and the FPU and SSE as on the boot CPU (kernel_main does the
 * same for CPU 0). The personalities whose CPUs arrive from a trampoline
 * (native, the VMI shim's) call it first thing. */
void cpu_ap_init(unsigned cpu)
{
    cpu_tables_init(cpu);
    idt_load();
    cpu_enable_fpu();
}
