/*
 * The fake physical memory of acpi_fake_phys.h: the kernel's vm_map_mmio
 * for host builds of drivers/acpi/acpi.c.
 */
#include "acpi_fake_phys.h"

#include <stdlib.h>
#include <string.h>
#include <proteus/range.h>
#include <proteus/vm.h>

u8 fake_phys[FAKE_PHYS_SIZE];
unsigned fake_maps;
static void *copies[4096];
static unsigned ncopies;

void fake_phys_release(void)
{
    for (unsigned i = 0; i < ncopies; i++)
        free(copies[i]);
    ncopies = 0;
}

void fake_phys_checksum(u8 *t, u32 len, u32 at)
{
    t[at] = 0;
    u8 sum = 0;
    for (u32 i = 0; i < len; i++)
        sum += t[i];
    t[at] = (u8)-sum;
}

void fake_phys_reset(void)
{
    fake_phys_release();
    memset(fake_phys, 0, sizeof(fake_phys));
    fake_maps = 0;
}

void *vm_map_mmio(paddr_t pa, size_t len)
{
    if (pa < PAGE_SIZE || !range_inside(pa, len, FAKE_PHYS_BASE, FAKE_PHYS_BASE + FAKE_PHYS_SIZE) ||
        ncopies == sizeof(copies) / sizeof(copies[0]))
        return NULL;
    void *p = malloc(len ? len : 1);
    if (!p)
        abort();
    memcpy(p, fake_phys + (pa - FAKE_PHYS_BASE), len);
    copies[ncopies++] = p;
    fake_maps++;
    return p;
}
