/*
 * vmi-native's vCPU calls: the machine has one CPU as far as this shim
 * is concerned (no INIT-SIPI-SIPI yet, SDM Vol. 3A, 8.4.4), which it says
 * rather than leave the kernel to guess.
 */
#include "shim.h"

unsigned SHIM_CALL shim_vcpu_count(void)
{
    return 1;
}

int SHIM_CALL shim_vcpu_start(unsigned cpu, const void *info)
{
    return -SHIM_ENOSYS;
}
