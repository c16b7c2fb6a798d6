/*
 * virtio-net (drivers/virtio/virtio_net.c): the PCI driver's probe, for
 * the table of PCI drivers (drivers/pci/table.c).
 */
#ifndef DRIVERS_VIRTIO_NET_H
#define DRIVERS_VIRTIO_NET_H

#include <drivers/pci.h>

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_NET_MODERN 0x1041         /* 0x1040 + device id 1 (VIRTIO 1.2, 4.1.2.1) */
#define VIRTIO_PCI_NET_TRANSITIONAL 0x1000

int virtio_net_probe(struct pci_dev *p, const char **state);

#endif
