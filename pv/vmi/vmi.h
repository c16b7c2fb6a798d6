/*
 * The VMI personality's private declarations. What apps may see is
 * <pv/vmi.h>, included here.
 */
#ifndef PV_VMI_VMI_H
#define PV_VMI_VMI_H

#include <proteus/types.h>
#include <pv/vmi.h>

struct vmi_rom_info;

/* Scan the option-ROM area for a shim this kernel accepts (the probe's
 * work, without side effects unless `report`: then each refusal leaves a
 * platform note). Only reads memory. */
bool vmi_scan(struct vmi_rom_info *out, paddr_t *at, bool report);

#endif
