/*
 * Xen's split-driver frontends (drivers/xen/): netfront (xen/io/netif.h)
 * and blkfront (xen/io/blkif.h), each a driver of the xenbus bus
 * (include/pv/xenbus.h) that registers a device of the kernel's class
 * (netdev, blockdev). Also the pure checks they make of what the backend
 * writes (drivers/xen/front_check.c), host-tested and fuzzed.
 */
#ifndef INCLUDE_DRIVERS_XENFRONT_H
#define INCLUDE_DRIVERS_XENFRONT_H

#include <proteus/types.h>
#include <pv/xen_public.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>

struct xenbus_driver;
/* The device types a driver knows (drivers/xen/table.c), ended by a NULL
 * type: the driver, or NULL where the image does not carry its class, and
 * then why. */
struct xenbus_class {
    const char *type;   /* "vif" */
    const struct xenbus_driver *drv;
    const char *absent;
};
extern const struct xenbus_class xenbus_classes[];
extern const struct xenbus_driver netfront_driver, blkfront_driver;

/* A netfront's network device, a blkfront's block device (for a test's
 * device, which is not registered), or NULL. */
struct xenbus_dev;
struct netdev;
struct blockdev;
struct netdev *netfront_netdev(const struct xenbus_dev *d);
struct blockdev *blkfront_blockdev(const struct xenbus_dev *d);

/* The `mac` key, "xx:xx:xx:xx:xx:xx" in hex: 0, or -EINVAL for any other
 * form, a multicast address (bit 0 of the first byte) or all zeroes. */
int xenfront_parse_mac(const char *s, u8 mac[6]);

/* Why a response is refused, or NULL when it may be believed. */
/* netif rx: id below nbufs and outstanding (its bit in `posted`), a
 * status that is a length or a NETIF_RSP_* error, and offset + length
 * inside the page. */
const char *xenfront_netif_rx_check(const struct netif_rx_response *r, unsigned nbufs,
                                    const u8 *posted);
/* netif tx: id below nbufs and outstanding, status a NETIF_RSP_*. */
const char *xenfront_netif_tx_check(const struct netif_tx_response *r, unsigned nbufs,
                                    const u8 *posted);
/* blkif: the id and operation of the request in flight, a BLKIF_RSP_*. */
const char *xenfront_blkif_check(const struct blkif_response *r, u64 id, u8 op);

#endif
