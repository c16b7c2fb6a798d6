/*
 * Personalities: who implements the platform ops. Each is a descriptor
 * that says only what differs from native hardware; the kernel runs the
 * boot sequence itself (kernel/main.c) and asks the descriptor at each step
 * that can differ. The descriptors sit in a priority-ordered table
 * (pv/table.c): boot takes the first whose probe succeeds, and native,
 * last, always does. Adding a personality is a pv/<name>/ folder and one
 * line in that table (docs/architecture.md, "Adding a personality").
 *
 * Interfaces a hypervisor offers independently of the personality
 * (kvmclock, PV EOI, steal time) are not part of any descriptor: they are
 * offers (include/proteus/offer.h), and the mixing rule (kernel/mixing.c)
 * asks the descriptor's `accepts` whether each may be mixed in.
 */
#ifndef PROTEUS_PERSONALITY_H
#define PROTEUS_PERSONALITY_H

#include <proteus/offer.h>
#include <proteus/pvops.h>
#include <proteus/types.h>

struct pvpatch_directive;
struct vm_region;

struct personality {
    const char *name;
    /*T:220 Runs before anything else (even the console), so it gets no boot
     * information: it looks at the machine itself (CPUID, ROM space) and
     * only reads. Xen PV is recognised by its own entry point instead.
     * Only reads, because a probe that fails must leave the machine as it
     * found it for the next one in the table, and because no platform op
     * may run yet: the probes run before any personality is installed,
     * with interrupts still off from the entry stub. */
    bool (*probe)(void);
    /* The ops it lays over the native ones: a struct pv_ops with only what
     * it replaces set (designated initialisers), merged by pv_ops_merge
     * over native's. NULL: it cannot run after all (a shim refused to
     * start), and the next personality in the table is tried. A NULL
     * `install`: native's ops unchanged. */
    const struct pv_ops *(*install)(void);

    /*T:280 `install` takes memory (boot_memory_take), so it runs once
     * the boot information is in, with the memory map, rather than at the
     * probe: the native ops, the console among them, stand in until then
     * (kernel/main.c, boot_entry). Linux's VMI support was started as late
     * (in setup_arch). VMI is the one that sets it: its install copies the
     * shim ROM into up to 64 KiB of RAM taken from the memory map, rather
     * than into room every image would carry in its BSS; so the probe
     * (a read of ROM space) decides at platform_select, and the install
     * follows at platform_install_held. Should the install fail then (no
     * room, or the shim's init refuses), the table goes on below VMI. */
    bool install_needs_memory;
    /* More about the chosen one, for the boot line's platform field
     * ("vmi:vmi-native/1.0"); NULL: the name alone. */
    const char *(*detail)(void);

    /* The boot steps that differ (kernel/main.c, kernel_main): */
    /* The CPU's descriptor tables, before the kernel loads its IDT.
     * NULL: the native GDT and TSS, loaded directly (cpu_tables_init). */
    void (*setup_cpu)(void);
    /* Page tables to keep and extend rather than build: the physical
     * address of the top-level table the kernel was started on (Xen PV,
     * whose tables are pinned and in use), and in *mapped_end the end of
     * the RAM they map at VA == physical address. NULL: the kernel builds
     * its own. */
    paddr_t (*adopt_page_tables)(paddr_t *mapped_end);
    /* Memory outside the image that the kernel's page tables must map, at
     * VA == physical address, with its own protection from the first
     * moment paging is on (the VMI shim's code and data, in memory from
     * boot_memory_take), or NULL. */
    const struct vm_region *(*boot_regions)(unsigned *n);
    /* Whether the machine's firmware tables (ACPI) describe it. */
    bool firmware_tables;
    /* Whether it has a PCI bus the kernel may scan (configuration space
     * through ports 0xCF8/0xCFC; drivers/pci/pci.c). */
    bool pci;
    /* The platform's own services that need threads and may block
     * (a Xen domU's xenstore and the toolstack's requests): run in the
     * app's main thread before main(). NULL: none. */
    void (*start_services)(void);

    /* How to patch call sites of the op at `offset` in struct pv_ops, now
     * implemented by `impl`. NULL, or leaving *d alone: a direct call. */
    void (*patch)(u32 offset, void *impl, struct pvpatch_directive *d);
    /*T:925 The mixing rule (kernel/mixing.c, docs/mixing.md): may an
     * offered interface of this kind be mixed into this personality?
     * NULL: none. It is the personality's half of the rule, because only
     * the code that owns a device class knows whether anything may be
     * laid beside it; the kernel's half (mixing.c's refusal) adds what
     * holds whatever a personality says. */
    bool (*accepts)(enum offer_kind kind);
};

/* The personalities, in priority order, NULL-terminated (pv/table.c). */
extern const struct personality *const personality_table[];
extern const struct personality native_personality;
/* The native ops: every personality's overlay is laid over a copy of
 * these, and the patcher inlines an op's native instructions only while
 * the op is still the native one. Assembled by native's install
 * (pv/native/personality.c) before any other; only read after that. */
extern struct pv_ops native_ops;

/* Lay an overlay over pv_ops: every group name and operation `over` sets
 * (non-NULL); the rest stay as they were. Typed and generated from
 * PVOP_GROUPS and PVOP_LIST, so an overlay is a struct pv_ops with
 * designated initialisers:
 *   static const struct pv_ops over = { .time = xen_time_ops };
 *   pv_ops_merge(&over); */
void pv_ops_merge(const struct pv_ops *over);

/*T:290 A probe cannot print (the console is not up yet): it leaves a line here
 * instead, and boot prints the lot once the console works. The console
 * needs a personality (console_init is a platform op), and the
 * personality is what the probes are choosing: so the notes wait in a
 * 1 KiB buffer (kernel/platform.c) until boot_entry has installed one and
 * started its console, and are printed right after console_init. */
void platform_note(const char *fmt, ...) __printf(1, 2);
void platform_print_notes(void);   /* once the console works */
bool platform_console_ready(void);   /* print, or leave a note */

/* Choose and install the first personality whose probe succeeds, and weigh
 * the offered interfaces against it; returns the chosen one (whose
 * install may be held back: platform_install_held). */
const struct personality *platform_select(void);
/* Once the boot information is in (kernel/main.c, boot_entry): install
 * the personality chosen whose install_needs_memory held it back, or, if
 * it cannot run after all, the next one whose probe succeeds; false, and
 * nothing done, when none was held back. */
bool platform_install_held(void);
/* For that install: `bytes` of RAM (whole pages) taken out of the boot
 * information's memory map (memmap_take), below the end of the boot
 * mappings (identity-mapped on x86_64, no paging yet on i386), at VA ==
 * physical address, so that the frame allocator, started later from the
 * map, never hands it out. NULL when there is no room, or once the frame
 * allocator has started (kernel/main.c). */
void *boot_memory_take(size_t bytes);
/* For a personality chosen by its entry path (Xen PV): install it. */
void platform_select_entry(const struct personality *p);
const struct personality *platform_current(void);
/* The one boot line naming the implementation of every ops group, with
 * the offered interfaces mixed in ("time=kvmclock+tsc"). */
void platform_print_boot_line(void);

/* Hypercalls made so far, counted where they are made (Xen's
 * xen_hypercall5, KVM's kvm_hypercall*): the `bench` option reports how
 * many the boot made before main (issue 18). Xen's trap-table and
 * early-mapping calls from assembly and its IRET are not counted. */
extern unsigned long hypercalls_made;

/* Everything after the boot information is in (kernel/main.c). */
struct boot_info;
__noreturn void kernel_main(const struct boot_info *bi);

#endif
