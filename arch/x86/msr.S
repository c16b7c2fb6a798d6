/*
 * x86_rdmsr_safe and x86_wrmsr_safe: rdmsr/wrmsr that return -EIO instead
 * of faulting on an MSR the CPU lacks, the faulting instruction listed in
 * __extable for the #GP handler. They serve directly as the native cpu ops
 * read_msr and write_msr. The instructions are <hw/msr_safe.S>, shared
 * with the VMI shim.
 */
#include <arch/extable.h>

#define MSR_READ x86_rdmsr_safe
#define MSR_WRITE x86_wrmsr_safe
#define MSR_SYMBOL(name)
#define MSR_FIXUP(insn, resume) EXTABLE(insn, resume)
#include <hw/msr_safe.S>
