/*
 * What happens on every exception and interrupt. Device vectors go to the
 * handlers registered in irq.c. An exception is either expected (an
 * instruction listed in the exception table, such as a probing rdmsr) and
 * resumed at its fixup, or fatal: the report names the vector, error code,
 * registers, CR2 and a backtrace, then the machine ends with a failure
 * status. Nothing is retried and nothing reboots silently.
 */
#include <arch/cpu.h>
#include <arch/regs.h>
#include <arch/extable.h>
#include <proteus/ksyms.h>
#include <proteus/panic.h>
#include <proteus/printk.h>
#include <proteus/pvops.h>
#include <proteus/thread.h>
#include <proteus/vm.h>
#include <arch/x86.h>

/* SDM Vol. 3A, table 6-1. */
static const char *const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved", "#MF x87 error", "#AC alignment check",
    "#MC machine check", "#XM SIMD error", "#VE virtualization", "#CP control protection",
    [28] = "#HV hypervisor injection", [29] = "#VC VMM communication",
    [30] = "#SX security",
};

extern const struct extable_entry __extable_start[], __extable_end[];

/* Code outside the kernel image may list instructions of its own (a VMI
 * shim's fixup table). */
static unsigned long (*other_fixups)(unsigned long ip);

void extable_add_source(unsigned long (*find)(unsigned long ip))
{
    other_fixups = find;
}

unsigned long extable_find(unsigned long ip)
{
    for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
        if (e->insn == ip)
            return e->fixup;
    return other_fixups ? other_fixups(ip) : 0;
}

static void print_regs(const struct trap_frame *f)
{
#ifdef __x86_64__
    printk("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    printk("  rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", f->rsi, f->rdi, f->rbp, f->sp);
    printk("  r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", f->r8, f->r9, f->r10, f->r11);
    printk("  r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", f->r12, f->r13, f->r14, f->r15);
    printk("  rip=%016lx cs=%04lx rflags=%08lx ss=%04lx\n", f->ip, f->cs, f->flags, f->ss);
#else
    printk("  eax=%08x ebx=%08x ecx=%08x edx=%08x\n", f->eax, f->ebx, f->ecx, f->edx);
    printk("  esi=%08x edi=%08x ebp=%08x esp=%08lx\n", f->esi, f->edi, f->ebp, trap_frame_sp(f));
    printk("  eip=%08x cs=%04x eflags=%08x\n", f->ip, f->cs, f->flags);
#endif
}

static void explain_guard(unsigned long cr2)
{
    const char *guard = vm_guard_owner(cr2);
    if (guard)
        printk("  the address is the guard page below the stack of thread '%s': stack overflow\n",
               guard);
}

static void explain_page_fault(unsigned long error, unsigned long cr2)
{
    /* Error-code bits, SDM Vol. 3A, 4.7, figure 4-12. */
    printk("  page fault: %s %s in %s mode%s%s\n",
           error & 1 ? "protection violation on" : "not-present page at",
           error & 16 ? "instruction fetch" : error & 2 ? "write" : "read",
           error & 4 ? "user" : "kernel", error & 8 ? ", reserved bit set" : "",
           cr2 < PAGE_SIZE ? " (NULL pointer dereference)" : "");
    explain_guard(cr2);
}

__noreturn void fatal_exception(struct trap_frame *f)
{
    unsigned long cr2 = read_cr2();
    const char *name = f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector]
                                                                       : "unknown";
    panic_begin();
    printk("\nFAULT: vector %lu (%s) error 0x%lx at ip 0x%lx\n", (unsigned long)f->vector, name,
           (unsigned long)f->error, (unsigned long)f->ip);
    printk("  CR2=0x%0*lx\n", (int)sizeof(long) * 2, cr2);
    print_regs(f);
    if (f->vector == 14)
        explain_page_fault(f->error, cr2);
    else if (f->vector == 8)
        explain_guard(cr2);   /* a fault while delivering a #PF: CR2 is its address */
    printk("backtrace:\n");
    unsigned long off;
    char buf[KSYM_NAME_MAX];
    const char *fn = ksym_lookup(f->ip, &off, buf, sizeof(buf));
    if (fn)
        printk("  #0 0x%lx %s+0x%lx\n", (unsigned long)f->ip, fn, off);
    else
        printk("  #0 0x%lx\n", (unsigned long)f->ip);
    backtrace_print(trap_frame_fp(f));
    panic_end();
}

/*T:525 Every vector the entry stubs catch arrives here as one struct
 * trap_frame, whatever the architecture (and under Xen PV through
 * xen_trap, pv/xen/priv_op.c). Vectors 0-31 are exceptions; from 32 on
 * they are interrupts, handed to the device-vector table. After the
 * handler, sched_preempt_point runs the scheduler's part of the return:
 * it sends the reschedule IPIs the handler queued and, if a reschedule is
 * due on this CPU (a woken thread, an ended time slice), preemption is on
 * and the interrupted code had interrupts on, switches to the next
 * runnable thread here. The interrupted thread comes back through this
 * frame when it next runs (kernel/sched.c). */
void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
    if (f->vector >= 32) {
        irq_dispatch((unsigned)f->vector);
        sched_preempt_point(f->flags & X86_EFLAGS_IF);
        return;
    }
    /* #UD, #NM, #NP, #GP, #PF: only listed instructions are fixed up (#NP:
     * a segment load of a not-present descriptor, on i386's trap return) */
    if (f->vector == 6 || f->vector == 7 || f->vector == 11 || f->vector == 13 ||
        f->vector == 14) {
        unsigned long fixup = extable_find(f->ip);
        if (fixup) {
            f->ip = fixup;
            return;
        }
    }
    fatal_exception(f);
}
