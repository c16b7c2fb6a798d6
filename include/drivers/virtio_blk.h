/*
 * virtio-blk (drivers/virtio/virtio_blk.c): the PCI driver's probe, for
 * the table of PCI drivers (drivers/pci/table.c).
 */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#include <drivers/pci.h>

#define VIRTIO_PCI_BLK_MODERN 0x1042         /* 0x1040 + device id 2 (VIRTIO 1.2, 4.1.2.1) */
#define VIRTIO_PCI_BLK_TRANSITIONAL 0x1001

int virtio_blk_probe(struct pci_dev *p, const char **state);

#endif
