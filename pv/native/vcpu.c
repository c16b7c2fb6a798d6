/*
 * Native vCPU ops. Proteus runs on one CPU so far; starting others
 * (INIT-SIPI-SIPI, SDM Vol. 3A, 8.4.4) is not implemented and says so.
 */
#include "native.h"
#include <proteus/errno.h>

static PVOP_ABI unsigned native_vcpu_count(void) { return 1; }

static PVOP_ABI int native_vcpu_start(unsigned cpu, const struct vcpu_start_info *info)
{
    return -ENOSYS;
}

const struct pv_vcpu_ops native_vcpu_ops = {
    .name = "none",
    .count = native_vcpu_count,
    .start = native_vcpu_start,
};
