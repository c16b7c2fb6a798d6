/*
 * The CMOS real-time clock, read once by TIME_INIT for the wall clock at
 * boot. The registers and the decoding are <hw/cmos.h> (MC146818A
 * datasheet), shared with the kernel's driver; the reads are the shim's
 * own port I/O.
 */
#include "shim.h"
#include <hw/cmos.h>

static uint8_t cmos_read(uint8_t reg)
{
    x86_outb(CMOS_INDEX, reg);
    return x86_inb(CMOS_DATA);
}

/* Once UIP reads 0, the next update is at least 244 us away (datasheet,
 * "Update Cycle"): time enough to read every field. */
static void read_fields(struct cmos_time *f)
{
    for (int spin = 0; spin < 1000000 && (cmos_read(CMOS_REG_A) & CMOS_A_UIP); spin++)
        x86_pause();
    cmos_read_time(f, cmos_read);
}

u64 rtc_read_unix(void)
{
    unsigned long irq = irq_save();   /* index/data pairs */
    struct cmos_time f;
    cmos_read_time_stable(&f, read_fields);
    u8 reg_b = cmos_read(CMOS_REG_B);
    irq_restore(irq);
    int64_t t = cmos_time_to_unix(&f, reg_b);
    return t < 0 ? 0 : (u64)t;
}
