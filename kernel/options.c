/*
 * Kernel options: the words of the boot command line before `--`
 * (kernel/cmdline.c splits it). This file owns the parsed line, knows which
 * options exist (an unknown one is reported and ignored, never fatal: a
 * typo must not stop an appliance from booting), and answers the kernel's
 * questions about them. What an option does is up to the code that asks:
 * kernel/main.c (quiet, mem, acpi, bench, pvpatch, pvstats), the APIC
 * driver (apic), kernel/smp.c (nosmp, maxcpus), kernel/shutdown.c
 * (shutdown_grace), drivers/virtio/virtio_mmio.c (virtio_mmio.device,
 * once per device), net/lwip/netif.c (ip, gw, dns), pv/xen/personality.c
 * (mmu_batch). Options of the form
 * env.NAME=value are the app's environment, not the kernel's, and are only
 * checked for form here.
 */
#include <proteus/cmdline.h>
#include <proteus/options.h>
#include <proteus/printk.h>
#include <proteus/string.h>

static struct cmdline cmdline;

static const char *const known_options[] = { "quiet",  "mem",     "acpi",    "bench", "apic",
                                             "pvpatch", "pvstats", "nosmp", "maxcpus",
                                             "shutdown_grace", "virtio_mmio.device", "ip", "gw",
                                             "dns", "tsc_khz", "apic_clock_khz", "mmu_batch" };

void options_parse(const char *line, bool names_image, bool loader_truncated)
{
    cmdline_parse(&cmdline, line, names_image);
    for (unsigned i = 0; i < cmdline.nopts; i++) {
        const char *o = cmdline.opts[i];
        bool is_env, env_ok = cmdline_env_option(o, &is_env);
        if (is_env) {
            if (!env_ok)
                printk("proteus: environment option '%s' is not env.NAME=value with a NAME of "
                       "letters, digits and _ (ignored)\n", o);
            continue;
        }
        bool known = false;
        for (unsigned k = 0; k < ARRAY_SIZE(known_options) && !known; k++)
            known = cmdline_match(o, known_options[k]) != NULL;
        if (!known)
            printk("proteus: unknown kernel option '%s' (ignored)\n", o);
    }
    if (cmdline.truncated || loader_truncated)
        printk("proteus: the command line is too long; the rest was ignored\n");
}

const char *kernel_option(const char *key)
{
    return cmdline_get(&cmdline, key);
}

bool kernel_option_bool(const char *key, bool def)
{
    bool v = def;
    if (cmdline_get_bool(&cmdline, key, &v) < 0)
        printk("proteus: %s=%s is not on or off (ignored)\n", key, cmdline_get(&cmdline, key));
    return v;
}

const struct cmdline *boot_cmdline(void)
{
    return &cmdline;
}
