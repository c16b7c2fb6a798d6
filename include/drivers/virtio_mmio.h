/*
 * The virtio MMIO transport (drivers/virtio/virtio_mmio.c; VIRTIO 1.2,
 * 4.2 "Virtio Over MMIO"): devices at addresses the command line names,
 * as QEMU's microvm passes them without ACPI (hw/i386/microvm.c, and
 * Linux's virtio_mmio.device= parameter it follows):
 *
 *     virtio_mmio.device=<size>@<base>:<irq>[:<id>]
 *
 * size with an optional K/M/G suffix, base in hex (0x...) or decimal, irq
 * the ISA IRQ the device raises.
 */
#ifndef DRIVERS_VIRTIO_MMIO_H
#define DRIVERS_VIRTIO_MMIO_H

#include <proteus/types.h>

#define VIRTIO_MMIO_OPTION "virtio_mmio.device"

/* One option's value: 0, or -1 when it is not of that form (a size below
 * the 0x100 bytes of registers, a base that is not 4-byte aligned or
 * wraps, an irq above 15 are refused too; microvm's devices are 0x200
 * apart, so a base need not be page-aligned).
 * Pure: tests/unit/test_virtio_mmio.c. */
int virtio_mmio_parse(const char *s, u64 *size, u64 *base, unsigned *irq);

/* Every device the command line names, listed and given to its driver. */
void virtio_mmio_scan(void);

#endif
