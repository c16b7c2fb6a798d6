/*
 * The VMI personality: the kernel does not talk to a hypervisor at all but
 * calls a shim, a separate and versioned ROM, through its call table, and
 * the shim does the privileged work (docs/vmi.md; the ABI is
 * pv/vmi/abi.h and docs/vmi-abi.md).
 *
 * probe:   scan the option-ROM area for the VMI signature and check the
 *          ROM whole (pv/vmi/rom.c) before any of its code runs; a refused
 *          ROM leaves one line saying why, and the next personality
 *          (native) boots instead
 * install: once the memory map is known (install_needs_memory: the
 *          native ops stand in until then), copy the shim into pages taken
 *          from it (the code is position-independent), call its init, and
 *          point every op at the shim's entry, at a no-op, or (an optional
 *          call the shim leaves out) at the kernel's native code
 * patch:   each call site as the shim directs: a direct call into the
 *          shim, the native bytes it asks for inline, or nothing
 * memory:  the copy's code read+execute, its data read+write and the
 *          rest read-only, in the kernel's page tables from the first
 *          moment they are used
 */
#include "rom.h"
#include <arch/cpu.h>
#include <arch/extable.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/pvpatch.h>
#include <proteus/string.h>
#include <proteus/vm.h>
#include "vmi.h"
#include "../native/native.h"


/* The shim runs from its copy: pages taken from the memory map before the
 * frame allocator starts (boot_memory_take), in the boot-time mappings of
 * both architectures (identity on x86_64, no paging yet on i386) and then
 * in the kernel's own tables (vmi_boot_regions). The image carries no room
 * for it: a boot without a shim pays nothing. */
#define SHIM_MAX (64 * 1024)
static u8 *shim_area;
static size_t shim_size;
static struct vmi_rom_info rom;
static paddr_t rom_pa;
static bool bound;
static int init_result;   /* what the shim's init returned, if it ran */
static char group_name[32], detail_buf[48];

/* Which call implements each platform op: one list, used twice below (to
 * bind the overlay op by op, typed, and to find an op's call when
 * patching). */
#define VMI_OP_CALLS(X)                                                                       \
    X(cpu, cpuid, CPUID) X(cpu, read_cr0, READ_CR0) X(cpu, write_cr0, WRITE_CR0)               \
    X(cpu, read_cr2, READ_CR2) X(cpu, read_cr4, READ_CR4) X(cpu, write_cr4, WRITE_CR4)        \
    X(cpu, read_dr, READ_DR) X(cpu, write_dr, WRITE_DR) X(cpu, read_msr, READ_MSR)            \
    X(cpu, write_msr, WRITE_MSR) X(cpu, read_tsc, READ_TSC) X(cpu, load_gdt, LOAD_GDT)        \
    X(cpu, load_idt, LOAD_IDT) X(cpu, load_tr, LOAD_TR) X(cpu, load_ldt, LOAD_LDT)            \
    X(cpu, alloc_ldt, ALLOC_LDT) X(cpu, free_ldt, FREE_LDT)                                   \
    X(cpu, write_gdt_entry, WRITE_GDT_ENTRY) X(cpu, write_ldt_entry, WRITE_LDT_ENTRY)         \
    X(cpu, set_kernel_stack, SET_KERNEL_STACK)                                                \
    X(irq, save_flags, SAVE_FLAGS) X(irq, restore_flags, RESTORE_FLAGS)                       \
    X(irq, disable, DISABLE) X(irq, enable, ENABLE) X(irq, safe_halt, SAFE_HALT)              \
    X(mmu, alloc_pt, ALLOC_PT) X(mmu, release_pt, RELEASE_PT) X(mmu, set_pte, SET_PTE)        \
    X(mmu, set_pmd, SET_PMD) X(mmu, set_pud, SET_PUD) X(mmu, set_p4d, SET_P4D)                \
    X(mmu, read_entry, READ_ENTRY) X(mmu, read_pt_base, READ_PT_BASE)                         \
    X(mmu, write_pt_base, WRITE_PT_BASE) X(mmu, flush_tlb_one, FLUSH_TLB_ONE)                 \
    X(mmu, flush_tlb_all, FLUSH_TLB_ALL) X(mmu, flush_tlb_global, FLUSH_TLB_GLOBAL)           \
    X(mmu, lazy_enter, LAZY_ENTER) X(mmu, lazy_flush, LAZY_FLUSH)                             \
    X(mmu, lazy_leave, LAZY_LEAVE)                                                            \
    X(apic, init, APIC_INIT) X(apic, eoi, APIC_EOI) X(apic, route_irq, APIC_ROUTE_IRQ)        \
    X(apic, mask_irq, APIC_MASK_IRQ) X(apic, send_ipi, APIC_SEND_IPI)                         \
    X(apic, cpu_id, APIC_CPU_ID)                                                              \
    X(time, init, TIME_INIT) X(time, clock_ns, CLOCK_NS)                                      \
    X(time, wallclock_at_boot_ns, WALLCLOCK_AT_BOOT_NS) X(time, arm_oneshot, ARM_ONESHOT)     \
    X(time, tsc_hz, TSC_HZ)                                                                   \
    X(console, init, CONSOLE_INIT) X(console, write, CONSOLE_WRITE)                           \
    X(console, read, CONSOLE_READ)                                                            \
    X(power, exit, EXIT)

