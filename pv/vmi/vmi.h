/*
 * The VMI personality's private declarations. What apps may see is
 * <pv/vmi.h>, included here.
 */
#ifndef PV_VMI_VMI_H
#define PV_VMI_VMI_H

#include <proteus/pvops.h>
#include <proteus/types.h>
#include <pv/vmi.h>

struct vmi_rom_info;

/* Scan the option-ROM area for a shim this kernel accepts (the probe's
 * work, without side effects unless `report`: then each refusal leaves a
 * platform note). Only reads memory. */
bool vmi_scan(struct vmi_rom_info *out, paddr_t *at, bool report);

/* The running shim: its ROM as checked, and the entry of call `n` (a call
 * or an inline one, which has an entry too), or NULL when the shim leaves
 * it out or its ABI version does not define it. */
const struct vmi_rom_info *vmi_rom(void);
void *vmi_call_entry(unsigned n);

/* The vcpu ops (pv/vmi/vcpu.c). */
struct vcpu_start_info;
PVOP_ABI unsigned vmi_vcpu_count(void);
PVOP_ABI int vmi_vcpu_start(unsigned cpu, const struct vcpu_start_info *info);
PVOP_ABI void vmi_flush_tlb_others(u32 cpus, vaddr_t va, size_t len);

#endif
