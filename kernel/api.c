/*
 * The kernel side of include/proteus/api.h.
 */
#include <proteus/api.h>
#include <proteus/cmdline.h>
#include <proteus/console.h>
#include <proteus/errno.h>
#include <proteus/panic.h>
#include <proteus/personality.h>
#include <proteus/printk.h>
#include <proteus/smp.h>
#include <proteus/pvops.h>
#include <proteus/shutdown.h>
#include <proteus/thread.h>
#include <proteus/vm.h>
#include <pv/xenstore.h>

extern u64 boot_tsc;

/* The app side sees these facts as plain numbers; they must stay the
 * kernel's. */
_Static_assert(PROTEUS_PAGE_SIZE == PAGE_SIZE, "PROTEUS_PAGE_SIZE is not the kernel's PAGE_SIZE");
_Static_assert(PROTEUS_ARG_MAX == CMDLINE_MAX, "PROTEUS_ARG_MAX is not the command line's size");

long proteus_console_write(const char *buf, size_t len)
{
    console_write(buf, len);
    return (long)len;
}

/* Blocks on the console's input interrupt, or polls a console without
 * one (kernel/console.c). */
long proteus_console_read(char *buf, size_t len)
{
    return console_input_read(buf, len);
}

int proteus_console_poll(void)
{
    return console_input_available();
}

void *proteus_sbrk(long delta, int *err)
{
    return (void *)vm_heap_sbrk(delta, err);
}

uint64_t proteus_clock_ns(void)
{
    return clock_ns();
}

uint64_t proteus_wallclock_ns(void)
{
    return wallclock_at_boot_ns() + clock_ns();
}

void proteus_sleep_until_ns(uint64_t deadline)
{
    thread_sleep_until(deadline);
}

void proteus_exit(int status)
{
    u64 now, at_main, peak;
    page_alloc_usage(&now, &at_main, &peak);
    pr_info("proteus: frames in use: %llu KiB at main, %llu KiB at the most, %llu KiB at exit\n",
            (unsigned long long)at_main * 4, (unsigned long long)peak * 4, (unsigned long long)now * 4);
    kernel_exit(status & EXIT_STATUS_MAX);
}

int proteus_steal_ns(uint64_t *ns)
{
    u64 v;
    int err = steal_clock_ns(&v, NULL);
    if (!err)
        *ns = v;
    return err;
}

uint64_t proteus_boot_tsc(void)
{
    return boot_tsc;
}

unsigned proteus_cpus_configured(void)
{
    return smp_cpus_possible();
}

unsigned proteus_cpus_online(void)
{
    return smp_cpus_online();
}

unsigned proteus_this_cpu(void)
{
    return smp_this_cpu();
}

void proteus_memory_pages(uint64_t *total, uint64_t *free_now)
{
    u64 t, f;
    page_alloc_stats(&f, &t);
    *total = t;
    *free_now = f;
}

/* panic() prints the message, then a backtrace that starts at this
 * function's caller: abort() and, above it, the app. */
void proteus_abort(const char *why)
{
    panic("%s", why);
}

int proteus_shutdown_requested(void)
{
    return (int)shutdown_requested();
}

/* Only the Xen PV personality has a xenstore; elsewhere xenstore_read
 * says -ENODEV itself (pv/xen/xenstore.c is linked into every image). */
int proteus_xenstore_read(const char *path, char *buf, size_t len)
{
    return xenstore_read(XS_NO_TRANSACTION, path, buf, len);
}
