/*
 * What the toolstack asks of a domU, and what the domU tells it back,
 * through xenstore (Xen's docs/misc/xenstore-paths.pandoc, "control/"
 * and "data/"; the protocol libxl follows in tools/libs/light/
 * libxl_domain.c):
 *
 *   control/shutdown  xl shutdown writes "poweroff", xl reboot "reboot",
 *                     xl save "suspend". The guest acknowledges by
 *                     writing "" back (in one transaction with the read,
 *                     so a second request is never lost), then acts.
 *   control/sysrq     xl sysrq <domain> <key> writes the key.
 *   control/feature-* "1" for each request the guest acts on, so that the
 *                     toolstack uses the cooperative path and does not
 *                     wait for a timeout first.
 *   data/exit-status  Proteus's own key: the app's exit status, written
 *                     before the domain ends (docs/xen-pv.md).
 *
 * A poweroff or reboot goes to the kernel's shutdown request
 * (kernel/shutdown.c), which tells the app (SIGTERM) and bounds its time;
 * the domain ends with the matching SCHEDOP_shutdown reason (power.c).
 */
#include "xen.h"
#include <hw/x86.h>
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/shutdown.h>
#include <proteus/string.h>
#include <proteus/thread.h>
#include <proteus/vm.h>
#include <pv/xenstore.h>

/* The requests acted on, advertised so that the toolstack uses the
 * cooperative path; a restored domain's xenstore directory is made anew
 * by the toolstack, so they are written again after a restore. */
static void write_features(void)
{
    static const char *const features[] = { "control/feature-poweroff", "control/feature-reboot",
                                            "control/feature-suspend" };
    for (unsigned i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
        int err = xenstore_write(XS_NO_TRANSACTION, features[i], "1");
        if (err)
            printk("xen: writing %s failed: %s\n", features[i], errno_name(err));
    }
}

static void resume_done(int err)
{
    if (!err)
        write_features();
}

struct ack {
    const char *path;
    char value[32];
    int len;
};

/* Read the request and write "" back, in one transaction. */
static int read_and_ack(u32 tx, void *ctx)
{
    struct ack *a = ctx;
    a->len = xenstore_read(tx, a->path, a->value, sizeof(a->value));
    if (a->len == -ENOENT || a->len == 0) {
        a->len = 0;
        return 0;   /* nothing asked (the watch fires once when set) */
    }
    if (a->len == -ERANGE) {   /* longer than any request: still acknowledged */
        a->value[0] = '\0';
        a->len = (int)sizeof(a->value);
    } else if (a->len < 0) {
        return a->len;
    }
    return xenstore_write(tx, a->path, "");
}

static int take_request(const char *path, struct ack *a)
{
    *a = (struct ack){ .path = path };
    int err = xenstore_transact(read_and_ack, a);
    if (err)
        printk("xen: reading %s failed: %s\n", path, errno_name(err));
    return err ? err : a->len;
}

static void on_shutdown(struct xenstore_watch *w, const char *changed)
{
    struct ack a;
    if (take_request("control/shutdown", &a) <= 0)
        return;
    if (!strcmp(a.value, "poweroff") || !strcmp(a.value, "halt"))
        shutdown_request(SHUTDOWN_KIND_POWEROFF, "the toolstack (control/shutdown)");
    else if (!strcmp(a.value, "reboot"))
        shutdown_request(SHUTDOWN_KIND_REBOOT, "the toolstack (control/shutdown)");
    else if (!strcmp(a.value, "suspend"))
        resume_done(xen_suspend());
    else
        printk("xen: control/shutdown holds an unknown request '%s': ignored\n", a.value);
}

static void on_sysrq(struct xenstore_watch *w, const char *changed)
{
    struct ack a;
    if (take_request("control/sysrq", &a) <= 0)
        return;
    u64 free_pages, total_pages;
    switch (a.len == 1 ? a.value[0] : '?') {
    case 't':
        xen_dump_state("sysrq t");
        break;
    case 'm':
        page_alloc_stats(&free_pages, &total_pages);
        printk("xen: sysrq m: %llu KiB free of %llu KiB\n", (unsigned long long)free_pages * 4,
               (unsigned long long)total_pages * 4);
        break;
    case 'o':
        shutdown_request(SHUTDOWN_KIND_POWEROFF, "sysrq o");
        break;
    case 'b':
        shutdown_request(SHUTDOWN_KIND_REBOOT, "sysrq b");
        break;
    case 'c':
        panic("sysrq c: a crash on request");
    default:
        printk("xen: sysrq '%s': unknown; known: t (threads), m (memory), o (poweroff), "
               "b (reboot), c (crash)\n", a.value);
        break;
    }
}

static struct xenstore_watch shutdown_watch = { .path = "control/shutdown", .fn = on_shutdown };
static struct xenstore_watch sysrq_watch = { .path = "control/sysrq", .fn = on_sysrq };

void xen_control_init(void)
{
    write_features();
    int err = xenstore_watch(&shutdown_watch);
    if (err)
        printk("xen: cannot watch control/shutdown (%s): xl shutdown and xl reboot will not "
               "be heard\n", errno_name(err));
    err = xenstore_watch(&sysrq_watch);
    if (err)
        printk("xen: cannot watch control/sysrq: %s\n", errno_name(err));
}

/* From power.exit: only where a thread may block for xenstored's answer
 * (a thread, interrupts on, not inside a handler); elsewhere, and for a
 * crash, the toolstack learns the end from the shutdown reason alone. */
void xen_control_exit_status(int status)
{
    unsigned long flags = irq_save();
    irq_restore(flags);
    if (!xenstore_available() || this_cpu()->irq_depth || !(flags & X86_EFLAGS_IF))
        return;
    char v[16];
    ksnprintf(v, sizeof(v), "%d", status);
    int err = xenstore_write(XS_NO_TRANSACTION, "data/exit-status", v);
    if (err)
        printk("xen: writing data/exit-status failed: %s\n", errno_name(err));
}
