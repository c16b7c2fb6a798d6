/*
 * READ_MSR and WRITE_MSR: rdmsr/wrmsr raise #GP(0) for an MSR the CPU does
 * not have, and the kernel asked to hear an error instead. Each instruction
 * that may fault is listed in .vmi.fixups (struct vmi_fixup: the
 * instruction, where to resume; pv/vmi/abi.h), and the kernel's trap
 * handler resumes there. The instructions are <hw/msr_safe.S>, shared with
 * the kernel; the register contract is the ABI's, result 0 or -EIO (5).
 */
#define FIXUP(insn, resume) \
    .pushsection .vmi.fixups, "a"; .long insn, resume; .popsection

#define MSR_READ shim_read_msr
#define MSR_WRITE shim_write_msr
#define MSR_SYMBOL(name) .hidden name
#define MSR_FIXUP(insn, resume) FIXUP(insn, resume)
#include <hw/msr_safe.S>
