/*
 * The 8254 programmable interval timer, used as a known-rate clock to
 * measure the TSC and the local APIC timer against, and on a CPU without
 * a local APIC as the one-shot timer (channel 0, IRQ 0). Channel 2 is used
 * because its gate and output are readable through port 0x61, so the wait
 * needs no interrupt; where there is no port 0x61, channel 0 counting
 * freely is read instead. Intel 82C54 datasheet (control word, mode 0); port
 * 0x61 bits: bit 0 gate 2, bit 1 speaker enable, bit 5 OUT2.
 */
#include <drivers/pit.h>
#include <proteus/pvops.h>
#include <proteus/timekeeping.h>

#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61

/* A port write timed at the middle of the TSC readings around it. On a
 * virtual machine a port write is an exit that takes a while, and a
 * reading taken only after it is late (seen on a nested KVM: every
 * PIT-measured rate 0.5 % low when both ends of a window were read so). */
static u64 outb_timed(u16 port, u8 v)
{
    u64 t = read_tsc();
    outb(port, v);
    return t + (read_tsc() - t) / 2;
}

/* Gate channel 2 on (speaker off) and start a mode-0 count of `ticks`;
 * returns port B as it was, to put back, and in *start when the count
 * began (with its high byte). */
static u8 channel2_start(u16 ticks, u64 *start)
{
    u8 b = inb(PORT_B);
    outb(PORT_B, (u8)((b & ~0x02) | 0x01));
    outb(PIT_CMD, 0xb0);   /* channel 2, lo/hi, mode 0, binary */
    outb(PIT_CH2, (u8)ticks);
    *start = outb_timed(PIT_CH2, (u8)(ticks >> 8));
    return b;
}

/* Writes port 0x61: see pit_present() for what that does to channel 0
 * under QEMU with KVM's in-kernel PIT. Boot-time measurement only. */
bool pit_wait_ticks(u16 ticks, u64 *tsc_elapsed)
{
    u64 start;
    u8 b = channel2_start(ticks, &start);
    /* 65535 ticks are 55 ms: give up well after that */
    bool done;
    while (!(done = inb(PORT_B) & 0x20) && read_tsc() - start < TSC_CYCLES_FOR_MS(100))
        ;
    /* Seeing OUT2 high may come late (an emulator's vCPU descheduled
     * meanwhile), but in mode 0 the count goes on down past zero, from
     * 0xffff: latch it to learn how many ticks the TSC span really covers,
     * and scale the span back to `ticks`. */
    u64 end = outb_timed(PIT_CMD, 0x80);   /* counter latch, channel 2 */
    u16 left = inb(PIT_CH2);
    left |= (u16)(inb(PIT_CH2) << 8);
    u64 counted = ticks + (u16)(0x10000 - left);   /* left == 0: none past */
    *tsc_elapsed = done ? (end - start) * ticks / counted : end - start;
    outb(PORT_B, b);
    return done;
}

/* The longest count, 55 ms: OUT2 must read low right after it is written
 * however slowly the port reads come (a short count could end before the
 * read, and a real PIT would look absent). Nothing waits for it to end.
 *
 * Probed once and remembered: a PIT does not come and go, and every probe
 * writes port 0x61, which QEMU with KVM's in-kernel PIT answers by
 * reloading all three channels from their last counts (KVM_SET_PIT2 from
 * QEMU's speaker gate handler): a channel 0 left in mode 0 starts its
 * one-shot again, and IRQ 0 comes a second time. A caller that checks for
 * the PIT before borrowing IRQ 0 (selftest's irq cases) must not cause
 * that. */
bool pit_present(void)
{
    static int present = -1;
    if (present < 0) {
        u64 start;
        u8 b = channel2_start(0xffff, &start);
        present = !(inb(PORT_B) & 0x20);
        outb(PORT_B, b);
    }
    return present;
}

/* Channel 0 counting freely, read by latching (82C54 datasheet: mode 2,
 * the rate generator, and the counter latch command): the reference where
 * channel 2 has no gate to start it and no output to watch, as on QEMU's
 * microvm, whose PIT has no port 0x61. From 65536 it counts down by one a
 * tick and wraps; IRQ 0 rises at each wrap, masked this early, and
 * pit_stop_irq0 ends the count after the measurement. */

u16 pit_counter_read(void)
{
    outb(PIT_CMD, 0x00);   /* counter latch, channel 0 */
    u16 v = inb(PIT_CH0);
    return (u16)(v | inb(PIT_CH0) << 8);
}

bool pit_counter_start(void)
{
    outb(PIT_CMD, 0x34);   /* channel 0, lo/hi, mode 2, binary */
    outb(PIT_CH0, 0);
    outb(PIT_CH0, 0);      /* a count of 0 is 65536 */
    /* A PIT moves within a few reads (a tick is 0.84 us, a read three port
     * accesses) and downwards; where there is none every port reads 0xff. */
    u16 first = pit_counter_read();
    for (int i = 0; i < 1000; i++) {
        u16 now = pit_counter_read();
        if (now != first)
            return (u16)(first - now) < 0x8000;
    }
    return false;
}

/* Channel 0, mode 0 (interrupt on terminal count): IRQ 0 rises once after
 * `ticks` (0 means 65536). The timer without a local APIC, and selftest's
 * real device interrupt. */
void pit_oneshot_irq0(u16 ticks)
{
    outb(PIT_CMD, 0x30);   /* channel 0, lo/hi, mode 0, binary */
    outb(PIT_CH0, (u8)ticks);
    outb(PIT_CH0, (u8)(ticks >> 8));
}

/* Stop channel 0: a control word with no count leaves it waiting (mode 0,
 * OUT low), so no IRQ 0 comes until pit_oneshot_irq0 writes a count. It
 * also ends the periodic 18.2 Hz tick a BIOS leaves running. */
void pit_stop_irq0(void)
{
    outb(PIT_CMD, 0x30);
}
