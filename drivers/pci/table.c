/*
 * The PCI drivers, in the order the scan tries them (drivers/pci/pci.c).
 * Adding one is a line here and its probe (docs/architecture.md, "What a
 * change touches"). virtio's PCI transport takes every function of its
 * vendor and hands each to the driver of its device type.
 */
#include <drivers/pci.h>
#include <drivers/virtio_pci.h>

static const struct pci_driver virtio_pci = {
    "virtio", VIRTIO_PCI_VENDOR, 0xffff, virtio_pci_probe,
};

const struct pci_driver *const pci_drivers[] = {
    &virtio_pci,
    NULL,
};
