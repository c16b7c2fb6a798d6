/*
 * What the VMI personality lets apps see (monitor, selftest, pvbench):
 * whether a shim is offered and ran, and where its code is. The kernel-to-
 * shim ABI itself is pv/vmi/abi.h (docs/vmi-abi.md); the rest of the
 * personality is private to pv/vmi/ (pv/vmi/vmi.h includes this).
 */
#ifndef INCLUDE_PV_VMI_H
#define INCLUDE_PV_VMI_H

#include <proteus/types.h>

struct personality;
extern const struct personality vmi_personality;

/* Whether the option-ROM area holds a shim this kernel accepts (what the
 * probe checks, without its side effects). Only reads memory. */
bool vmi_shim_offered(void);
/* If `p` is inside the running shim's code: its offset there. */
bool vmi_shim_offset(const void *p, unsigned long *off);
/* What the shim's init returned: 0, or the error with which it declined
 * (and the kernel booted without it). */
int vmi_init_result(void);
/* Whether `impl` is the no-op a NOP call points at. */
bool vmi_op_is_nop(const void *impl);

#endif
