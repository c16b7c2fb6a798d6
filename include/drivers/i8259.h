/* The legacy 8259A PIC pair (drivers/pic/i8259.c). */
#ifndef DRIVERS_I8259_H
#define DRIVERS_I8259_H
#include <proteus/types.h>
void i8259_remap_and_mask(u8 vector_base);
#endif
