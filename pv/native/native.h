/*
 * The native personality's tables, shared between its files. Other
 * personalities start from these (copying native_ops) and override only
 * what they change (docs/architecture.md, "The ops groups").
 */
#ifndef PV_NATIVE_H
#define PV_NATIVE_H

#include <proteus/pvops.h>

struct memmap;
struct boot_info;

extern const struct pv_cpu_ops native_cpu_ops;
extern const struct pv_irq_ops native_irq_ops;
extern const struct pv_mmu_ops native_mmu_ops;
extern const struct pv_apic_ops native_apic_ops;
bool native_pic_mode(void);

extern struct pv_ops native_ops_template;
struct pvpatch_directive;
void native_patch(u32 offset, void *impl, struct pvpatch_directive *d);
extern const struct pv_time_ops native_time_ops;
/* The native timer for a personality with its own clock (pv/kvm/). */
int native_timer_start(u64 tsc_hz);
void native_timer_arm_in(u64 delta_ns);   /* >= 1 ns from now; 0 disarms */
/* The native boot steps, for personalities that keep them (KVM). */
void native_setup_cpu(void);
void native_setup_memory(const struct memmap *m);
void native_setup_firmware(const struct boot_info *bi);
extern const struct pv_vcpu_ops native_vcpu_ops;
extern const struct pv_console_ops native_serial_console_ops;
extern const struct pv_power_ops native_power_ops;

#endif
