/*
 * What the ACPI MADT says about interrupt controllers (drivers/acpi/madt.c):
 * the local APIC base, the processors' local APICs, the IOAPICs with their
 * GSI ranges, and the interrupt source overrides that remap ISA IRQs.
 * ACPI 6.5, 5.2.12 (MADT), 5.2.12.2 (processor local APIC structure, flags
 * in table 5.23), 5.2.12.3 (I/O APIC structure), 5.2.12.5 (interrupt
 * source override, MPS INTI flags in table 5.50), 5.2.12.12 (processor
 * local x2APIC structure). The parser is pure and host-tested.
 */
#ifndef DRIVERS_MADT_H
#define DRIVERS_MADT_H

#include <proteus/types.h>

#define MADT_MAX_IOAPICS 8
#define MADT_MAX_ISOS 16
#define MADT_MAX_CPUS 64

/* Local APIC flags (table 5.23): a processor is usable now if Enabled; if
 * not, Online Capable says it may be added later (hot-plug). */
#define MADT_CPU_ENABLED 0x1
#define MADT_CPU_ONLINE_CAPABLE 0x2

/* MPS INTI flags: polarity bits 1:0, trigger bits 3:2 (ACPI table 5.50). */
#define MPS_POLARITY_MASK 0x3
#define MPS_POLARITY_HIGH 0x1
#define MPS_POLARITY_LOW 0x3
#define MPS_TRIGGER_MASK 0xc
#define MPS_TRIGGER_EDGE 0x4
#define MPS_TRIGGER_LEVEL 0xc

struct madt_ioapic {
    u8 id;
    u32 addr;
    u32 gsi_base;
};

struct madt_cpu {
    u32 apic_id;   /* 8 bits from a local APIC entry, 32 from an x2APIC one */
    u32 uid;       /* the ACPI processor UID */
};

struct madt_iso {
    u8 source;     /* ISA IRQ */
    u32 gsi;
    u16 flags;     /* MPS INTI flags */
};

struct madt_info {
    u32 lapic_addr;
    bool pcat_compat;          /* 8259s present (flags bit 0) */
    unsigned n_lapics;         /* processors enabled or online-capable */
    /* The enabled processors, in table order, each APIC id once (an
     * x2APIC entry repeating a local APIC entry's id is the same CPU). */
    unsigned n_cpus;
    struct madt_cpu cpu[MADT_MAX_CPUS];
    unsigned cpus_beyond;      /* enabled processors past MADT_MAX_CPUS */
    unsigned cpus_hotplug;     /* online-capable ones, not enabled now */
    unsigned n_ioapics;
    struct madt_ioapic ioapic[MADT_MAX_IOAPICS];
    unsigned n_isos;
    struct madt_iso iso[MADT_MAX_ISOS];
    unsigned skipped;          /* entries ignored: malformed or beyond the tables */
};

/* Parse a MADT of `len` bytes (the header included). 0, or -EINVAL with a
 * message for a table too short or an entry that runs past its end. */
int madt_parse(const void *table, size_t len, struct madt_info *out);

/* The GSI and flags an ISA IRQ arrives on: an override if there is one,
 * else identity, edge, active high (ACPI 5.2.12.5). */
void madt_isa_irq(const struct madt_info *m, unsigned irq, u32 *gsi, bool *level,
                  bool *active_low);

#endif
