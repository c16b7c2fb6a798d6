/*
 * The architecture's part of threads: a new thread's first stack frame and
 * its FPU/SSE state (fxsave/fxrstor, SDM Vol. 1, 10.5; fnsave/frstor on
 * CPUs without FXSR, 8.1.10).
 */
#include <arch/cpu.h>
#include <arch/thread.h>
#include <proteus/string.h>

extern char thread_trampoline[];

static u8 clean_state[FPU_STATE_SIZE] __aligned(16);

unsigned long arch_thread_stack_init(unsigned long top)
{
    unsigned long *sp = (unsigned long *)(top & ~15UL);
    /* Zero words end the backtrace and leave the stack pointer 16-byte
     * aligned at the trampoline's call, as both ABIs want (GCC assumes it
     * for SSE spills): 16 bytes of them, two words on x86_64, four on i386. */
    for (unsigned i = 0; i < 16 / sizeof(unsigned long); i++)
        *--sp = 0;
    *--sp = (unsigned long)thread_trampoline;
    /* rbp rbx r12 r13 r14 r15, or ebp ebx esi edi */
    int saved_regs = IS_ENABLED(CONFIG_64BIT) ? 6 : 4;
    for (int i = 0; i < saved_regs; i++)
        *--sp = 0;
    return (unsigned long)sp;
}

void fpu_save(void *area)
{
    if (cpu_features.fxsr)
        __asm__ __volatile__("fxsave %0" : "=m"(*(u8(*)[FPU_STATE_SIZE])area));
    else
        __asm__ __volatile__("fnsave %0; fwait" : "=m"(*(u8(*)[FPU_STATE_SIZE])area));
}

void fpu_restore(const void *area)
{
    if (cpu_features.fxsr)
        __asm__ __volatile__("fxrstor %0" ::"m"(*(const u8(*)[FPU_STATE_SIZE])area));
    else
        __asm__ __volatile__("frstor %0" ::"m"(*(const u8(*)[FPU_STATE_SIZE])area));
}

void fpu_init(void)
{
    fpu_save(clean_state);
    if (!cpu_features.fxsr)
        fpu_restore(clean_state);   /* fnsave re-initialises the FPU */
}

void fpu_init_state(void *area)
{
    memcpy(area, clean_state, FPU_STATE_SIZE);
}
