/*
 * The PCI drivers, in the order the scan tries them (drivers/pci/pci.c).
 * Adding one is a line here and its probe (docs/architecture.md, "What a
 * change touches").
 */
#include <drivers/pci.h>
#include <drivers/virtio_blk.h>
#include <drivers/virtio_net.h>

static const struct pci_driver virtio_net_modern = {
    "virtio-net", VIRTIO_PCI_VENDOR, VIRTIO_PCI_NET_MODERN, virtio_net_probe,
};
static const struct pci_driver virtio_net_transitional = {
    "virtio-net", VIRTIO_PCI_VENDOR, VIRTIO_PCI_NET_TRANSITIONAL, virtio_net_probe,
};

static const struct pci_driver virtio_blk_modern = {
    "virtio-blk", VIRTIO_PCI_VENDOR, VIRTIO_PCI_BLK_MODERN, virtio_blk_probe,
};
static const struct pci_driver virtio_blk_transitional = {
    "virtio-blk", VIRTIO_PCI_VENDOR, VIRTIO_PCI_BLK_TRANSITIONAL, virtio_blk_probe,
};

const struct pci_driver *const pci_drivers[] = {
    &virtio_net_modern,
    &virtio_net_transitional,
    &virtio_blk_modern,
    &virtio_blk_transitional,
    NULL,
};
