/*
 * What the native personality asks the patcher for: the hottest operations
 * become their own instructions at the call site (measured with `make
 * bench`: interrupt-flag handling and, on x86_64, page-table reads and
 * writes), the rest direct calls, and operations that do nothing natively
 * NOPs. Inline bytes are used only while the op is still the native
 * implementation, and they honour the call site's register contract:
 * arguments in RDI/RSI (x86_64) or EAX/EDX/ECX (i386), the result in
 * RAX/EAX(:EDX), nothing else changed.
 */
#include "native.h"
#include <proteus/pvpatch.h>
#include <proteus/personality.h>

/*T:345 Global, as the build reads both tables from the linked image to write
 * every site's native form (scripts/pvprepatch.py): what native_patch
 * decides below is what the build decided.
 * Inline bytes must do, in at most 6 bytes, exactly what the call would
 * have done under the site's register contract (pvops.h, PVOP_CALLn):
 * take the arguments from RDI/RSI (EAX/EDX/ECX on i386), leave the result
 * in RAX (EDX:EAX), and change no register a caller expects kept. That is
 * why i386 inlines rdtsc (its EDX:EAX is already the 64-bit result) and
 * x86_64 does not (combining them into RAX takes more than 6 bytes), and
 * why x86_64 inlines the page-table writes and i386 does not (a PAE entry
 * is written as two halves in order: native_pt_write). */
const struct pvpatch_inline native_inline_ops[] = {
    { (u32)PVOP_OFF(irq.disable), 1, { 0xfa } },              /* cli */
    { (u32)PVOP_OFF(irq.enable), 1, { 0xfb } },               /* sti */
    { (u32)PVOP_OFF(irq.safe_halt), 2, { 0xfb, 0xf4 } },      /* sti; hlt */
    { (u32)PVOP_OFF(irq.save_flags), 2, { 0x9c, 0x58 } },     /* pushf; pop %(r|e)ax */
#ifdef __x86_64__
    /* Port I/O: the port moved to DX, the value to AL/AX/EAX. The result
     * of an IN is only as wide as the op's type: the caller extends it, as
     * it would a function's u8 or u16 result (SysV ABI). */
    { (u32)PVOP_OFF(cpu.in8), 3, { 0x89, 0xfa, 0xec } },          /* mov %edi,%edx; in (%dx),%al */
    { (u32)PVOP_OFF(cpu.in16), 4, { 0x89, 0xfa, 0x66, 0xed } },   /* ...; in (%dx),%ax */
    { (u32)PVOP_OFF(cpu.in32), 3, { 0x89, 0xfa, 0xed } },         /* ...; in (%dx),%eax */
    { (u32)PVOP_OFF(cpu.out8), 5, { 0x89, 0xf0, 0x89, 0xfa, 0xee } },  /* mov %esi,%eax; mov %edi,%edx; out %al,(%dx) */
    { (u32)PVOP_OFF(cpu.out16), 6, { 0x89, 0xf0, 0x89, 0xfa, 0x66, 0xef } },
    { (u32)PVOP_OFF(cpu.out32), 5, { 0x89, 0xf0, 0x89, 0xfa, 0xef } },
    { (u32)PVOP_OFF(irq.restore_flags), 2, { 0x57, 0x9d } },  /* push %rdi; popf */
    { (u32)PVOP_OFF(mmu.set_pte), 3, { 0x48, 0x89, 0x37 } },  /* mov %rsi, (%rdi) */
    { (u32)PVOP_OFF(mmu.set_pmd), 3, { 0x48, 0x89, 0x37 } },
    { (u32)PVOP_OFF(mmu.set_pud), 3, { 0x48, 0x89, 0x37 } },
    { (u32)PVOP_OFF(mmu.set_p4d), 3, { 0x48, 0x89, 0x37 } },
    { (u32)PVOP_OFF(mmu.read_entry), 3, { 0x48, 0x8b, 0x07 } },  /* mov (%rdi), %rax */
#else
    { (u32)PVOP_OFF(irq.restore_flags), 2, { 0x50, 0x9d } },  /* push %eax; popf */
    { (u32)PVOP_OFF(cpu.read_tsc), 2, { 0x0f, 0x31 } },       /* rdtsc: EDX:EAX */
    /* Port I/O: port in EAX, value in EDX (regparm), as for x86_64 above */
    { (u32)PVOP_OFF(cpu.in8), 3, { 0x89, 0xc2, 0xec } },          /* mov %eax,%edx; in (%dx),%al */
    { (u32)PVOP_OFF(cpu.in16), 4, { 0x89, 0xc2, 0x66, 0xed } },
    { (u32)PVOP_OFF(cpu.in32), 3, { 0x89, 0xc2, 0xed } },
    { (u32)PVOP_OFF(cpu.out8), 2, { 0x92, 0xee } },               /* xchg %eax,%edx; out %al,(%dx) */
    { (u32)PVOP_OFF(cpu.out16), 3, { 0x92, 0x66, 0xef } },
    { (u32)PVOP_OFF(cpu.out32), 2, { 0x92, 0xef } },
#endif
};

/* Operations that do nothing natively: their call sites become a NOP.
 * The page-table notices and the lazy section's bounds exist for
 * personalities that validate or batch page-table writes (Xen PV); on
 * hardware a new table is just memory and every write takes effect at
 * once. */
const u32 native_nop_ops[] = {
    (u32)PVOP_OFF(cpu.alloc_ldt),
    (u32)PVOP_OFF(cpu.free_ldt),
    (u32)PVOP_OFF(mmu.alloc_pt),
    (u32)PVOP_OFF(mmu.release_pt),
    (u32)PVOP_OFF(mmu.lazy_enter),
    (u32)PVOP_OFF(mmu.lazy_flush),
    (u32)PVOP_OFF(mmu.lazy_leave),
};

static void *native_impl(u32 offset)
{
    return *(void **)((u8 *)&native_ops + offset);
}

/*T:350 The native personality's `patch` hook (struct personality), also
 * used by kvm and xen-pv: asked once per op whenever its sites must be
 * brought up to date, it says what they become. Inline or NOP only while
 * pv_ops still holds the native function; an op some personality
 * replaced (xen_disable for irq.disable under Xen PV) keeps the default
 * the patcher starts from, PVPATCH_CALL: a direct call to it. */
void native_patch(u32 offset, void *impl, struct pvpatch_directive *d)
{
    if (impl != native_impl(offset))
        return;   /* another personality replaced it: call it */
    for (unsigned i = 0; i < ARRAY_SIZE(native_nop_ops); i++) {
        if (native_nop_ops[i] == offset) {
            d->kind = PVPATCH_NOP;
            return;
        }
    }
    for (unsigned i = 0; i < ARRAY_SIZE(native_inline_ops); i++) {
        if (native_inline_ops[i].offset == offset) {
            d->kind = PVPATCH_INLINE;
            d->len = native_inline_ops[i].len;
            for (unsigned b = 0; b < d->len; b++)
                d->bytes[b] = native_inline_ops[i].bytes[b];
            return;
        }
    }
}
