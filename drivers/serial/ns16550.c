/*
 * 16550 UART. Output is always polled: the boot console must work before
 * interrupts, memory management or anything else, and from any context (a
 * panic). Input is polled too until the console asks for the receive
 * interrupt (ns16550_rx_irq), which pv/native/console.c does once the
 * interrupt controller is up. Register map: the National Semiconductor
 * PC16550D datasheet, table 2 (offsets from the base port); the interrupt
 * sources and how each is cleared: table 4 (interrupt control functions).
 *
 * Init never loses input. The UART may hold received bytes before the
 * kernel runs: a host that pipes input at power-on has QEMU put the first
 * byte in RBR (the FIFOs are off after reset) and hold the rest back until
 * RBR is read. FCR bit 1 clears the receive FIFO, and the datasheet's FCR
 * description says that switching between 16450 and FIFO mode clears the
 * FIFOs too; QEMU does both, dropping RBR's byte, which lost the first
 * byte of every piped input. So init reads out what was received and hands
 * it to the caller, never sets a reset bit, and never switches the mode:
 * a UART found in 16450 mode stays in it. Draining RBR and then turning
 * the FIFOs on is not enough, as the next byte can land in RBR between the
 * two accesses (QEMU delivers it as soon as RBR is read: 3 boots in 4 lost
 * one byte of a piped text that way), and no order of accesses closes
 * that window. In 16450 mode each byte raises its own interrupt, and QEMU
 * sends the next one only when RBR has been read, so nothing overruns.
 */
#include <drivers/ns16550.h>
#include <proteus/pvops.h>

enum {
    UART_DATA = 0,    /* RBR / THR; divisor low when DLAB=1 */
    UART_IER = 1,     /* interrupt enable; divisor high when DLAB=1 */
    UART_IIR = 2,     /* interrupt identification (read): its FIFO bits only */
    UART_FCR = 2,     /* FIFO control (write) */
    UART_LCR = 3,     /* line control: bit 7 = DLAB */
    UART_MCR = 4,     /* modem control: DTR, RTS, OUT2, loopback */
    UART_LSR = 5,     /* line status */
    UART_SCR = 7,     /* scratch */
};
/* IER bit 0 (ERBFI): raise INTR while received data is available (in FIFO
 * mode: the FIFO at its trigger level, 1 byte as set up here, or the
 * character timeout). Bits 1-3 (THR empty, line status, modem status)
 * stay 0: the receive interrupt is the only source ever enabled. */
#define IER_RX_DATA 0x01
/* IIR's low bits (not read here) name the pending source: 0100 received
 * data, 1100 character timeout. Both clear when the FIFO is read below the trigger
 * level (empty, here), and INTR drops at once when IER bit 0 is cleared. */
/* FCR bit 0 enables both FIFOs; bits 1 and 2 would reset the receive and
 * transmit FIFOs (never set: they hold input not yet read and output not
 * yet sent); bits 7:6 = 00 set the receive trigger level to 1 byte. */
#define FCR_FIFO_ENABLE 0x01
/* IIR bits 7:6 are both set while the FIFOs are enabled (FCR bit 0). */
#define IIR_FIFOS_ENABLED 0xc0
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_EMPTY 0x40   /* TEMT: holding and shift registers both empty */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
/* OUT2 is a general-purpose output pin, but on PCs it gates the UART's
 * INTR output onto the ISA IRQ line: without it no interrupt reaches the
 * interrupt controller (QEMU does not model the gate). */
#define MCR_OUT2 0x08
/* Loopback: the transmitter feeds the receiver, and the modem outputs
 * (OUT2 too) are forced inactive, which on a PC also cuts the IRQ line. */
#define MCR_LOOP 0x10
#define UART_CLOCK 115200

bool ns16550_present(u16 base)
{
    /* The scratch register keeps what is written to it on a real UART;
     * a floating bus reads back 0xff. */
    outb(base + UART_SCR, 0x5a);
    return inb(base + UART_SCR) == 0x5a;
}

size_t ns16550_init(u16 base, u32 baud, char *rx, size_t max)
{
    u16 div = (u16)(UART_CLOCK / (baud ? baud : UART_CLOCK));
    outb(base + UART_IER, 0x00);          /* polled: no interrupts yet */
    outb(base + UART_LCR, 0x80);          /* DLAB to reach the divisor */
    outb(base + UART_DATA, (u8)div);
    outb(base + UART_IER, (u8)(div >> 8));
    outb(base + UART_LCR, 0x03);          /* 8 data bits, no parity, 1 stop */
    outb(base + UART_MCR, MCR_DTR | MCR_RTS);
    /* What was received goes to the caller: in 16450 mode RBR's one byte,
     * in FIFO mode up to `max` (the rest stays in the FIFO). */
    size_t n = (size_t)ns16550_read(base, rx, max);
    /* FIFOs left on (by a boot loader): the receive interrupt at every
     * byte, with the mode, and so the FIFOs, unchanged. */
    if ((inb(base + UART_IIR) & IIR_FIFOS_ENABLED) == IIR_FIFOS_ENABLED)
        outb(base + UART_FCR, FCR_FIFO_ENABLE);
    return n;
}

/* Inlined into the write loop: a call per character saved and restored
 * four registers around two port accesses, half of a boot line's cost. */
static inline __attribute__((always_inline)) void put(u16 base, char c)
{
    /* Bounded wait: a missing or wedged UART must not hang the kernel. */
    for (int spin = 0; spin < 100000 && !(inb(base + UART_LSR) & LSR_THR_EMPTY); spin++)
        __asm__ __volatile__("pause");
    outb(base + UART_DATA, (u8)c);
}

void ns16550_write(u16 base, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n')
            put(base, '\r');
        put(base, buf[i]);
    }
}

int ns16550_read(u16 base, char *buf, size_t len)
{
    size_t n = 0;
    while (n < len && (inb(base + UART_LSR) & LSR_DATA_READY))
        buf[n++] = (char)inb(base + UART_DATA);
    return (int)n;
}

void ns16550_irq_line(u16 base, bool on)
{
    outb(base + UART_MCR, MCR_DTR | MCR_RTS | (on ? MCR_OUT2 : 0));
}

void ns16550_rx_irq(u16 base, bool on)
{
    outb(base + UART_IER, on ? IER_RX_DATA : 0);
}

bool ns16550_loopback_byte(u16 base, char c)
{
    u8 mcr = inb(base + UART_MCR);
    outb(base + UART_MCR, mcr | MCR_LOOP);
    put(base, c);
    /* The receiver has the byte once the transmitter has shifted it out. */
    int spin = 0;
    while (spin < 100000 && !(inb(base + UART_LSR) & LSR_TX_EMPTY)) {
        __asm__ __volatile__("pause");
        spin++;
    }
    outb(base + UART_MCR, mcr);
    return spin < 100000;
}
