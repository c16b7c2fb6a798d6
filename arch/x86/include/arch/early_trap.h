/*
 * Faults before the kernel's trap handlers are in (arch/x86/boot/early_trap.S,
 * arch/x86/early_trap.c): the entry stubs load an early IDT before anything
 * can fault, and every early path reports the same one line.
 */
#ifndef ARCH_EARLY_TRAP_H
#define ARCH_EARLY_TRAP_H

#include <proteus/types.h>

/* "EARLY FAULT: vector V error 0x.. ip 0x.. cr2 0x.." and a second line
 * saying the boot stops; returns what ksnprintf does. */
int early_trap_format(char *buf, size_t size, unsigned long vector, unsigned long error,
                      unsigned long ip, unsigned long cr2);
/* The native report (COM1, then the exit port with the panic status). */
__noreturn void early_trap_report(unsigned long vector, unsigned long error, unsigned long ip,
                                  unsigned long cr2);

#endif
