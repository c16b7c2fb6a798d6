/*
 * The end of the line for a fatal error: print what is known, then end
 * the machine with a failure status. A panic inside a panic goes straight
 * to the exit, so a broken console or a fault in the report cannot loop.
 */
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/smp.h>

extern bool printk_panicking;
static int panic_depth;
/* The CPU reporting (its number + 1), 0 while none is: one report at a
 * time, whichever CPU fails first. */
static volatile unsigned reporter;

void panic_begin(void)
{
    irq_disable();
    /* smp_this_cpu needs the per-CPU segment, which a very early panic on
     * the boot CPU may not have yet: with one CPU online it is CPU 0 */
    unsigned me = smp_cpus_online() > 1 ? smp_this_cpu() : 0;
    unsigned expect = 0;
    if (!__atomic_compare_exchange_n(&reporter, &expect, me + 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE) &&
        expect != me + 1)
        for (;;)   /* another CPU is reporting and will end the machine */
            __asm__ __volatile__("cli; hlt");
    if (++panic_depth > 1) {
        /* Failed while reporting: the report is lost, the status is not. */
        power_exit(PANIC_EXIT_STATUS);
    }
    printk_panicking = true;
    if (smp_cpus_online() > 1) {
        smp_stop_others();
        printk("\nproteus: fatal error on CPU %u; the other CPUs are stopped\n", me);
    }
}

__noreturn void kernel_exit(int status)
{
    printk("proteus: exit status %d%s\n", status,
           status == PANIC_EXIT_STATUS ? " (fatal error)" : "");
    power_exit(status);
}

__noreturn void panic_end(void)
{
    kernel_exit(PANIC_EXIT_STATUS);
}

__noreturn void panic(const char *fmt, ...)
{
    va_list ap;

    panic_begin();
    printk("\nPANIC: ");
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
    printk("\nbacktrace:\n");
    backtrace_print((unsigned long)__builtin_frame_address(0));
    panic_end();
}
