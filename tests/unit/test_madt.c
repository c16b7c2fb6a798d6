/*
 * drivers/acpi/madt.c: the MADT parser and the ISA IRQ -> GSI lookup. The
 * table comes from firmware, so besides a QEMU-like table the cases are
 * malformed ones: entries of length 0 or 1, entries running past the end,
 * short entries of a known type, more IOAPICs than the table holds.
 */
/* unit-sources: drivers/acpi/madt.c */
#include "unit.h"

#include <string.h>
#include <drivers/madt.h>
#include <proteus/errno.h>

static u8 t[512];
static size_t len;

static void start(u32 flags)
{
    memset(t, 0, sizeof(t));
    memcpy(t, "APIC", 4);
    u32 lapic = 0xfee00000;
    memcpy(t + 36, &lapic, 4);
    memcpy(t + 40, &flags, 4);
    len = 44;
}

static void add(const u8 *e, size_t n)
{
    memcpy(t + len, e, n);
    len += n;
}

static void add_ioapic(u8 id, u32 addr, u32 gsi)
{
    u8 e[12] = { 1, 12, id, 0 };
    memcpy(e + 4, &addr, 4);
    memcpy(e + 8, &gsi, 4);
    add(e, 12);
}

static void add_iso(u8 src, u32 gsi, u16 flags)
{
    u8 e[10] = { 2, 10, 0, src };
    memcpy(e + 4, &gsi, 4);
    memcpy(e + 8, &flags, 2);
    add(e, 10);
}

static struct madt_info m;

TEST(madt_qemu_like)
{
    start(1);
    u8 lapic[8] = { 0, 8, 0, 0, 1, 0, 0, 0 };
    add(lapic, 8);
    add_ioapic(0, 0xfec00000, 0);
    add_iso(0, 2, 0);
    add_iso(9, 9, 0xd);   /* level, active high */
    CHECK_EQ(madt_parse(t, len, &m), 0);
    CHECK_EQ(m.lapic_addr, 0xfee00000u);
    CHECK(m.pcat_compat);
    CHECK_EQ(m.n_lapics, 1u);
    CHECK_EQ(m.n_ioapics, 1u);
    CHECK_EQ(m.ioapic[0].addr, 0xfec00000u);
    CHECK_EQ(m.n_isos, 2u);
    u32 gsi;
    bool level, low;
    madt_isa_irq(&m, 0, &gsi, &level, &low);
    CHECK_EQ(gsi, 2u);
    CHECK(!level && !low);
    madt_isa_irq(&m, 9, &gsi, &level, &low);
    CHECK_EQ(gsi, 9u);
    CHECK(level && !low);
    madt_isa_irq(&m, 4, &gsi, &level, &low);   /* no override: identity, edge, high */
    CHECK_EQ(gsi, 4u);
    CHECK(!level && !low);
}

TEST(madt_active_low_override)
{
    start(0);
    add_iso(11, 20, MPS_POLARITY_LOW | MPS_TRIGGER_LEVEL);
    CHECK_EQ(madt_parse(t, len, &m), 0);
    u32 gsi;
    bool level, low;
    madt_isa_irq(&m, 11, &gsi, &level, &low);
    CHECK_EQ(gsi, 20u);
    CHECK(level && low);
}

TEST(madt_too_short)
{
    start(0);
    CHECK_EQ(madt_parse(t, 40, &m), -EINVAL);
}

TEST(madt_zero_length_entry_stops)
{
    start(0);
    add_ioapic(0, 0xfec00000, 0);
    u8 bad[2] = { 1, 0 };   /* length 0 would loop forever */
    add(bad, 2);
    add_ioapic(1, 0xfec01000, 24);
    CHECK_EQ(madt_parse(t, len, &m), 0);
    CHECK_EQ(m.n_ioapics, 1u);
    CHECK_EQ(m.skipped, 1u);
}

TEST(madt_entry_past_end)
{
    start(0);
    add_ioapic(0, 0xfec00000, 0);
    CHECK_EQ(madt_parse(t, len - 4, &m), 0);   /* the IOAPIC entry is cut */
    CHECK_EQ(m.n_ioapics, 0u);
    CHECK_EQ(m.skipped, 1u);
}

