/*
 * Assembler macros for the trap and interrupt entry paths, shared by the
 * native entry (arch/x86/<arch>/entry.S) and Xen PV's (pv/xen/<arch>/entry.S),
 * which differ only in how a frame arrives and how it is left. Whatever
 * builds the frame, C sees one struct trap_frame (arch/regs.h).
 *
 * TRAP_STUB pushes a zero where the CPU pushes no error code, so that every
 * frame has one: the vectors with an error code are those of SDM Vol. 3A,
 * table 6-1 (#DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX); Xen's bounce
 * frames follow the same table.
 */
#ifndef ARCH_TRAP_ENTRY_H
#define ARCH_TRAP_ENTRY_H

#include <arch/extable.h>

#define KERNEL_DS_SEL 0x10     /* arch/desc.h: GDT_KERNEL_DS << 3 */
#define PERCPU_SEL_NR 0x30     /* arch/desc.h: GDT_PERCPU << 3 */
#define TRAP_STUB_SIZE 16      /* each stub is aligned to this (arch/x86/desc.c) */

#define TRAP_HAS_ERROR(v) \
    ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

#ifdef __ASSEMBLER__
#ifdef __x86_64__

.macro TRAP_STUB vector, common
    .if !TRAP_HAS_ERROR(\vector)
    pushq $0
    .endif
    pushq $\vector
    jmp \common
.endm

/* The general registers, in struct trap_frame order (r15 lowest). */
.macro SAVE_TRAP_REGS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
.endm

.macro RESTORE_TRAP_REGS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
.endm

#else

.macro TRAP_STUB vector, common
    .if !TRAP_HAS_ERROR(\vector)
    pushl $0
    .endif
    pushl $\vector
    jmp \common
.endm

/* The interrupted code may have loaded segment registers of its own (an
 * LDT selector in %fs, say): save all four, run the kernel with its flat
 * data segment and its per-CPU %gs, and put them back on the way out. */
.macro SAVE_TRAP_REGS
    pusha
    push %ds
    push %es
    push %fs
    push %gs
    cld
    mov $KERNEL_DS_SEL, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov $PERCPU_SEL_NR, %eax
    mov %eax, %gs
.endm

/* Each pop may fault: the interrupted code may have cleared the LDT entry
 * its selector names (or shrunk the LDT) since it loaded it. Loading it
 * again then raises #NP or #GP here, in the kernel's trap path, where the
 * report would blame the kernel. The fixup puts the null selector in the
 * saved slot and pops again, so the interrupted code resumes with that
 * register null and faults in its own code on its next use of it. */
.macro POP_SEG seg
9:  pop \seg
    .pushsection .text.fixup, "ax"
8:  movl $0, (%esp)
    jmp 9b
    .popsection
    EXTABLE(9b, 8b)
.endm

.macro RESTORE_TRAP_REGS
    POP_SEG %gs
    POP_SEG %fs
    POP_SEG %es
    POP_SEG %ds
    popa
.endm

#endif /* __x86_64__ */
#endif /* __ASSEMBLER__ */

#endif
