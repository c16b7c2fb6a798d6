/*
 * The native personality: real hardware, or any hypervisor that emulates
 * it. It is the fallback, so its probe always succeeds, and its ops are
 * the base every other personality's overlay is laid over.
 */
#include "native.h"
#include <proteus/personality.h>
#include <proteus/pvpatch.h>

struct pv_ops native_ops;

static bool native_probe(void)
{
    return true;
}

/* Every group, with the object that holds it. */
#define NATIVE_GROUPS(X)                                                               \
    X(cpu, native_cpu_ops) X(irq, native_irq_ops) X(mmu, native_mmu_ops)               \
    X(apic, native_apic_ops) X(time, native_time_ops) X(vcpu, native_vcpu_ops)         \
    X(console, native_serial_console_ops) X(power, native_power_ops)

/* C cannot initialise a static object from const objects defined in
 * other files, so the whole table is assembled here, a typed assignment
 * per group, each time a personality is installed over it. */
static const struct pv_ops *native_install(void)
{
#define ASSIGN(group, object) native_ops.group = object;
    NATIVE_GROUPS(ASSIGN)
#undef ASSIGN
    return &native_ops;
}

/* The same groups as data, for the build, which cannot run the assignment
 * above: scripts/pvprepatch.py finds each op's native implementation
 * here to write every call site's native form. */
#define REF(group, object)                                                             \
    { (u32)offsetof(struct pv_ops, group), (u32)sizeof(native_ops.group), &object },
const struct pvpatch_group_ref native_group_refs[] = { NATIVE_GROUPS(REF) };
#undef REF
#define ONE(group) +1
BUILD_BUG_ON(ARRAY_SIZE(native_group_refs) != 0 PVOP_GROUPS(ONE));
#undef ONE

/*T:935 A calibrated TSC is the best native clock: a paravirtual one is better
 * (kernel/mixing.c). The controller and steal time are KVM's to extend
 * and report, and on KVM the kvm personality is chosen instead. A clock
 * is the one kind anyone may take, because nothing else in the machine
 * holds state about it: the timer stays the personality's, armed through
 * translated deadlines (mixed_arm_oneshot in kernel/mixing.c). */
static bool native_accepts(enum offer_kind kind)
{
    return kind == OFFER_CLOCK;
}

const struct personality native_personality = {
    .name = "native",
    .probe = native_probe,
    .install = native_install,
    .firmware_tables = true,
    .pci = true,
    .patch = native_patch,
    .accepts = native_accepts,
};
