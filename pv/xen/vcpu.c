/*
 * Xen PV vCPU ops. The kernel runs on one CPU so far; the count is what
 * Xen says (VCPUOP_is_up answers for each vCPU the domain has, -ENOENT
 * beyond), and starting another (VCPUOP_initialise + VCPUOP_up,
 * Xen's public vcpu.h) is not implemented and says so.
 */
#include "xen.h"
#include <proteus/errno.h>

static PVOP_ABI unsigned xen_vcpu_count(void)
{
    unsigned n = 0;
    while (n < 4096 && xen_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, n, 0) >= 0)
        n++;
    return n;
}

static PVOP_ABI int xen_vcpu_start(unsigned cpu, const struct vcpu_start_info *info)
{
    return -ENOSYS;
}

const struct pv_vcpu_ops xen_vcpu_ops = {
    .name = "xen-vcpu_op",
    .count = xen_vcpu_count,
    .start = xen_vcpu_start,
};
