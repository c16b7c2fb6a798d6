/*
 * The VMI personality's interface to the rest of the kernel (monitor,
 * selftest, pvbench): where the running shim is.
 */
#ifndef PV_VMI_VMI_H
#define PV_VMI_VMI_H

#include <proteus/types.h>

struct personality;
struct vmi_rom_info;
extern const struct personality vmi_personality;

/* Scan the option-ROM area for a shim this kernel accepts (the probe's
 * work, without side effects unless `report`: then each refusal leaves a
 * platform note). Only reads memory. */
bool vmi_scan(struct vmi_rom_info *out, paddr_t *at, bool report);

/* If `p` is inside the running shim's code: its offset there. */
bool vmi_shim_offset(const void *p, unsigned long *off);
/* What the shim's init returned: 0, or the error with which it declined
 * (and the kernel booted without it). */
int vmi_init_result(void);
/* Whether `impl` is the no-op a NOP call points at. */
bool vmi_op_is_nop(const void *impl);

#endif
