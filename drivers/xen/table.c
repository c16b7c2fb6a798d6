/*
 * The xenbus drivers, by the device type the toolstack lists under
 * device/ (pv/xen/xenbus.c tries them in this order). Adding one is a
 * line here (docs/architecture.md, "What a change touches"); a type no
 * driver knows is listed and left alone.
 */
#include <drivers/xenfront.h>
#include <pv/xenbus.h>

const struct xenbus_driver *const xenbus_drivers[] = {
    &netfront_driver,
    &blkfront_driver,
    NULL,
};
