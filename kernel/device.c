/*
 * The list of devices (include/proteus/device.h). Buses add to it as
 * they scan, before any app runs; readers (monitor, selftest) come later,
 * so a plain array with a count suffices: entries are only appended, and
 * only from the boot CPU's scan.
 */
#include <proteus/device.h>
#include <proteus/format.h>
#include <proteus/printk.h>
#include <proteus/string.h>

/* Not zeroed with the BSS: device_add writes every field of an entry
 * before the count takes it in (5.5 KiB, 704 stores of the clearing). */
static struct device devices[DEVICE_MAX] __noclear;
static unsigned ndevices;

struct device *device_add(const char *bus, const char *addr, const char *ident)
{
    if (ndevices == DEVICE_MAX) {
        static bool said;
        if (!said)
            printk("device: more than %u devices: %s %s and later ones are not listed\n",
                   DEVICE_MAX, bus, addr);
        said = true;
        return NULL;
    }
    struct device *d = &devices[ndevices++];
    strlcpy(d->bus, bus, sizeof(d->bus));   /* cut to fit */
    strlcpy(d->addr, addr, sizeof(d->addr));
    strlcpy(d->ident, ident, sizeof(d->ident));
    d->driver = NULL;
    d->state = "no driver";
    return d;
}

void device_bound(struct device *d, const char *driver, const char *state)
{
    if (!d)
        return;
    d->driver = driver;
    d->state = state;
}

unsigned device_count(void)
{
    return ndevices;
}

const struct device *device_at(unsigned i)
{
    return i < ndevices ? &devices[i] : NULL;
}

void device_report(const struct device *d)
{
    if (!d)
        return;
    if (d->driver)
        pr_info("device: %s %s %s: %s %s\n", d->bus, d->addr, d->ident, d->driver, d->state);
    else if (strcmp(d->state, "no driver"))
        pr_info("device: %s %s %s: no driver: %s\n", d->bus, d->addr, d->ident, d->state);
    else
        pr_info("device: %s %s %s: no driver\n", d->bus, d->addr, d->ident);
}
