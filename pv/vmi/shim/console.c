/*
 * The console group on hardware: COM1, a 16550 UART at 0x3f8, 115200 8N1,
 * polled both ways so that it works from any context and needs no
 * interrupt. Bytes go out as given (the kernel adds any carriage
 * returns). National Semiconductor PC16550D datasheet, table 2
 * (registers; LSR bit 0 data ready, bit 5 transmit holding register
 * empty, bit 6 transmitter empty).
 *
 * Input is never dropped at init. Turning the FIFOs on changes the UART
 * from 16450 mode, which the datasheet's FCR description says clears the
 * FIFOs (QEMU also clears RBR's byte), so a byte received before the shim
 * ran would be lost: uart_init first reads out what is there into `held`,
 * which the first reads return, and never sets FCR's reset bits.
 */
#include "shim.h"

#define COM1 0x3f8
enum {
    UART_DATA = 0,   /* THR / RBR; divisor low while LCR.DLAB */
    UART_IER = 1,    /* interrupt enable; divisor high while LCR.DLAB */
    UART_FCR = 2,    /* FIFO control (write) */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
};
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define FCR_ENABLE 0x01         /* FIFOs on, trigger 1 byte; no reset bit */
#define UART_FIFO_SIZE 16
#define MCR_DTR_RTS 0x03
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_EMPTY 0x40       /* holding and shift register both empty */
#define DIVISOR 1               /* 1.8432 MHz / 16 / 115200 */
/* A missing or wedged UART must not hang the kernel: waits are bounded. */
#define SPIN_LIMIT 100000

/* Bytes received before the FIFOs were turned on, not yet read. */
static char held[UART_FIFO_SIZE];
static unsigned held_n, held_next;

static size_t read_uart(char *buf, size_t len)
{
    size_t n = 0;
    while (n < len && (inb(COM1 + UART_LSR) & LSR_DATA_READY))
        buf[n++] = (char)inb(COM1 + UART_DATA);
    return n;
}

void uart_init(void)
{
    outb(COM1 + UART_IER, 0);             /* polled: no interrupts */
    outb(COM1 + UART_LCR, LCR_DLAB);
    outb(COM1 + UART_DATA, DIVISOR & 0xff);
    outb(COM1 + UART_IER, DIVISOR >> 8);
    outb(COM1 + UART_LCR, LCR_8N1);
    outb(COM1 + UART_MCR, MCR_DTR_RTS);
    /* Room for a whole FIFO: in 16450 mode one byte waits in RBR; a FIFO
     * already on (the second init) is not cleared by the write below. */
    if (held_next == held_n) {
        held_next = 0;
        held_n = (unsigned)read_uart(held, sizeof(held));
    }
    outb(COM1 + UART_FCR, FCR_ENABLE);
}

void SHIM_CALL shim_console_init(void)
{
    /* Set up again (init did it once): first let what is still being sent
     * leave, so that no setting changes under it. */
    for (int spin = 0; spin < SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_TX_EMPTY); spin++)
        cpu_relax();
    uart_init();
}

void SHIM_CALL shim_console_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        for (int spin = 0; spin < SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); spin++)
            cpu_relax();
        outb(COM1 + UART_DATA, (u8)buf[i]);
    }
}

int SHIM_CALL shim_console_read(char *buf, size_t len)
{
    size_t n = 0;
    while (n < len && held_next < held_n)
        buf[n++] = held[held_next++];
    return (int)(n + read_uart(buf + n, len - n));
}
