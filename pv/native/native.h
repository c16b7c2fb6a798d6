/*
 * The native personality's tables, shared between its files. They make up
 * native_ops (<proteus/personality.h>), which every other personality's
 * overlay is laid over (docs/architecture.md, "The ops groups").
 */
#ifndef PV_NATIVE_H
#define PV_NATIVE_H

#include <proteus/pvops.h>

extern const struct pv_cpu_ops native_cpu_ops;
extern const struct pv_irq_ops native_irq_ops;
extern const struct pv_mmu_ops native_mmu_ops;
extern const struct pv_apic_ops native_apic_ops;
bool native_pic_mode(void);
/* The MADT the controller read, or NULL (no ACPI). */
struct madt_info;
const struct madt_info *native_madt(void);
/* vcpu.c: the APIC id of the kernel's CPU `cpu`; -EINVAL past the count. */
int native_cpu_apic_id(unsigned cpu, u32 *apic_id);

struct pvpatch_directive;
void native_patch(u32 offset, void *impl, struct pvpatch_directive *d);
extern const struct pv_time_ops native_time_ops;
extern const struct pv_vcpu_ops native_vcpu_ops;
extern const struct pv_console_ops native_serial_console_ops;
extern const struct pv_power_ops native_power_ops;

#endif
