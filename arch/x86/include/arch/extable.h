/*
 * Exception fixups: a table of (faulting instruction, continuation) pairs.
 * An instruction that may fault on purpose (rdmsr of an MSR that may not
 * exist) is listed here; the trap handler resumes at its continuation
 * instead of reporting a fault.
 */
#ifndef ARCH_EXTABLE_H
#define ARCH_EXTABLE_H

#ifdef __ASSEMBLER__
#ifdef __x86_64__
#define EXTABLE(insn, fixup) .pushsection __extable, "a"; .balign 8; .quad insn, fixup; .popsection
#else
#define EXTABLE(insn, fixup) .pushsection __extable, "a"; .balign 4; .long insn, fixup; .popsection
#endif
#else
/* The same entry from C inline assembly: labels as strings ("1b", "3f"). */
#ifdef __x86_64__
#define EXTABLE_ASM(insn, fixup) \
    ".pushsection __extable, \"a\"\n.balign 8\n.quad " insn ", " fixup "\n.popsection\n"
#else
#define EXTABLE_ASM(insn, fixup) \
    ".pushsection __extable, \"a\"\n.balign 4\n.long " insn ", " fixup "\n.popsection\n"
#endif
struct extable_entry {
    unsigned long insn, fixup;
};
unsigned long extable_find(unsigned long ip);
/* Another table to search (one: the running VMI shim's). */
void extable_add_source(unsigned long (*find)(unsigned long ip));
/* arch/x86/probe.S */
int probe_read_byte(const void *p, unsigned char *out);
int probe_write_byte(void *p, unsigned char val);
int probe_fpu(void);
int probe_read_fs_byte(unsigned long offset, unsigned char *out);
int probe_load_fs(unsigned short selector);
#endif

#endif
