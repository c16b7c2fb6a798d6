/*
 * Choosing the personality at boot, from the table in pv/table.c (priority
 * order: the most specific platform first, native last as the fallback;
 * Xen PV is chosen by its own entry path rather than by a probe), and
 * installing it: the native ops, with the personality's overlay merged
 * over them. Nothing here names a personality but the native base.
 */
#include <arch/hypervisor.h>
#include <proteus/format.h>
#include <proteus/offer.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/pvpatch.h>
#include <proteus/string.h>

struct pv_ops pv_ops;
unsigned long hypercalls_made;

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

/*T:270 The native ops, then the personality's overlay: false if it cannot run.
 * The call sites follow at once (kernel/pvpatch.c): the build wrote them
 * native, and no op may run another platform's instruction.
 * This is the moment the personality takes over, and it comes before the
 * first interrupt, the first page-table change and the first message: the
 * entry stubs left interrupts off, and boot_entry calls console_init only
 * after platform_select. Every personality starts from the whole native
 * table, so an overlay names only what it changes (pv_ops_merge, below),
 * and an op it leaves out is still the native one. */
static bool install(const struct personality *p)
{
    pv_ops = *native_personality.install();
    if (p->install && p != &native_personality) {
        const struct pv_ops *over = p->install();
        if (!over) {
            pv_ops = native_ops;
            return false;
        }
        pv_ops_merge(over);
    }
    current = p;
    pvpatch_installed();
    return true;
}

/* A personality chosen whose install waits for the memory map
 * (install_needs_memory), and where the table goes on if it cannot run. */
static const struct personality *held;
static unsigned held_at;
static bool memory_known;

/*T:265 The walk itself: the first personality from `first` on whose probe
 * says yes. Its install may still refuse (NULL overlay: a shim that will
 * not start), and then the walk goes on; native, last, always probes yes
 * and always installs. A personality that needs the memory map to install
 * is only noted here (held), with native's ops standing in until
 * platform_install_held. The offers (kvmclock, PV EOI, ...) are weighed
 * against the one chosen: docs/mixing.md. */
static const struct personality *select_from(unsigned first)
{
    for (unsigned i = first; personality_table[i]; i++) {
        const struct personality *p = personality_table[i];
        if (!p->probe())
            continue;
        if (p->install_needs_memory && !memory_known) {
            install(&native_personality);   /* stands in until then */
            held = p;
            held_at = i;
            return p;
        }
        if (!install(p))
            continue;
        offers_weigh(p);
        return p;
    }
    return NULL;   /* unreachable: native, last, always probes and installs */
}

/*T:230 The choice, made once at boot, first thing in boot_entry
 * (kernel/main.c). Every probe reads CPUID's hypervisor leaves from one
 * record, made here before them (hypervisor_detect, arch/x86/hypervisor.c),
 * so that the scan runs once however many probes and offers look. There is
 * no command-line override: the command line is read at boot step 2, long
 * after this; the machine decides (a shim ROM present, KVM's CPUID block,
 * Xen's entry point). */
const struct personality *platform_select(void)
{
    /* once, with the CPUID instruction: probes and the offers read it */
    hypervisor_detect();
    held = NULL;
    memory_known = false;
    return select_from(0);
}

bool platform_install_held(void)
{
    memory_known = true;
    const struct personality *p = held;
    if (!p)
        return false;
    held = NULL;
    if (install(p))
        offers_weigh(p);
    else
        select_from(held_at + 1);
    return true;
}

/*T:285 Xen PV's way in (pv/xen/start.c): the entry point is the probe, so
 * no table is walked; the personality is installed as any other, and only
 * then are the hypervisor leaves read, through the cpu op: Xen's cpuid op
 * is the forced-emulation form (Xen's public arch-x86/xen.h,
 * XEN_CPUID), since under PV the plain instruction may show the host
 * CPU's leaves rather than Xen's. */
void platform_select_entry(const struct personality *p)
{
    if (!install(p))
        install(&native_personality);   /* cannot happen for Xen PV, which always installs */
    current = p;
    /* through the cpu op: under Xen PV plain CPUID shows the host CPU's
     * leaves, the forced-emulation form Xen's */
    hypervisor_detect();
    offers_weigh(p);
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

/* A group's name with what an offer added: "kvmclock+tsc" (the offered
 * clock, the personality's timer), "x2apic+pv-eoi" (the controller and
 * its extension), "x2apic+pv-eoi+pv-ipi", "native+pv-tlb-flush". */
static const char *mixed_name(char *buf, size_t size, const char *own, enum offer_kind kind,
                              bool offer_first)
{
    const struct offer *o = offer_running(kind);
    if (!o)
        return own;
    ksnprintf(buf, size, "%s+%s", offer_first ? o->name : own, offer_first ? own : o->name);
    return buf;
}

/*T:295 How the choice is printed: one line, once the boot is done (step
 * 9b in kernel_main), naming the personality (with its `detail`: the
 * shim's name and ABI, KVM's block when it is not at 0x40000000) and the
 * implementation of every ops group, with what offers mixed in:
 *
 *   proteus: platform=native arch=x86_64 cpu=native irq=native mmu=native apic=xapic
 *            time=tsc console=serial vcpu=native
 *   proteus: platform=vmi:vmi-native/1.2 arch=x86_64 cpu=vmi-native irq=vmi-native ...
 *
 * The boot tests match this line (tests/boot/tests.cfg); `monitor`'s
 * `platform` and `hv` commands show the same at run time. */
void platform_print_boot_line(void)
{
    const char *detail = current->detail ? current->detail() : NULL;
    char apic0[48], apic[64], time[48], mmu[48];
    printk("proteus: platform=%s%s%s arch=%s cpu=%s irq=%s mmu=%s apic=%s time=%s console=%s "
           "vcpu=%s\n",
           current->name, detail ? ":" : "", detail ? detail : "", ARCH_NAME,
           pv_ops.cpu.name, pv_ops.irq.name,
           mixed_name(mmu, sizeof(mmu), pv_ops.mmu.name, OFFER_TLB_FLUSH, false),
           mixed_name(apic, sizeof(apic),
                      mixed_name(apic0, sizeof(apic0), pv_ops.apic.name, OFFER_APIC_EXTENSION,
                                 false),
                      OFFER_IPI, false),
           mixed_name(time, sizeof(time), pv_ops.time.name, OFFER_CLOCK, true),
           pv_ops.console.name, pv_ops.vcpu.name);
}