/* The ops the personality implements itself on the shim's calls: the vcpu
 * group (pv/vmi/vcpu.c), whose start describes the new CPU's state from
 * the kernel's side and must never fall back to native code, which would
 * start CPUs behind the shim's back; and the flush of other CPUs' TLBs,
 * the kernel's calls to each (sent with the shim's APIC_SEND_IPI, flushed
 * there with its FLUSH_TLB_ONE): the ABI has no call for it; and a run of
 * page-table entries, written one by one through the shim's SET_PTE..
 * SET_P4D after READ_ENTRY, as the shim must see every write; and port
 * I/O, an op per width, on the shim's IO_IN and IO_OUT, which take the
 * width as an argument (below). */
#define VMI_OP_OWN(X)                                                                         \
    X(vcpu, count, vmi_vcpu_count) X(vcpu, start, vmi_vcpu_start)                             \
    X(mmu, flush_tlb_others, vmi_flush_tlb_others)                                            \
    X(mmu, fill_run, pt_fill_run_by_entry)                                                    \
    X(cpu, in8, vmi_in8) X(cpu, in16, vmi_in16) X(cpu, in32, vmi_in32)                        \
    X(cpu, out8, vmi_out8) X(cpu, out16, vmi_out16) X(cpu, out32, vmi_out32)

#define COUNT_OP(...) +1
BUILD_BUG_ON(0 VMI_OP_CALLS(COUNT_OP) VMI_OP_OWN(COUNT_OP) !=
             0 PVOP_LIST(COUNT_OP));   /* every op has its call or its own code */

#define CALL_ENTRY(group, op, call) { (u32)PVOP_OFF(group.op), VMI_##call },
static const struct {
    u32 offset;
    u16 call;
} op_calls[] = { VMI_OP_CALLS(CALL_ENTRY) };
#undef CALL_ENTRY

/* The call behind the op at `offset` in struct pv_ops, for patching. */
static int call_of(u32 offset)
{
    for (unsigned i = 0; i < ARRAY_SIZE(op_calls); i++)
        if (op_calls[i].offset == offset)
            return op_calls[i].call;
    return -1;
}

/* Where a no-op call goes when it is called rather than patched out
 * (pvpatch=off, pvstats): nothing, under every call's signature, since
 * only void calls may be no-ops. */
static PVOP_ABI void vmi_nop(void)
{
}

bool vmi_shim_offset(const void *p, unsigned long *off)
{
    uintptr_t a = (uintptr_t)p, base = (uintptr_t)shim_area;
    if (!bound || a < base || a >= base + rom.hdr.text_size)
        return false;
    *off = (unsigned long)(a - base);
    return true;
}

