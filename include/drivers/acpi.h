/* ACPI tables as far as Proteus uses them (drivers/acpi/acpi.c). */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H
#include <proteus/types.h>

/* The header every ACPI table starts with (ACPI 6.5, 5.2.6). */
struct acpi_header {
    char sig[4];
    u32 length;
    u8 revision, checksum;
    char oem_id[6], oem_table_id[8];
    u32 oem_revision, creator_id, creator_revision;
} __packed;
/* Find the tables: `rsdp` from the boot protocol (PVH gives it), or 0 to
 * search the EBDA at `ebda` and the BIOS area. Returns 0 or -ENODEV. */
int acpi_init(paddr_t rsdp, paddr_t ebda);
/* The first place in [from, end), from on and every 16 bytes, that holds
 * a whole RSDP (20 bytes before `end`) with the signature "RSD PTR " and
 * a good checksum over its first 20 bytes (ACPI 6.5, 5.2.5.1 and 5.2.5.3);
 * NULL if none. acpi_init searches the BIOS area with it. */
const char *acpi_rsdp_scan(const char *from, const char *end);
/* A table by signature ("FACP", "APIC", ...), or NULL; *len is its
 * length as checked (the whole table is mapped and checksummed, and at
 * least as long as the fields Proteus reads of that type). */
const void *acpi_find_table(const char *sig, u32 *len);
/* What enters S5 (soft off): the value to write to the PM1a control port
 * and, if not 0, the PM1b one; -ENODEV (after a message) if the firmware
 * gives no usable \_S5 or PM1a control block. */
int acpi_s5_control(u16 *pm1a_port, u16 *pm1b_port, u16 *value);
bool acpi_disabled(void);
#define ACPI_PM_TIMER_HZ 3579545
/* The PM timer's I/O port and width; -ENODEV if the FADT has none. */
int acpi_pm_timer(u16 *port, bool *bits32);
#endif