TEST(madt_short_known_entry_ignored)
{
    start(0);
    u8 shorty[6] = { 1, 6, 0, 0, 0, 0 };   /* an IOAPIC entry needs 12 bytes */
    add(shorty, 6);
    add_ioapic(2, 0xfec00000, 0);
    CHECK_EQ(madt_parse(t, len, &m), 0);
    CHECK_EQ(m.n_ioapics, 1u);
    CHECK_EQ(m.ioapic[0].id, 2);
    CHECK_EQ(m.skipped, 1u);
}

TEST(madt_too_many_ioapics)
{
    start(0);
    for (unsigned i = 0; i < MADT_MAX_IOAPICS + 3; i++)
        add_ioapic((u8)i, 0xfec00000 + i * 0x1000, i * 24);
    CHECK_EQ(madt_parse(t, len, &m), 0);
    CHECK_EQ(m.n_ioapics, (unsigned)MADT_MAX_IOAPICS);
    CHECK_EQ(m.skipped, 3u);
}

static void add_lapic(u8 uid, u8 apic_id, u32 flags)
{
    u8 e[8] = { 0, 8, uid, apic_id };
    memcpy(e + 4, &flags, 4);
    add(e, 8);
}

static void add_x2apic(u32 apic_id, u32 flags, u32 uid)
{
    u8 e[16] = { 9, 16 };
    memcpy(e + 4, &apic_id, 4);
    memcpy(e + 8, &flags, 4);
    memcpy(e + 12, &uid, 4);
    add(e, 16);
}

/* The CPUs to start: enabled ones in table order, x2APIC entries too; a
 * hot-pluggable one is counted apart, a disabled one not at all, an id
 * listed twice once. */
TEST(madt_cpus_listed)
{
    start(1);
    add_lapic(0, 0, MADT_CPU_ENABLED);
    add_lapic(1, 2, MADT_CPU_ENABLED);
    add_lapic(2, 4, 0);                         /* disabled, not online-capable */
    add_lapic(3, 6, MADT_CPU_ONLINE_CAPABLE);   /* may be added later */
    add_x2apic(300, MADT_CPU_ENABLED, 4);       /* beyond 8-bit ids */
    add_x2apic(2, MADT_CPU_ENABLED, 1);         /* the same CPU again */
    CHECK_EQ(madt_parse(t, len, &m), 0);
    CHECK_EQ(m.n_cpus, 3u);
    CHECK_EQ(m.cpu[0].apic_id, 0u);
    CHECK_EQ(m.cpu[1].apic_id, 2u);
    CHECK_EQ(m.cpu[1].uid, 1u);
    CHECK_EQ(m.cpu[2].apic_id, 300u);
    CHECK_EQ(m.cpu[2].uid, 4u);
    CHECK_EQ(m.cpus_hotplug, 1u);
    CHECK_EQ(m.cpus_beyond, 0u);
    CHECK_EQ(m.n_lapics, 4u);
}

/* More enabled CPUs than the list holds: the rest are counted, not stored. */
TEST(madt_cpus_beyond_the_list)
{
    static u8 big[44 + 16 * (MADT_MAX_CPUS + 3)];
    memset(big, 0, sizeof(big));
    memcpy(big, "APIC", 4);
    size_t n = 44;
    for (u32 i = 0; i < MADT_MAX_CPUS + 3; i++, n += 16) {
        u8 *e = big + n;
        e[0] = 9;
        e[1] = 16;
        u32 flags = MADT_CPU_ENABLED;
        memcpy(e + 4, &i, 4);
        memcpy(e + 8, &flags, 4);
    }
    CHECK_EQ(madt_parse(big, n, &m), 0);
    CHECK_EQ(m.n_cpus, (unsigned)MADT_MAX_CPUS);
    CHECK_EQ(m.cpus_beyond, 3u);
}

/* A processor entry shorter than its type's size is skipped, not read. */
TEST(madt_short_processor_entries)
{
    start(1);
    u8 short_lapic[6] = { 0, 6, 0, 0, 1, 0 };
    u8 short_x2[12] = { 9, 12, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 };
    add(short_lapic, 6);
    add(short_x2, 12);
    CHECK_EQ(madt_parse(t, len, &m), 0);
    CHECK_EQ(m.n_cpus, 0u);
    CHECK_EQ(m.skipped, 2u);
}
