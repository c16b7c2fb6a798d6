/*
 * Native irq ops: the interrupt flag in EFLAGS. safe_halt is `sti; hlt`:
 * sti takes effect after the next instruction, so an interrupt arriving
 * between the two still wakes the hlt (SDM Vol. 2B, STI).
 */
#include "native.h"
#include <arch/x86.h>

static PVOP_ABI unsigned long native_save_flags(void) { return x86_read_flags(); }
static PVOP_ABI void native_restore_flags(unsigned long f) { x86_write_flags(f); }
static PVOP_ABI void native_disable(void) { x86_cli(); }
static PVOP_ABI void native_enable(void) { x86_sti(); }
static PVOP_ABI void native_safe_halt(void) { x86_sti_hlt(); }

const struct pv_irq_ops native_irq_ops = {
    .name = "native",
    .save_flags = native_save_flags,
    .restore_flags = native_restore_flags,
    .disable = native_disable,
    .enable = native_enable,
    .safe_halt = native_safe_halt,
};