int vmi_init_result(void)
{
    return init_result;
}

const struct vmi_rom_info *vmi_rom(void)
{
    return &rom;
}

void *vmi_call_entry(unsigned n)
{
    const struct vmi_call *c = vmi_rom_call(&rom, n);
    if (!bound || (c->kind != VMI_CALL_CALL && c->kind != VMI_CALL_INLINE))
        return NULL;
    return shim_area + c->entry;
}

bool vmi_op_is_nop(const void *impl)
{
    return bound && impl == (const void *)vmi_nop;
}

/* ---- probe ------------------------------------------------------------------- */

/*T:260 The VMI probe is a scan of ROM space, not a CPUID look: the shim is
 * an option ROM the firmware copied into 0xC0000-0xDFFFF, on a 2 KiB
 * boundary (VMI_ROM_SCAN_*, pv/vmi/abi.h). At each boundary the two-byte
 * option-ROM signature 55 AA, then the VMI magic at its header offset,
 * then the whole ROM checked (pv/vmi/rom.c: the option-ROM frame with its
 * length and checksum, the VMI header with its ABI version and
 * architecture, the strings, every call) before any of its code may run:
 * nothing but reads. A ROM that fails leaves a note saying why, and the
 * table goes on to KVM and native. */
bool vmi_scan(struct vmi_rom_info *out, paddr_t *at, bool report)
{
    char why[128];
    for (paddr_t pa = VMI_ROM_SCAN_START; pa < VMI_ROM_SCAN_END; pa += VMI_ROM_SCAN_STEP) {
        const u8 *p = phys_to_virt(pa);
        if (p[0] != 0x55 || p[1] != 0xaa)
            continue;   /* not a ROM: most places, passed over with two reads */
        u32 magic;
        memcpy(&magic, p + VMI_HEADER_OFFSET, sizeof(magic));
        if (magic != VMI_MAGIC)
            continue;   /* another ROM (the VGA BIOS, a NIC's) */
        if (!vmi_rom_check(p, VMI_ROM_SCAN_END - pa, VMI_ARCH_SELF, out, why, sizeof(why))) {
            *at = pa;
            return true;
        }
        if (report)
            platform_note("vmi: refusing the shim ROM at 0x%lx: %s; booting without it",
                          (unsigned long)pa, why);
    }
    return false;
}

bool vmi_shim_offered(void)
{
    struct vmi_rom_info r;
    paddr_t at;
    return vmi_scan(&r, &at, false);
}

static bool vmi_probe(void)
{
    return vmi_scan(&rom, &rom_pa, true);
}

/* ---- install ----------------------------------------------------------------- */

/* The shim's instructions that may fault on purpose (its fixup table,
 * checked to lie inside its code): where the trap handler resumes. */
static unsigned long vmi_fixup(unsigned long ip)
{
    uintptr_t base = (uintptr_t)shim_area;
    for (u32 i = 0; i < rom.hdr.nfixups; i++) {
        struct vmi_fixup f;
        memcpy(&f, shim_area + rom.hdr.fixups_offset + i * sizeof(f), sizeof(f));
        if (ip == base + f.insn)
            return base + f.resume;
    }
    return 0;
}

static VMI_CC void *svc_map_phys(uint64_t pa, unsigned long len)
{
    return vm_map_mmio(pa, len);
}

/* The shim may log from init, before the console is up: then the line
 * waits with the other boot notes. */
static VMI_CC void svc_log(const char *msg)
{
    if (platform_console_ready())
        printk("vmi: %s: %s\n", rom.name, msg);
    else
        platform_note("vmi: %s: %s", rom.name, msg);
}

/* 1.2: pages the shim keeps (vmi-native: the page a CPU starts in, below
 * 1 MiB). The direct map holds them at their physical address; a page is
 * executable only while the shim asks, and only one it was given. */
static void *shim_pages[16];

