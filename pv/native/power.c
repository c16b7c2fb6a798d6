/*
 * Native power: ending the machine with a status. First QEMU's
 * isa-debug-exit device (QEMU then exits with 2*byte+1, exit_port_byte()
 * in proteus/panic.h; writing to the port does nothing on hardware
 * without it), then ACPI soft-off, then a
 * halt with interrupts off and a last message, so the end is never silent.
 */
#include "native.h"
#include <arch/x86.h>
#include <drivers/acpi.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/timekeeping.h>

/* The write to PM1 control returns before the machine is off: a VMM
 * (QEMU under libvirt) stops the CPUs a little later. Give it 100 ms,
 * timed by the TSC when its rate is known, else by a bounded spin, before
 * saying that the power-off did not happen. */
static void power_off_grace(void)
{
    u64 hz = tsc_hz();
    if (tsc_hz_plausible(hz)) {
        u64 start = x86_rdtsc();
        while (x86_rdtsc() - start < hz / 10)
            x86_pause();
    } else {
        for (unsigned long i = 0; i < 100000000UL; i++)
            x86_pause();
    }
}

static PVOP_ABI __noreturn void native_exit(int status)
{
    x86_outb(CONFIG_DEBUG_EXIT_PORT, exit_port_byte(status));
    u16 pm1a, pm1b, value;
    if (!acpi_disabled() && !acpi_s5_control(&pm1a, &pm1b, &value)) {
        x86_outw(pm1a, value);
        if (pm1b)
            x86_outw(pm1b, value);
        power_off_grace();
    }
    printk("proteus: no way to power off: halted (exit status %d)\n", status);
    for (;;) {
        x86_cli();
        x86_hlt();
    }
}

const struct pv_power_ops native_power_ops = {
    .name = "native",
    .exit = native_exit,
};
