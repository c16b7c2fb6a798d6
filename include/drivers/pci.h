/*
 * The PCI bus (drivers/pci/pci.c): configuration space through
 * configuration mechanism #1, ports 0xCF8/0xCFC (PCI Local Bus
 * Specification 3.0, 3.2.2.3.2), the scan of every bus behind bus 0, BARs
 * (6.2.5.1) and the capability list (6.7), MSI-X (6.8.2). Drivers claim
 * functions by vendor and device id from a table (pci_drivers[]).
 */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <proteus/device.h>
#include <proteus/types.h>

/* Configuration space registers (PCI 3.0, 6.1) */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CLASS_REVISION 0x08
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SECONDARY_BUS 0x19   /* type 1 (bridge) header */
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11

struct pci_dev {
    u8 bus, slot, fn;
    u16 vendor, device, subsystem;
    u32 class_rev;      /* class, subclass, prog-if, revision */
    struct device *dev;
};

u32 pci_read32(const struct pci_dev *p, u16 off);
u16 pci_read16(const struct pci_dev *p, u16 off);
u8 pci_read8(const struct pci_dev *p, u16 off);
void pci_write32(const struct pci_dev *p, u16 off, u32 v);
void pci_write16(const struct pci_dev *p, u16 off, u16 v);

/* BAR `i` as a physical address (memory BARs, 64-bit ones included) or a
 * port (I/O BARs, *io set), and its size; 0 when absent or unusable. */
u64 pci_bar(const struct pci_dev *p, unsigned i, u64 *size, bool *io);
/* The capability list: offsets of capabilities with `id`, from `after`
 * (0: the first); 0 when no more. A list that loops or points outside the
 * header's 256 bytes ends (PCI 6.7: offsets are >= 0x40, dword-aligned). */
u8 pci_find_cap(const struct pci_dev *p, u8 id, u8 after);

/* MSI-X (PCI 3.0, 6.8.2): entry `entry` of the table, mapped, aimed at
 * `vector` on the boot CPU's local APIC, unmasked, and MSI-X enabled with
 * INTx off. 0, or -ENODEV without MSI-X or with fewer entries. */
int pci_msix_enable(struct pci_dev *p, unsigned entry, unsigned vector);

/* INTx instead (PCI 3.0, 2.2.6): the line firmware assigned (the
 * interrupt line register, as an ISA IRQ number: the PIIX routes PCI
 * interrupts onto ISA lines), or -ENODEV when it assigned none. Like every
 * ISA line it takes vector VEC_IRQ_BASE + line (the 8259s' vectors are
 * fixed), which the caller registers before pci_intx_enable routes the
 * line there and lets the device raise it. Level-triggered on the bus, it
 * reaches the controller as an edge, so the handler must make the device
 * drop the line (virtio: read the ISR) every time. Two devices on one
 * line cannot both be served yet (one handler per vector). */
int pci_intx_line(struct pci_dev *p);
int pci_intx_enable(struct pci_dev *p, unsigned line);

struct pci_driver {
    const char *name;
    u16 vendor, device;   /* device 0xffff: any of the vendor's */
    /* Take the function: 0, or why not; the verdict (said in the
     * device's line) in *state either way. *driver starts as `name`; a
     * driver for several kinds may name the one it became. */
    int (*probe)(struct pci_dev *p, const char **driver, const char **state);
};
extern const struct pci_driver *const pci_drivers[];

/* Every function behind bus 0, each listed, and claimed where a driver
 * matches. Configuration space through ECAM where ACPI's MCFG gives it
 * for segment 0, else through the ports. */
void pci_scan(void);

/* ECAM (PCI Express Base 4.0, 7.2.2): bus b's 4 KiB per function at
 * base + (b << 20 | device << 15 | function << 12). */
struct pci_ecam {
    u64 base;
    u8 start_bus, end_bus;
};
/* MCFG's entry for segment 0 (drivers/pci/mcfg.c): 0, -ENOENT without
 * one, -EINVAL for a malformed table or entry. */
int pci_mcfg_parse(const void *table, u32 len, struct pci_ecam *e);

#endif
