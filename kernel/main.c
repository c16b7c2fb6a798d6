/*
 * The boot sequence, from the first C instruction to the app's main().
 * The order matters: the personality before any platform operation, the
 * console before any message, the memory map before the allocator, page
 * tables before the heap, the interrupt controller before the timer.
 */
#include <arch/boot.h>
#include <arch/cpu.h>
#include <arch/hypervisor.h>
#include <drivers/acpi.h>
#include <proteus/bootinfo.h>
#include <proteus/cmdline.h>
#include <proteus/console.h>
#include <proteus/errno.h>
#include <proteus/offer.h>
#include <proteus/options.h>
#include <proteus/panic.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/shutdown.h>
#include <drivers/pci.h>
#include <drivers/virtio_mmio.h>
#include <proteus/smp.h>
#include <proteus/pvops.h>
#include <proteus/pvpatch.h>
#include <proteus/string.h>
#include <proteus/thread.h>
#include <proteus/timekeeping.h>
#include <proteus/timer.h>
#include <arch/thread.h>
#include <proteus/vm.h>

/* Set by the entry stub (arch/x86/<arch>/boot.S) before anything else. */
u64 boot_tsc __attribute__((section(".data")));
/* The EBDA's segment from the BIOS data area (0x40e), read by the entry
 * stub while page 0 can still be read. */
u32 boot_ebda_segment __attribute__((section(".data")));
/* Set by the entry stub when the loader left the BSS not zeroed, against
 * its protocol, and the stub zeroed it (arch/x86/boot/start32.S). */
u8 boot_bss_dirty __attribute__((section(".data")));
/* Not zeroed with the BSS: bootinfo_parse zeroes it first, or kernel_main
 * copies another entry's over it (4 KiB, 516 stores of the clearing). */
static struct boot_info boot_info __noclear;
static bool acpi_off;

extern const char proteus_app_name[];
extern void __libc_init_array(void);
extern int main(int argc, char **argv, char **envp);
extern __noreturn void exit(int status);
extern char **environ;   /* newlib's (libc/stdlib/environ.c), getenv's source */

const struct memmap *boot_memmap(void)
{
    return &boot_info.mem;
}

const char *boot_protocol(void)
{
    return boot_info.protocol;
}

static bool bench;

/* Where the boot's time goes: the TSC as each numbered step of
 * kernel_main begins (the `bench` option prints the spans; docs/boot.md
 * explains them). Step 0 is the entry path before kernel_main: the entry
 * stub, the personality's choice, the console, the boot information. */
static const char *const step_names[] = {
    "entry to kernel_main", "1 cpu tables", "2 command line", "3 pvpatch",
    "4 memory", "5 firmware tables", "6 interrupt controller", "7 time",
    "8 offers", "9 other cpus", "9b devices", "10 to main",
};
#define BOOT_STEPS ARRAY_SIZE(step_names)
static u64 step_tsc[BOOT_STEPS];

static void boot_step(unsigned step)
{
    step_tsc[step] = read_tsc();
}

static void print_boot_steps(u64 main_tsc)
{
    step_tsc[0] = boot_tsc;
    for (unsigned i = 0; i < BOOT_STEPS; i++) {
        u64 end = i + 1 < BOOT_STEPS ? step_tsc[i + 1] : main_tsc;
        printk("proteus: bench: boot step %s: %llu cycles\n", step_names[i],
               (unsigned long long)(end - step_tsc[i]));
    }
}

/* What the options the boot itself acts on say (kernel/options.c reports
 * the unknown ones). */
static void apply_options(void)
{
    printk_quiet = kernel_option_bool("quiet", false);
    bench = kernel_option_bool("bench", false);

    const char *mem = kernel_option("mem");
    u64 limit;
    if (mem && (cmdline_parse_size(mem, &limit) || limit < 0x200000))
        printk("proteus: mem=%s is not a size of at least 2M (ignored)\n", mem);
    else if (mem)
        memmap_limit(&boot_info.mem, limit);

    /* shutdown_grace=S: seconds the app has to exit when asked (1-3600) */
    const char *grace = kernel_option("shutdown_grace");
    if (grace) {
        u64 v;
        if (cmdline_parse_uint(grace, 1, 3600, &v))
            printk("proteus: shutdown_grace=%s is not 1-3600 seconds (ignored)\n", grace);
        else
            shutdown_set_grace((unsigned)v);
    }

    const char *acpi = kernel_option("acpi");
    if (acpi && !strcmp(acpi, "off"))
        acpi_off = true;
    else if (acpi)
        printk("proteus: acpi=%s is not understood; use acpi=off (ignored)\n", acpi);
}

