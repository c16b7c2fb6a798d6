/*
 * The legacy 8259A interrupt controllers. With an IOAPIC they are only
 * moved off the CPU exception vectors (they power up delivering IRQ 0-7
 * on vectors 8-15) and masked. Without one (no ACPI tables) they are the
 * interrupt controller: "PIC mode", their output reaching the CPU through
 * the local APIC's LINT0 as ExtINT. Initialisation and operation words:
 * Intel 8259A datasheet (ICW1-ICW4, OCW1 mask, OCW2 EOI, OCW3 read ISR).
 */
#include <drivers/i8259.h>
#include <proteus/pvops.h>
#include <proteus/spinlock.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define OCW2_EOI 0x20
#define OCW3_READ_ISR 0x0b

static u16 mask_bits = 0xffff;
static spinlock_t lock = SPINLOCK_INIT;

void i8259_remap_and_mask(u8 vector_base)
{
    outb(PIC1_CMD, 0x11);               /* ICW1: edge, cascade, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, vector_base);       /* ICW2: vector base */
    outb(PIC2_DATA, vector_base + 8);
    outb(PIC1_DATA, 0x04);              /* ICW3: slave on IRQ 2 */
    outb(PIC2_DATA, 0x02);              /*       slave identity 2 */
    outb(PIC1_DATA, 0x01);              /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    mask_bits = 0xffff;
    outb(PIC1_DATA, 0xff);              /* OCW1: mask everything */
    outb(PIC2_DATA, 0xff);
}

void i8259_mask(unsigned irq, bool masked)
{
    if (irq > 15)
        return;
    unsigned long f = spin_lock_irqsave(&lock);
    if (masked)
        mask_bits |= (u16)(1u << irq);
    else
        mask_bits &= (u16)~(1u << irq);
    if (irq >= 8 && !masked)
        mask_bits &= (u16)~(1u << 2);   /* the cascade line carries the slave */
    outb(PIC1_DATA, (u8)mask_bits);
    outb(PIC2_DATA, (u8)(mask_bits >> 8));
    spin_unlock_irqrestore(&lock, f);
}

void i8259_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, OCW2_EOI);
    outb(PIC1_CMD, OCW2_EOI);
}

bool i8259_spurious(unsigned irq)
{
    if (irq != 7 && irq != 15)
        return false;
    u16 port = irq == 7 ? PIC1_CMD : PIC2_CMD;
    outb(port, OCW3_READ_ISR);
    if (inb(port) & 0x80)
        return false;   /* really in service */
    if (irq == 15)
        outb(PIC1_CMD, OCW2_EOI);   /* the master did see the cascade */
    return true;
}
