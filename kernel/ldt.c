/*
 * The per-thread LDT API (include/proteus/ldt.h). Each change is checked
 * before anything is written, made with interrupts off (so a preemption
 * cannot switch to the thread with a half-made LDT), and followed by a
 * reload through the cpu ops when the number of entries in use grows.
 */
#include <proteus/errno.h>
#include <proteus/ldt.h>
#include <proteus/pvops.h>
#include <proteus/vm.h>
#include "sched_internal.h"

static bool long_mode(void)
{
    return IS_ENABLED(CONFIG_64BIT);
}

int ldt_set_raw(unsigned entry, struct seg_desc d)
{
    if (entry >= LDT_ENTRIES)
        return -EINVAL;
    /* i386: segments may reach only the heap window (include/proteus/ldt.h) */
    int err = ldt_desc_check(d, (u32)VM_HEAP_BASE, (u32)VM_STACK_BASE, long_mode());
    if (err)
        return err;
    unsigned long f = irq_save();
    unsigned *used;
    struct seg_desc *ldt = sched_current_ldt(true, &used, &err);
    if (ldt) {
        write_ldt_entry(ldt, entry, &d);
        if (entry >= *used) {
            *used = entry + 1;
            load_ldt(ldt, *used);
        }
    }
    irq_restore(f);
    return err;
}

int ldt_set(const struct ldt_info *info)
{
    struct seg_desc d;
    int err = ldt_desc_from_info(info, &d);
    return err ? err : ldt_set_raw(info->entry, d);
}

int ldt_clear(unsigned entry)
{
    if (entry >= LDT_ENTRIES)
        return -EINVAL;
    unsigned long f = irq_save();
    unsigned *used;
    int err;
    struct seg_desc *ldt = sched_current_ldt(false, &used, &err);
    if (ldt && entry < *used) {
        struct seg_desc empty = { 0, 0 };
        write_ldt_entry(ldt, entry, &empty);
    }
    irq_restore(f);
    return 0;
}

int ldt_get(unsigned entry, struct seg_desc *out)
{
    if (entry >= LDT_ENTRIES)
        return -EINVAL;
    unsigned *used;
    int err;
    struct seg_desc *ldt = sched_current_ldt(false, &used, &err);
    out->lo = out->hi = 0;
    if (ldt && entry < *used)
        *out = ldt[entry];
    return 0;
}

unsigned ldt_entries_used(void)
{
    unsigned *used;
    int err;
    sched_current_ldt(false, &used, &err);
    return *used;
}

const void *ldt_current_table(void)
{
    unsigned *used;
    int err;
    return sched_current_ldt(false, &used, &err);
}