/* pvpatch=off is the escape hatch: it wins over pvstats. */
static enum pvpatch_mode patch_mode(void)
{
    bool patch = kernel_option_bool("pvpatch", true), stats = kernel_option_bool("pvstats", false);
    if (!patch && stats)
        printk("proteus: pvpatch=off wins over pvstats: no counting thunks\n");
    if (!patch)
        return PVPATCH_OFF;
    if (stats)
        return PVPATCH_STATS;
    return IS_ENABLED(CONFIG_PVOPS) ? PVPATCH_ON : PVPATCH_OFF;
}

static void print_memory_map(void)
{
    const struct memmap *m = &boot_info.mem;
    for (unsigned i = 0; i < m->n; i++)
        pr_info("  mem 0x%010llx-0x%010llx %s\n", (unsigned long long)m->r[i].base,
                (unsigned long long)(m->r[i].base + m->r[i].len - 1),
                memmap_type_name(m->r[i].type));
}

static void *app_main_thread(void *unused)
{
    static char *argv[CMDLINE_MAX_ARGS + 2];
    /* The environment: env.NAME=value options, copied out of the kernel's
     * options because newlib's setenv rewrites a value in place when the
     * new one is no longer. A static array is what newlib's own initial
     * environ is too: setenv copies it to the heap the first time it needs
     * a larger one, and unsetenv shifts entries within it. */
    static char *envp[CMDLINE_MAX_OPTS + 1];
    static char env_strings[CMDLINE_MAX];
    int argc = 0;

    const struct cmdline *line = boot_cmdline();
    argv[argc++] = (char *)proteus_app_name;
    for (unsigned i = 0; i < line->nargs; i++)
        argv[argc++] = (char *)line->args[i];
    argv[argc] = NULL;
    cmdline_env(line, env_strings, sizeof(env_strings), envp, CMDLINE_MAX_OPTS);
    environ = envp;

    /* 11. The platform's services that need threads (a Xen domU's
     * xenstore), before the app can ask for them. */
    const struct personality *p = platform_current();
    if (p->start_services)
        p->start_services();

    if (bench) {
        u64 now = read_tsc();
        print_boot_steps(now);
        printk("proteus: bench: cycles from the first instruction to main: %llu\n",
               (unsigned long long)(now - boot_tsc));
        /* the guest's own clock: the TSC's rate is known by now */
        printk("proteus: bench: guest time from the first instruction to main: %llu us, "
               "hypercalls: %lu\n", (unsigned long long)((now - boot_tsc) * 1000000 / tsc_hz()),
               hypercalls_made);
    }
    page_alloc_mark();   /* what the app takes is counted from here */
    __libc_init_array();
    exit(main(argc, argv, envp));
}

/* The CPU's descriptor tables and trap entry: the personality's tables
 * (or the native GDT and TSS), then the IDT every personality describes
 * the same way. */
static void setup_cpu(const struct personality *p)
{
    if (p->setup_cpu)
        p->setup_cpu();
    else
        cpu_tables_init(0);
    idt_init();
}

/* Whether boot_memory_take may take from boot_info's map: from the
 * moment it is parsed until the frame allocator starts from it. */
static bool map_open;
extern char __image_start[], __bss_end[];   /* kernel.ld */

void *boot_memory_take(size_t bytes)
{
    if (!map_open)
        return NULL;
    u64 at = memmap_take(&boot_info.mem, bytes, MIN(BOOT_IDENTITY_END, VM_DIRECT_LIMIT),
                         (uintptr_t)__image_start, ALIGN_UP((uintptr_t)__bss_end, PAGE_SIZE));
    return at ? phys_to_virt((paddr_t)at) : NULL;
}

/* RAM the CPU cannot address (beyond MAXPHYADDR, or above 4 GiB for
 * 2-level paging) is left out of the map before anything uses it. */
static void drop_unaddressable_ram(void)
{
    u64 addressable = 1ULL << cpu_features.phys_bits;
    if (!IS_ENABLED(CONFIG_64BIT) && !cpu_features.pae)
        addressable = 1ULL << 32;   /* before vm_init, vm_phys_limit() cannot tell */
    u64 above = memmap_usable_bytes(&boot_info.mem, addressable);
    if (!above)
        return;
    printk("proteus: %llu MiB of RAM lie above this CPU's %u-bit physical address limit and "
           "are not used\n", (unsigned long long)(above >> 20),
           !cpu_features.pae && !IS_ENABLED(CONFIG_64BIT) ? 32 : cpu_features.phys_bits);
    memmap_limit(&boot_info.mem, addressable);
}

