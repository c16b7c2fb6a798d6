/*
 * Native vCPU ops. Proteus runs on one CPU so far; starting others
 * (INIT-SIPI-SIPI, protocol-facts 5.7) is not implemented and says so.
 */
#include "native.h"
#include <proteus/errno.h>

static unsigned native_vcpu_count(void) { return 1; }

static int native_vcpu_start(unsigned cpu, void (*entry)(void *), void *arg, void *stack)
{
    return -ENOSYS;
}

const struct pv_vcpu_ops native_vcpu_ops = {
    .name = "none",
    .count = native_vcpu_count,
    .start = native_vcpu_start,
};
