/*
 * The xenbus drivers, by the device type the toolstack lists under
 * device/ (pv/xen/xenbus.c tries them in this order): the one place a
 * driver's type is written. Adding one is a
 * line here (docs/architecture.md, "What a change touches"); a type no
 * driver knows is listed and left alone.
 *
 * Both belong to device classes (Makefile, DEVCLASS_C) that an image
 * carries only when its app uses them: the references are weak, and a
 * driver the image does not carry is NULL here, its devices listed with
 * the reason.
 */
#include <drivers/xenfront.h>
#include <proteus/blockdev.h>
#include <proteus/netdev.h>
#include <pv/xenbus.h>

#pragma weak netfront_driver
#pragma weak blkfront_driver

const struct xenbus_class xenbus_classes[] = {
    { "vif", &netfront_driver, NETDEV_ABSENT },
    { "vbd", &blkfront_driver, BLOCKDEV_ABSENT },
    { NULL, NULL, NULL },
};
