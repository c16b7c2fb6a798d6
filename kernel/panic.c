/*
 * The end of the line for a fatal error: print what is known, then end
 * the machine with a failure status. A panic inside a panic goes straight
 * to the exit, so a broken console or a fault in the report cannot loop.
 */
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>

extern bool printk_panicking;
static int panic_depth;

void panic_begin(void)
{
    irq_disable();
    if (++panic_depth > 1) {
        /* Failed while reporting: the report is lost, the status is not. */
        power_exit(PANIC_EXIT_STATUS);
    }
    printk_panicking = true;
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
