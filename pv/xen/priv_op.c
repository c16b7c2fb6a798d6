/*
 * The two privileged instructions the kernel still executes itself under
 * Xen PV, emulated. Everything else privileged goes through the platform
 * ops, but a CPU's last-resort stop is `cli; hlt` (kernel/smp.c's
 * VEC_IPI_STOP handler, and kernel/panic.c for a CPU that fails while
 * another reports). A PV kernel runs in ring 1 or 3, where Xen emulates
 * CLI only for a guest with I/O privilege, and then as a no-op, and never
 * HLT: both raise #GP (xen/arch/x86/pv/emul-priv-op.c). A stopped vCPU
 * would then fail with a #GP of its own and be reported as the fatal
 * error. So Xen's exceptions come here first (pv/xen/<arch>/entry.S), and a
 * #GP on one of these two instructions does what the hardware would:
 *
 *   cli  masks events (what the irq op does) and goes on
 *   hlt  with events masked, stops the vCPU (VCPUOP_down on itself, as
 *        Linux's xen_pv_play_dead: hardware would wait for an NMI or INIT,
 *        neither of which comes to a PV vCPU); unmasked, waits for one
 *        (SCHEDOP_block) and goes on
 */
#include "xen.h"
#include <arch/extable.h>
#include <arch/regs.h>
#include <arch/x86.h>
#include <proteus/printk.h>

#define OP_CLI 0xfa
#define OP_HLT 0xf4

void trap_dispatch(struct trap_frame *f);

static bool emulate(struct trap_frame *f)
{
    unsigned char op;
    if (probe_read_byte((const void *)(uintptr_t)f->ip, &op))
        return false;
    if (op == OP_CLI) {
        f->flags &= ~(unsigned long)X86_EFLAGS_IF;   /* the iret hypercall masks events */
    } else if (op == OP_HLT && !(f->flags & X86_EFLAGS_IF)) {
        unsigned id = xen_vcpu_id();
        long err = xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_down, id, 0);
        if (err) {   /* vCPU 0 alone, say: nothing else can stop it */
            printk("xen: VCPUOP_down of vCPU %u for a hlt failed: %s (%ld)\n", id,
                   xen_errno_name(err), err);
            return false;
        }
    } else if (op == OP_HLT) {
        (void)xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_block, 0, 0);
    } else {
        return false;
    }
    f->ip++;
    return true;
}

void xen_trap(struct trap_frame *f);
void xen_trap(struct trap_frame *f)
{
    if (f->vector == 13 && emulate(f))
        return;
    trap_dispatch(f);
}