static VMI_CC void *svc_alloc_page(uint64_t below)
{
    unsigned i = 0;
    while (i < ARRAY_SIZE(shim_pages) && shim_pages[i])
        i++;
    paddr_t pa = i < ARRAY_SIZE(shim_pages) && below > PAGE_SIZE
                     ? page_alloc_below((paddr_t)below) : 0;
    if (!pa)
        return NULL;
    void *p = phys_to_virt(pa);
    memset(p, 0, PAGE_SIZE);
    shim_pages[i] = p;
    return p;
}

static VMI_CC int svc_page_exec(void *page, int exec)
{
    for (unsigned i = 0; i < ARRAY_SIZE(shim_pages); i++)
        if (page && shim_pages[i] == page)
            return vm_protect((vaddr_t)page, PAGE_SIZE,
                              exec ? VM_READ | VM_EXEC : VM_READ | VM_WRITE);
    return -EINVAL;
}

static const struct vmi_services services = {
    .size = sizeof(struct vmi_services),
    .abi_major = VMI_ABI_MAJOR,
    .abi_minor = VMI_ABI_MINOR,
    .map_phys = svc_map_phys,
    .log = svc_log,
    .alloc_page = svc_alloc_page,
    .page_exec = svc_page_exec,
};

/* Port I/O: the shim's IO_IN and IO_OUT (optional: pv/vmi/abi.h), bound
 * at install; where the shim leaves one out, the native ops (the
 * instructions) stay. */
static u32(PVOP_ABI *io_in_call)(u16 port, int size);
static void(PVOP_ABI *io_out_call)(u16 port, int size, u32 val);
static PVOP_ABI u8 vmi_in8(u16 port) { return (u8)io_in_call(port, 1); }
static PVOP_ABI u16 vmi_in16(u16 port) { return (u16)io_in_call(port, 2); }
static PVOP_ABI u32 vmi_in32(u16 port) { return io_in_call(port, 4); }
static PVOP_ABI void vmi_out8(u16 port, u8 v) { io_out_call(port, 1, v); }
static PVOP_ABI void vmi_out16(u16 port, u16 v) { io_out_call(port, 2, v); }
static PVOP_ABI void vmi_out32(u16 port, u32 v) { io_out_call(port, 4, v); }

/* What an op is bound to for call `n`, counted by the call's kind. */
static void *bind_call(unsigned n, unsigned count[VMI_CALL_NOP + 1])
{
    const struct vmi_call *c = vmi_rom_call(&rom, n);
    unsigned kind = c->kind <= VMI_CALL_NOP ? c->kind : VMI_CALL_ABSENT;   /* checked already */
    count[kind]++;
    if (kind == VMI_CALL_CALL || kind == VMI_CALL_INLINE)
        return shim_area + c->entry;
    if (kind == VMI_CALL_NOP)
        return (void *)vmi_nop;
    return NULL;   /* optional and left out: the native code stays */
}

