/*
 * Personalities: who implements the platform ops. Each is a descriptor in
 * a priority-ordered table (kernel/platform.c); boot takes the first whose
 * probe succeeds, and native, last, always does. A probe only reads (CPUID,
 * memory); install fills pv_ops, starting from the native tables and
 * replacing what the personality does differently (docs/architecture.md,
 * "Choosing a personality").
 */
#ifndef PROTEUS_PERSONALITY_H
#define PROTEUS_PERSONALITY_H

#include <proteus/types.h>

/* Probes run before anything else (even the console), so they get no
 * boot information: they look at the machine itself (CPUID, ROM space).
 * Xen PV is recognised by its own entry point, not by a probe. */
struct pvpatch_directive;
struct memmap;
struct boot_info;

struct personality {
    const char *name;
    bool (*probe)(void);
    /* Fill pv_ops (over the native tables). false: it cannot run after all
     * (a shim refused to start): the next personality is tried. */
    bool (*install)(void);
    /* More about the chosen one, for the boot line's platform field
     * ("vmi:vmi-native/1.0"); NULL: the name alone. */
    const char *(*detail)(void);
    /* Boot steps that differ by platform (kernel/main.c, kernel_main):
     * the CPU's descriptor tables and trap entry; the allocator and page
     * tables; firmware tables (NULL: none). */
    void (*setup_cpu)(void);
    void (*setup_memory)(const struct memmap *m);
    void (*setup_firmware)(const struct boot_info *bi);
    /* How to patch call sites of the op at `offset` in struct pv_ops, now
     * implemented by `impl`. NULL, or leaving *d alone: a direct call. */
    void (*patch)(u32 offset, void *impl, struct pvpatch_directive *d);
    /* The mixing rule (kernel/mixing.c): may a paravirtual clock the
     * hypervisor offers replace this personality's clock, its timer kept?
     * NULL: never (it has its own, or one would not fit). */
    bool (*clock_mixable)(void);
};

extern const struct personality native_personality;

/* Lay a personality's ops over pv_ops: every group name and operation
 * `over` sets (non-NULL); the rest stay as they were (native). Typed and
 * generated from PVOP_GROUPS and PVOP_LIST, so an overlay is a struct
 * pv_ops with designated initialisers:
 *   struct pv_ops over = { .time = kvm_time_ops, .apic = kvm_apic_ops };
 *   pv_ops_merge(&over); */
struct pv_ops;
void pv_ops_merge(const struct pv_ops *over);

/* A probe cannot print (the console is not up yet): it leaves a line here
 * instead, and boot prints the lot once the console works. */
void platform_note(const char *fmt, ...) __printf(1, 2);
void platform_print_notes(void);   /* once the console works */
bool platform_console_ready(void);   /* print, or leave a note */

/* Choose and install; returns the chosen one. */
const struct personality *platform_select(void);
/* For a personality chosen by its entry path (Xen PV): install it. */
void platform_select_entry(const struct personality *p);
const struct personality *platform_current(void);
/* The one boot line naming the implementation of every ops group. */
void platform_print_boot_line(void);

/* Mix independent interfaces into the chosen personality (kernel/mixing.c):
 * after install, before patching. */
void platform_mix(const struct personality *p);
/* What was mixed in, for the boot log and `monitor` ("kvmclock"), or NULL. */
const char *platform_mixed_clock(void);

/* Time this vCPU was ready to run but the host ran something else, from
 * whichever interface offers it (KVM's steal time). */
void steal_clock_register(const char *name, u64 (*read_ns)(void));
/* 0 and the nanoseconds so far, or -ENOSYS where nothing offers it. */
int steal_clock_ns(u64 *ns, const char **name);

/* Everything after the boot information is in (kernel/main.c). */
__noreturn void kernel_main(const struct boot_info *bi);

#endif
