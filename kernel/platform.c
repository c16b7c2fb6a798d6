/*
 * Choosing the personality at boot. The table is in priority order: the
 * most specific platform first, native last as the fallback. Later
 * personalities (VMI, KVM) go above native; Xen PV is chosen by its own
 * entry path rather than by a probe.
 */
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>

struct pv_ops pv_ops;

static const struct personality *const personalities[] = {
    &native_personality,
};

static const struct personality *current;

const struct personality *platform_select(void)
{
    for (unsigned i = 0; i < ARRAY_SIZE(personalities); i++) {
        const struct personality *p = personalities[i];
        if (p->probe()) {
            /* every personality starts from the native tables */
            native_personality.install();
            if (p != &native_personality)
                p->install();
            current = p;
            return p;
        }
    }
    return NULL;   /* unreachable: native's probe always succeeds */
}

void platform_select_entry(const struct personality *p)
{
    native_personality.install();
    p->install();
    current = p;
}

void pv_ops_override(void *group, const void *over, size_t size)
{
    /* every group is a name followed by function pointers, all one word */
    void **dst = group;
    void *const *src = over;
    for (size_t i = 0; i < size / sizeof(void *); i++)
        if (src[i])
            dst[i] = src[i];
}

const struct personality *platform_current(void)
{
    return current;
}

void platform_print_boot_line(void)
{
    printk("proteus: platform=%s arch=%s cpu=%s irq=%s mmu=%s apic=%s time=%s console=%s\n",
           current->name,
#ifdef __x86_64__
           "x86_64",
#else
           "i386",
#endif
           pv_ops.cpu.name, pv_ops.irq.name, pv_ops.mmu.name, pv_ops.apic.name, pv_ops.time.name,
           pv_ops.console.name);
}
