/*
 * The privileged x86 instructions, each wrapped once, so that the one
 * place an instruction is written is the one place to read or change it:
 * <hw/x86.h>, shared with the VMI shim, plus what only the kernel has (MSR
 * accesses that survive a #GP through the exception table).
 * Only the native personality and the earliest boot code include this file;
 * everything else goes through <proteus/pvops.h>, so a Xen PV kernel never
 * executes one of these by accident.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <hw/x86.h>
#include <proteus/types.h>

/* rdmsr/wrmsr that survive a #GP: the fault handler finds the faulting
 * address in the exception table and resumes at the label after it with
 * the error register set (arch/x86/extable.c). */
#ifdef __x86_64__
int x86_rdmsr_safe(u32 msr, u64 *val);
int x86_wrmsr_safe(u32 msr, u64 val);
#else
__attribute__((regparm(3))) int x86_rdmsr_safe(u32 msr, u64 *val);
__attribute__((regparm(3))) int x86_wrmsr_safe(u32 msr, u64 val);
#endif

#endif
