/*
 * Tests of the platform-ops layer and the CPU set-up: every op is filled
 * in, the boot personality is the one expected, MSR probes fail softly.
 */
#include <stdint.h>
#include <proteus/bootinfo.h>
#include <proteus/personality.h>
#include <proteus/pvops.h>
#include <arch/cpu.h>
#include <arch/extable.h>
#include <arch/x86.h>
#include <pv/kvm.h>
#include <pv/vmi.h>
#include <pv/xen.h>
#include "selftest.h"

/* Every group is a struct of a name followed by function pointers. */
static int null_ops(const void *group, unsigned size)
{
    const void *const *p = group;
    int missing = 0;
    for (unsigned i = 0; i < size / sizeof(void *); i++)
        if (!p[i])
            missing++;
    return missing;
}

static void test_ops_complete(void)
{
    int n = null_ops(&pv_ops.cpu, sizeof(pv_ops.cpu)) + null_ops(&pv_ops.irq, sizeof(pv_ops.irq)) +
            null_ops(&pv_ops.mmu, sizeof(pv_ops.mmu)) + null_ops(&pv_ops.apic, sizeof(pv_ops.apic)) +
            null_ops(&pv_ops.time, sizeof(pv_ops.time)) + null_ops(&pv_ops.vcpu, sizeof(pv_ops.vcpu)) +
            null_ops(&pv_ops.console, sizeof(pv_ops.console)) +
            null_ops(&pv_ops.power, sizeof(pv_ops.power));
    CHECK(n == 0, "%d platform operations are not filled in", n);
    test_pass();
}

/* The entry path decides: Xen's PV entry installs xen-pv; the Multiboot
 * and PVH entries probe: vmi when the option-ROM area holds a shim the
 * kernel accepts and the shim's init agreed to run, else native. */
static void test_personality(void)
{
    const struct personality *p = platform_current();
    const struct personality *want = on_xen_pv() ? &xen_pv_personality
                                   : vmi_shim_offered() && !vmi_init_result()
                                       ? &vmi_personality
                                       : &native_personality;
    CHECK(p != NULL, "no personality was chosen");
    /* kvm is native with a hypervisor's extras, chosen from CPUID after
     * the entry: whether it should have been is hypervisor.personality_choice's
     * question, so here it counts as the native entry's choice. */
    if (want == &native_personality && platform_is(&kvm_personality))
        want = p;
    CHECK(p == want, "personality is %s, expected %s (boot=%s)", p->name, want->name,
          boot_protocol());
    test_pass();
}

static void test_irq_flags(void)
{
    unsigned long f = irq_save();
    unsigned long inside = pv_ops.irq.save_flags();
    irq_restore(f);
    unsigned long after = pv_ops.irq.save_flags();
    CHECK(!(inside & (1UL << 9)), "interrupts still enabled inside irq_save (flags 0x%lx)", inside);
    CHECK(after & (1UL << 9), "interrupts not restored (flags 0x%lx)", after);
    test_pass();
}

/* A probing MSR access that faults comes back as an error, wherever the
 * rdmsr/wrmsr ran (the kernel's exception table, or a VMI shim's fixup
 * table). QEMU's TCG reads unknown MSRs as 0 without a fault, so the
 * access every x86 refuses is a write: MSR_VM_HSAVE_PA (0xC0010117) with
 * its low 12 bits set, which AMD's SVM rejects as unaligned (#GP, AMD APM
 * Vol. 2, 15.30.4) and a CPU without it as unknown. */
static void test_msr_probe(void)
{
    uint64_t v, base;
    int err = rdmsr_safe(0x1b, &base);          /* IA32_APIC_BASE exists */
    CHECK(err == 0, "reading IA32_APIC_BASE failed: %d", err);
    CHECK(!cpu_features.apic || (base & ~0xfffULL) != 0, "APIC base reads as 0");
    err = wrmsr_safe(0xc0010117, 0xfff);
    CHECK(err < 0, "writing 0xfff to MSR 0xc0010117 did not fault");
    err = rdmsr_safe(0xdeadbeef, &v);           /* no CPU has this MSR */
    CHECK(err < 0 || v == 0, "reading MSR 0xdeadbeef gave 0x%llx without a fault",
          (unsigned long long)v);
    test_pass();
}

static void test_gp_fixup(void)
{
    /* a selector far past the GDT's limit raises #GP(selector) */
    CHECK(probe_load_fs(0xfff8) == -14, "loading selector 0xfff8 did not fault");
    CHECK(probe_load_fs(0) == 0, "loading the null selector faulted");
    test_pass();
}

/* CR0.TS through the cpu ops (natively the register, under Xen the
 * fpu_taskswitch hypercall): set, an x87 instruction raises #NM; clear,
 * it runs. Interrupts stay off meanwhile: a thread switch would save the
 * FPU state and fault too. */
static void test_fpu_taskswitch(void)
{
    unsigned long f = irq_save();
    unsigned long cr0 = read_cr0();
    write_cr0(cr0 | X86_CR0_TS);
    unsigned long with_ts = read_cr0();
    int faulted = probe_fpu();
    write_cr0(cr0 & ~X86_CR0_TS);
    int ran = probe_fpu();
    irq_restore(f);
    CHECK(with_ts & X86_CR0_TS, "CR0 reads 0x%lx after setting TS", with_ts);
    CHECK(faulted == -14, "an x87 instruction with CR0.TS set did not raise #NM (%d)", faulted);
    CHECK(ran == 0, "an x87 instruction with CR0.TS clear faulted");
    test_pass();
}

/* A debug address register written and read back through the cpu ops
 * (natively mov to/from DR0, under Xen set_debugreg/get_debugreg); DR7
 * stays 0, so no breakpoint is armed. */
static void test_debug_registers(void)
{
    static int watched;
    unsigned long old = read_dr(0);
    write_dr(0, (unsigned long)&watched);
    unsigned long got = read_dr(0);
    write_dr(0, old);
    CHECK(got == (unsigned long)&watched, "DR0 reads 0x%lx after writing %p", got, (void *)&watched);
    test_pass();
}

static void test_cpuid_vendor(void)
{
    CHECK(cpu_features.vendor[0] != '\0', "no CPU vendor string");
    CHECK(cpu_features.tsc, "the CPU reports no TSC");
    test_pass();
}

static void test_spurious_vector_survived(void)
{
    /* A vector with no handler is reported and survived, not fatal. */
    uint64_t before = irq_counts[0x80];
    __asm__ __volatile__("int $0x80");
    CHECK(irq_counts[0x80] == before + 1, "vector 0x80 was not counted");
    test_pass();
}

const struct test_case platform_tests[] = {
    { "platform.ops_complete", test_ops_complete },
    { "platform.personality", test_personality },
    { "platform.irq_save_restore", test_irq_flags },
    { "platform.msr_probe", test_msr_probe },
    { "platform.gp_fixup", test_gp_fixup },
    { "platform.cpuid", test_cpuid_vendor },
    { "platform.fpu_taskswitch", test_fpu_taskswitch },
    { "platform.debug_registers", test_debug_registers },
    { "platform.unexpected_vector", test_spurious_vector_survived },
    { NULL, NULL },
};