/* The frame allocator, then page tables: the kernel's own, built from the
 * memory map, or the ones it was started on, extended. */
static void setup_memory(const struct personality *p)
{
    map_open = false;
    page_alloc_init(&boot_info.mem);
    if (p->adopt_page_tables) {
        paddr_t mapped_end = 0;
        paddr_t root = p->adopt_page_tables(&mapped_end);
        vm_adopt(&boot_info.mem, root, mapped_end);
    } else {
        unsigned n = 0;
        const struct vm_region *regions = p->boot_regions ? p->boot_regions(&n) : NULL;
        vm_init(&boot_info.mem, regions, n);
    }
    desc_paging_ready();
}

static __noreturn void kernel_main_rest(void);
vaddr_t boot_cpu_stack_top;

/* Leave the boot stack for one from the stack window, with its guard page
 * (the boot stack cannot have one: it is in use before there are page
 * tables to unmap a page with), and continue the boot there. The pages of
 * the image only the boot used (kernel.ld, .bss..boot_only: the boot
 * stack, and the x86_64 entry's page tables) then go to the frame
 * allocator, as Linux frees its init sections; nothing the kernel keeps
 * points into them (the boot information is copied, not on the stack). */
static __noreturn void leave_boot_stack(void)
{
    int err;
    boot_cpu_stack_top = vm_stack_alloc(BOOT_CPU_STACK_PAGES, "idle", &err);
    if (!boot_cpu_stack_top)
        panic("no stack for the boot CPU: %s (%d)", errno_name(err), err);
    arch_run_on_stack(boot_cpu_stack_top, kernel_main_rest);
}

static void release_boot_only(void)
{
    extern char __boot_only_start[], __boot_only_end[];
    for (char *pg = __boot_only_start; pg < __boot_only_end; pg += PAGE_SIZE)
        page_free(virt_to_phys_direct(pg));
}

/*T:190 The boot sequence after the boot information is in, common to every
 * entry path (docs/architecture.md, "The boot sequence", numbers these
 * steps). The personality supplies only what differs at each step.
 * boot_entry (Multiboot, PVH) and xen_start (Xen PV) both end here, each
 * with a personality installed, its console running and a struct
 * boot_info; nothing below asks which entry ran except through the
 * personality's descriptor (setup_cpu, adopt_page_tables, firmware_tables)
 * and boot_info.protocol, printed on the second boot line. What each step
 * costs: docs/boot.md. */
__noreturn void kernel_main(const struct boot_info *bi)
{
    const struct personality *p = platform_current();
    if (bi != &boot_info)
        boot_info = *bi;
    /* 1. The trap entry first, so that any fault from here on is reported. */
    boot_step(1);
    cpu_detect();
    setup_cpu(p);

    /* 2. The command line. */
    boot_step(2);
    options_parse(boot_info.cmdline, boot_info.cmdline_names_image, boot_info.cmdline_truncated);
    apply_options();
    hypervisor_print();
    /* 3. Before anything else runs much, and while the text is still
     * writable: rewrite every platform-op call site (kernel/pvpatch.c). */
    boot_step(3);
    pvpatch_apply(patch_mode());

    /* 4. Memory: the map, the frame allocator, page tables. */
    boot_step(4);
    drop_unaddressable_ram();
    print_memory_map();
    setup_memory(p);
    leave_boot_stack();
}

