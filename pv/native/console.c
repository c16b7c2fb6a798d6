/*
 * Native console: the 16550 UART on COM1. Output is polled. Input is
 * interrupt-driven once the interrupt controller is up (serial_late_init):
 * the UART's receive interrupt on its ISA line (IRQ 4 for COM1) moves the
 * received bytes into the kernel's input queue and wakes the readers of
 * kernel/console.c, so a blocked read() takes no timer ticks.
 *
 * ISA lines are edge-triggered: the controller sees an interrupt only when
 * the UART's INTR output rises. INTR is high while an enabled source is
 * pending (PC16550D, IIR and table 4), and the received-data source stays
 * pending until every received byte is read (RBR in 16450 mode, which
 * ns16550.c keeps, or the FIFO). A handler that left it pending
 * would get no second edge, ever. So the handler turns the source off
 * (IER bit 0 = 0: INTR falls), and the read op, which kernel/console.c
 * calls from the handler to fill its queue, turns it back on (IER bit 0 =
 * 1) when it finds LSR's data-ready bit clear. A byte that arrived in
 * between makes INTR rise at once, a new edge. When the queue is full the
 * read op is not called: the source stays off and the bytes stay in the
 * UART, so QEMU holds the rest of its input back, until read() makes room
 * and reads the UART again. Reading IIR is not needed, as the receive
 * interrupt is the only source enabled. MCR OUT2 connects INTR to the IRQ
 * line on PCs.
 */
#include "native.h"
#include <arch/cpu.h>
#include <drivers/ns16550.h>
#include <proteus/console.h>
#include <proteus/errno.h>
#include <proteus/printk.h>

#define PORT CONFIG_SERIAL_PORT

static bool input_irq;   /* the receive interrupt is routed and in use */

static PVOP_ABI void serial_write(const char *buf, size_t len)
{
    ns16550_write(PORT, buf, len);
}

static PVOP_ABI int serial_read(char *buf, size_t len)
{
    int n = ns16550_read(PORT, buf, len);
    /* Fewer bytes than asked: the FIFO is empty (LSR data-ready clear), so
     * the next byte must raise a new edge. */
    if ((size_t)n < len && READ_ONCE(input_irq))
        ns16550_rx_irq(PORT, true);
    return n;
}

/*T:535 The handler, run by irq_dispatch with interrupts off. In order: the
 * UART's receive interrupt off, so INTR falls and the edge-triggered line
 * is quiet; then the EOI, which frees the local APIC's in-service bit for
 * vector 0x24 (the next edge can be delivered once interrupts are on
 * again); then the work: console_input_ready reads the bytes into the
 * kernel's input queue (through serial_read, which turns the receive
 * interrupt back on once the UART is empty) and wakes the threads waiting
 * in read(). */
static void serial_input_interrupt(unsigned vector, void *ctx)
{
    ns16550_rx_irq(PORT, false);   /* INTR falls; serial_read re-arms it */
    apic_eoi(vector);
    console_input_ready();         /* reads the FIFO into the input queue */
}

/* The PC's standard lines: COM1 and COM3 on IRQ 4, COM2 and COM4 on IRQ 3.
 * -1 for a port that is not one of them (its input is polled). */
static int isa_irq_of(u16 port)
{
    switch (port) {
    case 0x3f8: case 0x3e8: return 4;
    case 0x2f8: case 0x2e8: return 3;
    default: return -1;
    }
}

/*T:500 The interrupt this chapter follows: a byte typed on the serial
 * console. Two things are set up once, after apic_init
 * (console_late_init): the kernel's table gets a handler for the vector
 * (irq_register, arch/x86/irq.c), and the interrupt controller is told to
 * turn the UART's ISA line into that vector (apic_route_irq, a platform
 * op). The vector is the one the 8259s give the line (VEC_IRQ_BASE + irq,
 * 0x24 for COM1's IRQ 4), which also suits the IOAPIC. Then the UART's
 * receive interrupt is enabled, and its INTR output gated onto the line
 * (MCR OUT2). Failing that, input is polled. */
static void serial_late_init(void)
{
    int irq = isa_irq_of(PORT);
    if (irq < 0) {
        printk("serial: port 0x%x has no standard ISA line: console input is polled\n", PORT);
        return;
    }
    unsigned vector = VEC_IRQ_BASE + (unsigned)irq;
    int err = irq_register(vector, serial_input_interrupt, NULL, "serial-input");
    if (!err) {
        err = apic_route_irq((unsigned)irq, vector);
        if (err)
            irq_unregister(vector);
    }
    if (err) {
        printk("serial: IRQ %d not routed (%s): console input is polled\n", irq, errno_name(err));
        return;
    }
    ns16550_irq_line(PORT, true);
    WRITE_ONCE(input_irq, true);
    ns16550_rx_irq(PORT, true);
    console_input_irq_available(true);
    pr_info("serial: console input by interrupt, IRQ %d -> vector 0x%x\n", irq, vector);
}

static PVOP_ABI void native_console_init(void)
{
    /* What the UART received before now (typed or piped at power-on) is
     * input like any other: into the queue, first. */
    char early[NS16550_FIFO_SIZE];
    size_t n = ns16550_init(PORT, CONFIG_SERIAL_BAUD, early, sizeof(early));
    console_input_received(early, n);
    console_set_late_init(serial_late_init);
}

const struct pv_console_ops native_serial_console_ops = {
    .name = "serial",
    .init = native_console_init,
    .write = serial_write,
    .read = serial_read,
};
