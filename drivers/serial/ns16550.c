/*
 * 16550 UART, polled. The boot console of the native personality: it works
 * before interrupts, memory management or anything else, which is what a
 * console that reports early faults needs. Register map: the National
 * Semiconductor PC16550D datasheet, table 2 (offsets from the base port).
 */
#include <drivers/ns16550.h>
#include <proteus/pvops.h>

enum {
    UART_DATA = 0,    /* RBR / THR; divisor low when DLAB=1 */
    UART_IER = 1,     /* interrupt enable; divisor high when DLAB=1 */
    UART_FCR = 2,     /* FIFO control (write) */
    UART_LCR = 3,     /* line control: bit 7 = DLAB */
    UART_MCR = 4,     /* modem control: DTR, RTS, OUT2 */
    UART_LSR = 5,     /* line status */
    UART_SCR = 7,     /* scratch */
};
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define UART_CLOCK 115200

bool ns16550_present(u16 base)
{
    /* The scratch register keeps what is written to it on a real UART;
     * a floating bus reads back 0xff. */
    outb(base + UART_SCR, 0x5a);
    return inb(base + UART_SCR) == 0x5a;
}

void ns16550_init(u16 base, u32 baud)
{
    u16 div = (u16)(UART_CLOCK / (baud ? baud : UART_CLOCK));
    outb(base + UART_IER, 0x00);          /* polled: no interrupts yet */
    outb(base + UART_LCR, 0x80);          /* DLAB to reach the divisor */
    outb(base + UART_DATA, (u8)div);
    outb(base + UART_IER, (u8)(div >> 8));
    outb(base + UART_LCR, 0x03);          /* 8 data bits, no parity, 1 stop */
    outb(base + UART_FCR, 0x07);          /* enable and clear the FIFOs */
    outb(base + UART_MCR, 0x03);          /* DTR and RTS */
}

static void put(u16 base, char c)
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
