/*
 * The report of a fault taken before the kernel's trap handlers are in
 * (arch/x86/boot/early_trap.S has the why). The line is formatted once,
 * here, for every early path: the native 64-bit early IDT prints it on
 * COM1 itself, and Xen PV's early trap table (pv/xen/early_trap.c) hands it to
 * the hypervisor's console. Nothing here may rely on a platform op, the
 * console driver or any state the boot has not built yet.
 */
#include <arch/early_trap.h>
#include <arch/x86.h>
#include <proteus/format.h>
#include <proteus/panic.h>

/* arch/x86/boot/early_trap.S's 32-bit path prints the status line and
 * writes the port byte without C: keep its literals in step. */
_Static_assert(PANIC_EXIT_STATUS == 256, "early_trap.S's msg_end says status 256");

int early_trap_format(char *buf, size_t size, unsigned long vector, unsigned long error,
                      unsigned long ip, unsigned long cr2)
{
    int w = (int)sizeof(long) * 2;
    return ksnprintf(buf, size,
                     "\r\nEARLY FAULT: vector %lu error 0x%0*lx ip 0x%0*lx cr2 0x%0*lx\r\n"
                     "proteus: a fault before the kernel's trap handlers were in place; "
                     "stopping\r\n"
                     "proteus: exit status %d (fatal error)\r\n",   /* as kernel_exit() says */
                     vector, w, error, w, ip, w, cr2, PANIC_EXIT_STATUS);
}

/* COM1 polled, as early_trap.S does in 32-bit mode: 8N1, bounded waits. */
static void early_serial_write(const char *s)
{
    const u16 uart = CONFIG_SERIAL_PORT;
    x86_outb(uart + 3, 0x80);
    x86_outb(uart, (u8)(115200 / CONFIG_SERIAL_BAUD));
    x86_outb(uart + 1, (u8)((115200 / CONFIG_SERIAL_BAUD) >> 8));
    x86_outb(uart + 3, 0x03);
    for (; *s; s++) {
        for (int spin = 0; spin < 100000 && !(x86_inb(uart + 5) & 0x20); spin++)
            ;
        x86_outb(uart, (u8)*s);
    }
}

__noreturn void early_trap_report(unsigned long vector, unsigned long error, unsigned long ip,
                                  unsigned long cr2)
{
    char line[256];
    early_trap_format(line, sizeof(line), vector, error, ip, cr2);
    early_serial_write(line);
    x86_outb(CONFIG_DEBUG_EXIT_PORT, exit_port_byte(PANIC_EXIT_STATUS));
    for (;;)
        __asm__ __volatile__("cli; hlt");
}
