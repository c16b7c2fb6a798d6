/*
 * The list of devices (include/proteus/device.h). Buses add to it as
 * they scan, before any app runs; readers (monitor, selftest) come later,
 * so a list with a count suffices: entries are only appended, and only
 * from the boot CPU's scans. The entries live in pages taken from the
 * frame allocator as the list grows, so an image carries no room for
 * devices a machine does not have (issue 18), and a machine with many
 * gets them all listed, up to DEVICE_MAX.
 */
#include <proteus/device.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/printk.h>
#include <proteus/string.h>
#include <proteus/vm.h>

struct device_page {
    struct device_page *next;
    struct device d[];
};
#define PER_PAGE ((PAGE_SIZE - sizeof(struct device_page)) / sizeof(struct device))
BUILD_BUG_ON(PER_PAGE < 1);

static struct device_page *first, *last;
static unsigned ndevices;

/* Whether a device has been left off the list (said once). */
static bool said;

struct device *device_add(const char *bus, const char *addr, const char *ident)
{
    if (ndevices == DEVICE_MAX) {
        if (!said)
            printk("device: more than %u devices: %s %s and later ones are not listed\n",
                   DEVICE_MAX, bus, addr);
        said = true;
        return NULL;
    }
    if (ndevices % PER_PAGE == 0) {
        /* Not zeroed: device_add writes every field of an entry before
         * the count takes it in (a page's zeroing was 1,024 of i386's
         * boot instructions). */
        paddr_t pa = page_alloc(PAGE_DIRECT);
        struct device_page *pg = pa ? phys_to_virt(pa) : NULL;
        if (!pg) {
            if (!said)
                printk("device: no memory for the device list (%s): %s %s and later ones are "
                       "not listed\n", errno_name(ENOMEM), bus, addr);
            said = true;
            return NULL;
        }
        pg->next = NULL;
        if (last)
            last->next = pg;
        else
            first = pg;
        last = pg;
    }
    struct device *d = &last->d[ndevices++ % PER_PAGE];
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
    if (i >= ndevices)
        return NULL;
    const struct device_page *pg = first;
    for (unsigned skip = i / PER_PAGE; skip; skip--)
        pg = pg->next;
    return &pg->d[i % PER_PAGE];
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
