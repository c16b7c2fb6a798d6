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

/* Global, as the build reads both tables from the linked image to write
 * every site's native form (scripts/pvprepatch.py): what native_patch
 * decides below is what the build decided. */
const struct pvpatch_inline native_inline_ops[] = {
    { (u32)PVOP_OFF(irq.disable), 1, { 0xfa } },              /* cli */
    { (u32)PVOP_OFF(irq.enable), 1, { 0xfb } },               /* sti */
    { (u32)PVOP_OFF(irq.safe_halt), 2, { 0xfb, 0xf4 } },      /* sti; hlt */
    { (u32)PVOP_OFF(irq.save_flags), 2, { 0x9c, 0x58 } },     /* pushf; pop %(r|e)ax */
#ifdef __x86_64__
    { (u32)PVOP_OFF(irq.restore_flags), 2, { 0x57, 0x9d } },  /* push %rdi; popf */
    { (u32)PVOP_OFF(mmu.set_pte), 3, { 0x48, 0x89, 0x37 } },  /* mov %rsi, (%rdi) */
    { (u32)PVOP_OFF(mmu.set_pmd), 3, { 0x48, 0x89, 0x37 } },
    { (u32)PVOP_OFF(mmu.set_pud), 3, { 0x48, 0x89, 0x37 } },
    { (u32)PVOP_OFF(mmu.set_p4d), 3, { 0x48, 0x89, 0x37 } },
    { (u32)PVOP_OFF(mmu.read_entry), 3, { 0x48, 0x8b, 0x07 } },  /* mov (%rdi), %rax */
#else
    { (u32)PVOP_OFF(irq.restore_flags), 2, { 0x50, 0x9d } },  /* push %eax; popf */
    { (u32)PVOP_OFF(cpu.read_tsc), 2, { 0x0f, 0x31 } },       /* rdtsc: EDX:EAX */
#endif
};

/* Operations that do nothing natively: their call sites become a NOP. */
const u32 native_nop_ops[] = {
    (u32)PVOP_OFF(cpu.alloc_ldt),
    (u32)PVOP_OFF(cpu.free_ldt),
};

static void *native_impl(u32 offset)
{
    return *(void **)((u8 *)&native_ops + offset);
}

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
