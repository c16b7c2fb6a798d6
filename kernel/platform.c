/*
 * Choosing the personality at boot. The table is in priority order: the
 * most specific platform first, native last as the fallback; Xen PV is
 * chosen by its own entry path rather than by a probe. A shim ROM goes
 * before KVM: whoever installed it wants the kernel to use it.
 */
#include <arch/hypervisor.h>
#include <proteus/format.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/string.h>
#include <pv/kvm.h>
#include <pv/vmi.h>

struct pv_ops pv_ops;


static const struct personality *const personalities[] = {
    &vmi_personality,      /* a VMI shim ROM in the option-ROM area */
    &kvm_personality,      /* KVM's CPUID block, with kvmclock */
    &native_personality,   /* the fallback: its probe always succeeds */
};

static const struct personality *current;

static char notes[1024];
static bool console_ready;

void platform_note(const char *fmt, ...)
{
    size_t used = strlen(notes);
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(notes + used, sizeof(notes) - used, fmt, ap);
    va_end(ap);
    used = strlen(notes);
    if (used + 1 < sizeof(notes)) {
        notes[used] = '\n';
        notes[used + 1] = '\0';
    }
}

void platform_print_notes(void)
{
    console_ready = true;
    if (notes[0])
        printk("%s", notes);
    notes[0] = '\0';
}

bool platform_console_ready(void)
{
    return console_ready;
}

const struct personality *platform_select(void)
{
    /* once, with the CPUID instruction: probes and the mixing rule read it */
    hypervisor_detect();
    for (unsigned i = 0; i < ARRAY_SIZE(personalities); i++) {
        const struct personality *p = personalities[i];
        if (!p->probe())
            continue;
        /* every personality starts from the native tables */
        native_personality.install();
        if (p != &native_personality && !p->install())
            continue;
        current = p;
        platform_mix(p);
        return p;
    }
    return NULL;   /* unreachable: native's probe and install always succeed */
}

void platform_select_entry(const struct personality *p)
{
    native_personality.install();
    if (!p->install())
        native_personality.install();   /* cannot happen for Xen PV, which always installs */
    current = p;
    /* through the cpu op: under Xen PV plain CPUID shows the host CPU's
     * leaves, the forced-emulation form Xen's */
    hypervisor_detect();
}

void pv_ops_merge(const struct pv_ops *over)
{
#define MERGE_NAME(g) if (over->g.name) pv_ops.g.name = over->g.name;
#define MERGE_OP(g, op) if (over->g.op) pv_ops.g.op = over->g.op;
    PVOP_GROUPS(MERGE_NAME)
    PVOP_LIST(MERGE_OP)
#undef MERGE_NAME
#undef MERGE_OP
}

/* The merge above, the patcher and the VMI call table rely on the lists
 * naming everything in struct pv_ops: a group or op added to the struct
 * and not to the lists fails the build here. */
#define ONE_GROUP(g) +1
#define ONE_OP(g, op) +1
BUILD_BUG_ON(sizeof(struct pv_ops) != sizeof(void *) * (0 PVOP_GROUPS(ONE_GROUP) PVOP_LIST(ONE_OP)));
#undef ONE_GROUP
#undef ONE_OP

const struct personality *platform_current(void)
{
    return current;
}

void platform_print_boot_line(void)
{
    const char *detail = current->detail ? current->detail() : NULL;
    printk("proteus: platform=%s%s%s arch=%s cpu=%s irq=%s mmu=%s apic=%s time=%s console=%s\n",
           current->name, detail ? ":" : "", detail ? detail : "", ARCH_NAME,
           pv_ops.cpu.name, pv_ops.irq.name, pv_ops.mmu.name, pv_ops.apic.name, pv_ops.time.name,
           pv_ops.console.name);
}