static const struct pv_ops *vmi_install(void)
{
    /* The probe checked the ROM where the firmware left it, in memory the
     * hypervisor can still change. Copy it, check the copy, and from now
     * on read only the copy (call table, directives, fixups). */
    struct vmi_rom_info copy;
    char why[128];
    if (rom.length > SHIM_MAX) {
        platform_note("vmi: refusing the shim ROM at 0x%lx: %u bytes, this kernel runs at most "
                      "%u; booting without it", (unsigned long)rom_pa, rom.length, SHIM_MAX);
        return NULL;
    }
    /* Taken for good: if the shim is refused below, its pages stay out of
     * the map (64 KiB at most, on a boot that then runs without it). */
    shim_size = ALIGN_UP((size_t)rom.length, PAGE_SIZE);
    shim_area = boot_memory_take(shim_size);
    if (!shim_area) {
        platform_note("vmi: no %zu KiB of RAM below the boot mappings' end for the shim's copy; "
                      "booting without it", shim_size / 1024);
        return NULL;
    }
    memset(shim_area + rom.length, 0, shim_size - rom.length);
    if (vmi_rom_take(rom.rom, rom.length, shim_area, shim_size, VMI_ARCH_SELF, &copy, why,
                     sizeof(why))) {
        platform_note("vmi: refusing the shim ROM at 0x%lx: %s; booting without it",
                      (unsigned long)rom_pa, why);
        return NULL;
    }
    if (memcmp(&copy.hdr, &rom.hdr, sizeof(rom.hdr))) {
        platform_note("vmi: the shim ROM at 0x%lx changed after it was checked (another "
                      "header); booting without it", (unsigned long)rom_pa);
        return NULL;
    }
    rom = copy;
    extable_add_source(vmi_fixup);
    int err = ((vmi_init_fn)(shim_area + rom.hdr.init_offset))(&services);
    init_result = err;
    if (err) {
        extable_add_source(NULL);
        platform_note("vmi: the shim '%s' refused to start: %s (%d); booting without it",
                      rom.name, errno_name(err), err);
        return NULL;
    }
    bound = true;
    /* The overlay, op by op: the shim's entry for a call (or inline
     * bytes, which it also has an entry for, for unpatched sites), the
     * no-op for a no-op, and nothing where an optional call is left out
     * (the native op stays). The shim's name is every group's. */
    static struct pv_ops over;
    unsigned n[VMI_CALL_NOP + 1] = { 0 };
#define BIND(group, op, call)                                                                  \
    over.group.op = (__typeof__(over.group.op))bind_call(VMI_##call, n);
    VMI_OP_CALLS(BIND)
#undef BIND
    io_in_call = (__typeof__(io_in_call))bind_call(VMI_IO_IN, n);
    io_out_call = (__typeof__(io_out_call))bind_call(VMI_IO_OUT, n);
#define OWN(group, op, fn) over.group.op = fn;
    VMI_OP_OWN(OWN)
#undef OWN
    if (!io_in_call)
        over.cpu.in8 = NULL, over.cpu.in16 = NULL, over.cpu.in32 = NULL;
    if (!io_out_call)
        over.cpu.out8 = NULL, over.cpu.out16 = NULL, over.cpu.out32 = NULL;
#define NAME(group) over.group.name = group_name;
    PVOP_GROUPS(NAME)
#undef NAME
    strlcpy(group_name, rom.name, sizeof(group_name));
    ksnprintf(detail_buf, sizeof(detail_buf), "%s/%u.%u", rom.name, rom.hdr.abi_major,
              rom.hdr.abi_minor);
    platform_note("vmi: shim '%s' (licence %s), ABI %u.%u, found at 0x%lx (%u KiB): %u calls "
                  "into it, %u inline, %u no-ops, %u left native",
                  rom.name, rom.license, rom.hdr.abi_major, rom.hdr.abi_minor,
                  (unsigned long)rom_pa, rom.length / 1024, n[VMI_CALL_CALL], n[VMI_CALL_INLINE],
                  n[VMI_CALL_NOP], n[VMI_CALL_ABSENT]);
    return &over;
}

/*T:940 The shim decides whether a clock the hypervisor offers may stand in for
 * its own (VMI_FEATURE_GUEST_CLOCK, ABI 1.1; kernel/mixing.c). Its
 * interrupt controller is its own: nothing extends it. The ABI makes
 * APIC_EOI a call into the shim (docs/vmi-abi.md) and promises nothing
 * about what the call does: the shim may acknowledge an 8259, skip a
 * spurious vector, write a local APIC, or keep books of its own. PV EOI
 * works by not making that call when KVM says the EOI is not needed, and
 * KVM can only say so about the local APIC it emulates, which the kernel
 * here does not drive (the shim does, if it drives one at all). So only the shim could permit PV EOI, and the ABI
 * has no feature bit by which it could; and were this to say yes, the
 * kernel's rule would still refuse it (mixing.c's refusal: apic.init is
 * not the native controller's). */
static bool vmi_accepts(enum offer_kind kind)
{
    return kind == OFFER_CLOCK && (rom.hdr.features & VMI_FEATURE_GUEST_CLOCK);
}

static const char *vmi_detail(void)
{
    return detail_buf;
}

/* ---- patching ----------------------------------------------------------------- */

/*T:480 What a pt_set_entry site becomes under the shim: whatever its call
 * table says for the op's call. vmi_install has already pointed
 * pv_ops.mmu.set_pte..set_p4d at shim_area + entry (bind_call); here each
 * recorded site is rewritten. vmi-native on x86_64 marks SET_PTE..SET_P4D
 * INLINE with the bytes 48 89 37, `mov %rsi,(%rdi)`: the site becomes the
 * same store as native, and the shim is never entered. On i386 they are
 * CALLs: the site becomes a direct call to the shim's shim_set_entry, with
 * the pointer in EAX and the value in EDX:ECX (pv/vmi/abi.h, the call
 * contract). ALLOC_PT, RELEASE_PT and LAZY_* are NOPs there, so those
 * sites vanish. A shim over a hypervisor would give CALLs that check or
 * queue, as pv/xen does, and the kernel would not change. */
static void vmi_patch(u32 offset, void *impl, struct pvpatch_directive *d)
{
    int n = call_of(offset);
    const struct vmi_call *c = n >= 0 ? vmi_rom_call(&rom, (unsigned)n) : NULL;
    if (!c || c->kind == VMI_CALL_ABSENT) {
        native_patch(offset, impl, d);   /* the native code stayed: maybe inline it */
        return;
    }
    void *bound_impl = c->kind == VMI_CALL_NOP ? (void *)vmi_nop : (void *)(shim_area + c->entry);
    if (impl != bound_impl)
        return;   /* the kernel replaced the shim's op (a mixed-in clock): call that */
    if (c->kind == VMI_CALL_NOP) {
        d->kind = PVPATCH_NOP;
    } else if (c->kind == VMI_CALL_INLINE && c->len <= PVPATCH_SITE_LEN) {
        d->kind = PVPATCH_INLINE;
        d->len = c->len;
        memcpy(d->bytes, c->bytes, c->len);
    }
    /* else a direct call into the shim (the default) */
}

/* ---- boot steps -------------------------------------------------------------- */

/* The copy mapped from the first moment the kernel's page tables are
 * used (the shim's own calls build and load them): its code executable,
 * its data writable, the rest (the call table, strings) read-only. The
 * ROM check put the data page-aligned after the code, inside the copy. */
static const struct vm_region *vmi_boot_regions(unsigned *n)
{
    static struct vm_region shim_regions[4];
    size_t text = ALIGN_UP((size_t)rom.hdr.text_size, PAGE_SIZE), data = rom.hdr.data_offset,
           data_end = MIN(ALIGN_UP(data + rom.hdr.data_size, PAGE_SIZE), shim_size);
    if (!rom.hdr.data_size)
        data = data_end = shim_size;
    const struct vm_region all[4] = {
        { (vaddr_t)shim_area, text, VM_READ | VM_EXEC },
        { (vaddr_t)shim_area + text, data - text, VM_READ },
        { (vaddr_t)shim_area + data, data_end - data, VM_READ | VM_WRITE },
        { (vaddr_t)shim_area + data_end, shim_size - data_end, VM_READ },
    };
    *n = 0;
    for (unsigned i = 0; i < ARRAY_SIZE(all); i++)
        if (all[i].len)
            shim_regions[(*n)++] = all[i];
    return shim_regions;
}

const struct personality vmi_personality = {
    .name = "vmi",
    .probe = vmi_probe,
    .install = vmi_install,
    .install_needs_memory = true,
    .detail = vmi_detail,
    .boot_regions = vmi_boot_regions,
    .firmware_tables = false,   /* the shim owns the interrupt controller and power */
    .pci = true,                /* its port I/O goes through the shim */
    .patch = vmi_patch,
    .accepts = vmi_accepts,
};
