/*
 * printk: the kernel's console output. A line is formatted on the stack and
 * written in one console call under a lock. During a panic the lock is
 * ignored: a report that never prints is worse than one that interleaves.
 */
#include <proteus/printk.h>
#include <proteus/format.h>
#include <proteus/pvops.h>
#include <proteus/spinlock.h>
#include <proteus/percpu.h>

bool printk_quiet;
static spinlock_t printk_lock = SPINLOCK_INIT;
bool printk_panicking;

int vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;

    if (printk_panicking) {
        console_write(buf, len);
        return n;
    }
    unsigned long flags = spin_lock_irqsave(&printk_lock);
    console_write(buf, len);
    spin_unlock_irqrestore(&printk_lock, flags);
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}
