/*
 * The virtio PCI transport, modern interface (drivers/virtio/virtio_pci.c;
 * VIRTIO 1.2, 4.1 "Virtio Over PCI Bus"): the PCI driver that finds a
 * virtio device's registers through its vendor-specific capabilities
 * (4.1.4), sets the device up as a struct virtio_dev (<drivers/virtio.h>)
 * and hands it to the driver of its type.
 */
#ifndef DRIVERS_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_H

#include <drivers/pci.h>

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_NO_VECTOR 0xffff   /* 4.1.5.1.2: no MSI-X vector */

/* Any function of vendor 0x1af4: modern ids 0x1040 + type, transitional
 * 0x1000-0x103f with the type in the subsystem id (4.1.2.1). */
int virtio_pci_probe(struct pci_dev *p, const char **driver, const char **state);

#endif
