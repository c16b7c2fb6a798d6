/*
 * The legacy 8259A interrupt controllers. Proteus routes device interrupts
 * through the local APIC, but the PICs power up delivering IRQ 0-7 on the
 * vectors of CPU exceptions 8-15, so they are moved off them and masked.
 * Initialisation words: Intel 8259A datasheet, "Initialization Command
 * Words" (ICW1-ICW4).
 */
#include <drivers/i8259.h>
#include <proteus/pvops.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

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
    outb(PIC1_DATA, 0xff);              /* mask everything */
    outb(PIC2_DATA, 0xff);
}
