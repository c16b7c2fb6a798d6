/*
 * The power group on hardware: EXIT reports the status to QEMU's
 * isa-debug-exit device at port 0xf4 (QEMU then exits with 2 * status + 1,
 * hw/misc/debugexit.c; on a machine without it the write goes nowhere)
 * and stops the CPU. The shim has no ACPI power-off: that needs the DSDT's
 * \_S5 object, the kernel's business.
 */
#include "shim.h"

#define DEBUG_EXIT_PORT 0xf4

/* An app's status is 0-255; anything else (256, the kernel's fatal error)
 * becomes 0xff, so that QEMU exits 255 and never 1, a clean exit(0). */
void SHIM_CALL shim_exit(int status)
{
    x86_outb(DEBUG_EXIT_PORT, status >= 0 && status <= 255 ? (u8)status : 0xff);
    for (;;)
        __asm__ __volatile__("cli; hlt");
}
