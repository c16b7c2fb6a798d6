/*
 * The native personality: real hardware, or any hypervisor that emulates
 * it. It is the fallback, so its probe always succeeds.
 */
#include "native.h"
#include <arch/cpu.h>
#include <drivers/acpi.h>
#include <proteus/bootinfo.h>
#include <proteus/personality.h>
#include <proteus/vm.h>

static bool native_probe(void)
{
    return true;
}

/* The native tables as one struct: every personality starts from a copy,
 * and the patcher compares against it to know an op is still native. */
struct pv_ops native_ops_template;

static bool native_install(void)
{
    native_ops_template.cpu = native_cpu_ops;
    native_ops_template.irq = native_irq_ops;
    native_ops_template.mmu = native_mmu_ops;
    native_ops_template.apic = native_apic_ops;
    native_ops_template.time = native_time_ops;
    native_ops_template.vcpu = native_vcpu_ops;
    native_ops_template.console = native_serial_console_ops;
    native_ops_template.power = native_power_ops;
    pv_ops = native_ops_template;
    return true;
}

/* Descriptor tables and the IDT, written directly. */
void native_setup_cpu(void)
{
    cpu_tables_init(0);
    idt_init();
}

/* The frame allocator, then page tables built from scratch and loaded. */
void native_setup_memory(const struct memmap *m)
{
    page_alloc_init(m);
    vm_init(m, NULL, 0);
    desc_paging_ready();
}

void native_setup_firmware(const struct boot_info *bi)
{
    acpi_init(bi->rsdp, bi->ebda);   /* reports what it finds */
}

/* A calibrated TSC is the best native clock: a paravirtual one is better
 * (kernel/mixing.c). */
static bool native_clock_mixable(void)
{
    return true;
}

const struct personality native_personality = {
    .name = "native",
    .probe = native_probe,
    .install = native_install,
    .setup_cpu = native_setup_cpu,
    .setup_memory = native_setup_memory,
    .setup_firmware = native_setup_firmware,
    .patch = native_patch,
    .clock_mixable = native_clock_mixable,
};
