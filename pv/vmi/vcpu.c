/*T:765
 * The VMI personality's vcpu ops: the CPUs the shim offers, started by
 * ABI 1.2's VCPU_START_AP (docs/vmi-abi.md, section 4, "vcpu"). The kernel
 * describes the state a started CPU enters it in (its page tables, stack,
 * entry and argument) and nothing of how to get there: vmi-native sends
 * INIT-SIPI-SIPI through a trampoline of its own, a hypervisor's shim would
 * make a hypercall. A shim older than 1.2, or one that leaves the call out,
 * offers one vCPU, and the kernel says so once.
 *
 * The started CPU arrives in vmi_ap_entry with the shim's segments and its
 * local APIC already set up by the shim; it loads its own GDT, TSS,
 * per-CPU segment, the IDT and the FPU set-up through the ops, so through
 * the shim's calls (cpu_ap_init, as native_ap_entry does), and calls the
 * kernel's entry (include/proteus/pvops.h, struct pv_vcpu_ops).
 */
#include "rom.h"
#include "vmi.h"
#include <arch/cpu.h>
#include <arch/paging.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/percpu.h>
#include <proteus/printk.h>
#include <proteus/smp.h>

typedef unsigned (VMI_CC *vcpu_count_fn)(void);
typedef int (VMI_CC *vcpu_start_ap_fn)(unsigned cpu, const struct vmi_ap_state *state);

/* What each started CPU runs once it is in the kernel: a copy, since the
 * caller's structure may be gone by the time a slow CPU arrives. */
static struct vcpu_start_info started[MAX_CPUS];

static vcpu_start_ap_fn start_ap_call(void)
{
    return (vcpu_start_ap_fn)vmi_call_entry(VMI_VCPU_START_AP);
}

/* A shim without the call is a one-vCPU shim, said once; the count is
 * still the shim's, so that the boot line shows what the machine has. */
PVOP_ABI unsigned vmi_vcpu_count(void)
{
    static bool said;
    vcpu_count_fn count = (vcpu_count_fn)vmi_call_entry(VMI_VCPU_COUNT);
    unsigned n = count ? count() : 1;
    if (!start_ap_call() && !said) {
        const struct vmi_rom_info *r = vmi_rom();
        said = true;
        if (r->hdr.abi_minor < 2)
            printk("vmi: shim '%s' speaks ABI %u.%u, which has no call to start a CPU "
                   "(VCPU_START_AP came in 1.2): one vCPU\n", r->name, r->hdr.abi_major,
                   r->hdr.abi_minor);
        else
            printk("vmi: shim '%s' leaves out VCPU_START_AP, the call that starts a CPU: "
                   "one vCPU\n", r->name);
    }
    return n ? n : 1;
}

/* The started CPU, on the stack the kernel gave it, interrupts off. */
static VMI_CC __noreturn void vmi_ap_entry(void *arg)
{
    unsigned cpu = (unsigned)(uintptr_t)arg;
    cpu_ap_init(cpu);
    started[cpu].entry(started[cpu].arg);
    panic("smp: CPU %u returned from the kernel's entry", cpu);
}

/*T:770 vcpu.start under VMI: the kernel says where the CPU is to arrive
 * (struct vmi_ap_state, docs/vmi-abi.md 4.1), the shim gets it there:
 *
 *   CPU 0: kernel           CPU 0: shim (vmi-native)        CPU n
 *   state = {root, entry =
 *     vmi_ap_entry, arg = n,
 *     stack}
 *   VCPU_START_AP(n, &state) -> fill its own trampoline
 *                              page (ap_start.S), exec on
 *                              INIT, 10 ms, STARTUP ------> real mode, page:0
 *                              STARTUP again if not alive   protected mode,
 *                                                           kernel's CR3, paging
 *                                                           shim_ap_entry on the
 *                                                           kernel's stack:
 *                              spin until arrived, 1 s <--- shim_ap_started: its
 *                              page not exec again          APIC and timer, arrived
 *   return 0 <---------------- return 0                     vmi_ap_entry(n):
 *   smp_init spins on the                                   cpu_ap_init through
 *     online bit          <------------------------------- the shim's calls,
 *                                                           smp_ap_main(n)
 *
 * A shim for a hypervisor would make a hypercall where vmi-native sends
 * IPIs; the kernel's side would not change. */
PVOP_ABI int vmi_vcpu_start(unsigned cpu, const struct vcpu_start_info *info)
{
    vcpu_start_ap_fn start = start_ap_call();
    if (!start)
        return -ENOSYS;   /* vmi_vcpu_count said why */
    if (cpu == 0 || cpu >= MAX_CPUS)
        return -EINVAL;
    started[cpu] = *info;
    const struct vmi_ap_state state = {
        .size = sizeof(state),
        .pt_root = vm_cpu_root(cpu),   /* on PAE, clean PDPTEs of its own */
        .entry = (uintptr_t)vmi_ap_entry,
        .arg = cpu,
        .stack_top = (uintptr_t)info->stack_top,
    };
    return start(cpu, &state);
}

PVOP_ABI void vmi_flush_tlb_others(u32 cpus, vaddr_t va, size_t len)
{
    smp_flush_tlb_by_call(cpus, va, len);
}
