/*
 * What every virtio transport and driver shares (include/drivers/virtio.h).
 */
#include <drivers/virtio.h>
#include <proteus/printk.h>

void virtio_fail(struct virtio_dev *d, const char *why)
{
    d->t->set_failed(d);
    printk("virtio: %s: %s: the device is stopped\n", d->where, why);
}