/* The boot from step 4 on, on the boot CPU's stack from the window. */
static __noreturn void kernel_main_rest(void)
{
    const struct personality *p = platform_current();
    release_boot_only();
    cpu_enable_fpu();

    /* 5. Firmware tables, where they describe the machine. */
    boot_step(5);
    if (!acpi_off && p->firmware_tables)
        acpi_init(boot_info.rsdp, boot_info.ebda);   /* reports what it finds */

    /* 6. The interrupt controller, then the console's input interrupt. */
    boot_step(6);
    int err = apic_init();
    if (err)
        panic("interrupt controller (%s) failed to start: %s", pv_ops.apic.name, errno_name(err));
    console_late_init();

    /* 7. Time: an offered clock the mixing rule accepted first (its rate
     * spares the personality a measurement), then the personality's own
     * time group, which keeps the timer. */
    boot_step(7);
    timer_init();
    offers_start_clock();
    err = time_init();
    if (err)
        panic("time (%s) failed to start: %s (%d)", pv_ops.time.name, errno_name(err), err);

    /* 8. The other offered interfaces; every op that changed is patched
     * again, so its call sites go straight to the new one. */
    boot_step(8);
    offers_take();
    /* Whatever measured or was told the rate (a shim, a hypervisor's
     * clock), the kernel holds it to what a TSC can be. */
    u64 hz = tsc_hz();
    if (!tsc_hz_plausible(hz))
        panic("time (%s) gives a TSC rate of %llu Hz, outside %llu-%llu Hz", pv_ops.time.name,
              (unsigned long long)hz, TSC_HZ_MIN, TSC_HZ_MAX);

    /* 9. Interrupts on; the other CPUs started (kernel/smp.c); the boot
     * lines say what runs. */
    boot_step(9);
    irq_enable();
    smp_init();
    /* 9b. The buses the platform has, each device listed and its driver
     * started (include/proteus/device.h). A Xen domU's xenbus is scanned
     * at step 11 instead, by its personality's start_services: xenstore
     * answers only a thread that can sleep. */
    boot_step(10);
    if (p->pci) {
        pci_scan();
        virtio_mmio_scan();   /* the devices the command line names */
    }
    platform_print_boot_line();
    u64 free_pages, total_pages;
    page_alloc_stats(&free_pages, &total_pages);
    printk("proteus: boot=%s paging=%s nx=%s memory=%llu KiB free=%llu KiB cpus=%u/%u "
           "cpu=\"%s\"\n",
           boot_info.protocol, vm_paging_name(), vm_nx_enabled() ? "on" : "off",
           (unsigned long long)total_pages * 4, (unsigned long long)free_pages * 4,
           smp_cpus_online(), smp_cpus_possible(),
           cpu_features.brand[0] ? cpu_features.brand : cpu_features.vendor);

    /*T:195 10. The app's main thread. sched_start never returns: what
     * runs here becomes the boot CPU's idle thread, and it makes a thread
     * with CONFIG_MAIN_STACK_PAGES of stack and switches to it. The
     * thread runs app_main_thread (above): argv from the command line
     * after `--`, the env.NAME=value options as the environment, the
     * personality's start_services (step 11), the C library's
     * constructors, and exit(main(argc, argv, envp)), whose status ends
     * the machine (kernel_exit, kernel/panic.c: the power op). */
    boot_step(11);
    fpu_init();
    sched_start(app_main_thread, NULL, CONFIG_MAIN_STACK_PAGES);
}

/*T:170 The first C of the Multiboot and PVH entry (arch/x86/<arch>/boot.S),
 * on the boot stack with interrupts off. Its order is forced: no platform
 * op may run before a personality is installed (platform_select, which
 * only reads CPUID and ROM space: chapter 2), no message before
 * console_init, and the probes' notes wait for the console. Only then is
 * the loader's information read (kernel/bootinfo.c: `kind` says whether
 * EBX was a multiboot_info or an hvm_start_info; each is checked before it
 * is trusted) into boot_info, which from here on says the same thing
 * whichever loader ran. */
void boot_entry(u32 kind, u32 magic, u32 info)
{
    platform_select();
    console_init();
    platform_print_notes();
    if (boot_bss_dirty)
        printk("proteus: the boot loader left the BSS not zeroed (Multiboot 0.6.96 3.1.3 and "
               "the ELF program header say it zeroes it): zeroed at entry\n");

    if (bootinfo_parse(&boot_info, kind, magic, info)) {
        printk("proteus: cannot boot without valid boot information\n");
        kernel_exit(PANIC_EXIT_STATUS);
    }
    boot_info.ebda = (paddr_t)boot_ebda_segment << 4;
    /*T:282 A personality whose install takes memory (the VMI shim's copy)
     * starts now that the map is known; then its console takes over from
     * the native one that stood in, and its notes are printed. Still
     * before kernel_main's first step, so still before the first
     * interrupt and the first page table the kernel builds. */
    map_open = true;
    if (platform_install_held()) {
        console_set_late_init(NULL);   /* the stand-in console's input routing is not the new one's */
        console_init();
        platform_print_notes();
    }
    kernel_main(&boot_info);
}
