/*
 * The console group on hardware: COM1, a 16550 UART at 0x3f8, 115200 8N1,
 * polled both ways so that it works from any context and needs no
 * interrupt. Bytes go out as given (the kernel adds any carriage
 * returns). National Semiconductor PC16550D datasheet, table 2
 * (registers; LSR bit 0 data ready, bit 5 transmit holding register
 * empty, bit 6 transmitter empty).
 *
 * Input received before the shim runs stays in the UART for the first
 * read: the shim never resets the receive FIFO (FCR bit 1) and never turns
 * the FIFOs on or off, which the datasheet's FCR description says clears
 * them (QEMU then drops the byte waiting in RBR, which lost the first byte
 * of piped input). A UART after reset, as QEMU's, stays in 16450 mode.
 */
#include "shim.h"

#define COM1 0x3f8
enum {
    UART_DATA = 0,   /* THR / RBR; divisor low while LCR.DLAB */
    UART_IER = 1,    /* interrupt enable; divisor high while LCR.DLAB */
    UART_IIR = 2,    /* interrupt identification (read) */
    UART_FCR = 2,    /* FIFO control (write) */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
};
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define FCR_ENABLE 0x01         /* FIFOs on, trigger 1 byte; no reset bit */
#define IIR_FIFOS_ENABLED 0xc0  /* both set while FCR bit 0 is */
#define MCR_DTR_RTS 0x03
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_EMPTY 0x40       /* holding and shift register both empty */
#define DIVISOR 1               /* 1.8432 MHz / 16 / 115200 */
/* A missing or wedged UART must not hang the kernel: waits are bounded. */
#define SPIN_LIMIT 100000

void uart_init(void)
{
    x86_outb(COM1 + UART_IER, 0);             /* polled: no interrupts */
    x86_outb(COM1 + UART_LCR, LCR_DLAB);
    x86_outb(COM1 + UART_DATA, DIVISOR & 0xff);
    x86_outb(COM1 + UART_IER, DIVISOR >> 8);
    x86_outb(COM1 + UART_LCR, LCR_8N1);
    if ((x86_inb(COM1 + UART_IIR) & IIR_FIFOS_ENABLED) == IIR_FIFOS_ENABLED)
        x86_outb(COM1 + UART_FCR, FCR_ENABLE);   /* same mode: nothing cleared */
    x86_outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

void SHIM_CALL shim_console_init(void)
{
    /* Set up again (init did it once): first let what is still being sent
     * leave, so that no setting changes under it. */
    for (int spin = 0; spin < SPIN_LIMIT && !(x86_inb(COM1 + UART_LSR) & LSR_TX_EMPTY); spin++)
        x86_pause();
    uart_init();
}

void SHIM_CALL shim_console_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        for (int spin = 0; spin < SPIN_LIMIT && !(x86_inb(COM1 + UART_LSR) & LSR_THR_EMPTY); spin++)
            x86_pause();
        x86_outb(COM1 + UART_DATA, (u8)buf[i]);
    }
}

int SHIM_CALL shim_console_read(char *buf, size_t len)
{
    size_t n = 0;
    while (n < len && (x86_inb(COM1 + UART_LSR) & LSR_DATA_READY))
        buf[n++] = (char)x86_inb(COM1 + UART_DATA);
    return (int)n;
}
