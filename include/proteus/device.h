/*
 * The devices the kernel found (kernel/device.c): one list for every bus
 * (PCI, virtio-mmio, xenbus), so that the boot log, the monitor and the
 * tests see them alike. A bus adds each device it finds, with or without
 * a driver; a device no driver claims is listed and left alone.
 */
#ifndef PROTEUS_DEVICE_H
#define PROTEUS_DEVICE_H

#include <proteus/types.h>

/* A bound on the list, against a bus that reports without end (a PCI
 * segment alone may hold 65,536 functions): its entries take pages as
 * the list grows (kernel/device.c). */
#define DEVICE_MAX 256

struct device {
    char bus[8];         /* "pci" */
    char addr[24];       /* where on the bus: "00:03.0" */
    char ident[40];      /* what it says it is: "1af4:1041 class 0200" */
    const char *driver;  /* the driver that took it, or NULL */
    const char *state;   /* the driver's word on it: "up", "failed: ..." */
};

/* A device found, kept; NULL when the list is full (said once). */
struct device *device_add(const char *bus, const char *addr, const char *ident);
/* Its driver and the driver's verdict. */
void device_bound(struct device *d, const char *driver, const char *state);
/* One line on the console: bus, address, identity, driver and verdict. */
void device_report(const struct device *d);
unsigned device_count(void);
const struct device *device_at(unsigned i);

#endif
