/*T:780
 * The first instructions of a CPU vmi-native starts (vcpu.c), and the
 * step that hands it to the kernel.
 *
 * shim_ap_tramp is copied to a page below 1 MiB, where the CPU wakes in
 * real mode (SDM Vol. 3A, 8.4.4, "MP initialization example"): it
 * addresses nothing absolutely (16-bit code uses DS = CS and page
 * offsets, 32- and 64-bit code the page's address in EBX) and leaves each
 * mode through a far pointer the boot CPU filled in (ap.h). It enters
 * protected mode with its own flat GDT, then sets CR4, EFER, the kernel's
 * root and CR0 as the calling CPU has them: paging goes on in the
 * kernel's own mode and tables, which hold this page at its own address,
 * executable while the CPU starts (the kernel's page_exec service), so
 * the next instruction is found. On x86_64 a far jump to a 64-bit segment
 * then enters long mode (SDM Vol. 3A, 9.8.5).
 *
 * shim_ap_entry, in the shim's code, runs on the kernel's stack:
 * shim_ap_started sets up the CPU's local APIC and timer and tells the
 * boot CPU, then the kernel's entry gets its argument as the calls'
 * convention passes it, with a return address of 0 (pv/vmi/abi.h, struct
 * vmi_ap_state).
 */
#include "ap.h"

    .text

    .globl shim_ap_tramp, shim_ap_tramp_32, shim_ap_tramp_64, shim_ap_tramp_end
    .code16
shim_ap_tramp:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    movzwl %ax, %ebx
    shl $4, %ebx                      /* EBX = the page's linear address */
    lgdtl AP_GDTR
    mov $1, %eax                      /* PE, and caching on: INIT left CD and NW set */
    mov %eax, %cr0
    ljmpl *AP_FAR32

    .code32
shim_ap_tramp_32:
    mov $AP_SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    lock incl AP_ALIVE(%ebx)          /* now: once paging is on, the page is read-only */
    mov AP_CR4(%ebx), %eax
    mov %eax, %cr4
    mov AP_EFER(%ebx), %eax
    test %eax, %eax
    jz 1f
    mov $0xc0000080, %ecx             /* IA32_EFER */
    xor %edx, %edx
    wrmsr
1:  mov AP_ROOT(%ebx), %eax
    mov %eax, %cr3
    mov AP_CR0(%ebx), %eax
    mov %eax, %cr0                    /* paging on (x86_64: compatibility mode) */
    jmp 2f                            /* a branch right after, as SDM Vol. 3A, 9.9.1 asks */
2:
#ifdef __x86_64__
    ljmp *AP_FAR64(%ebx)

    .code64
shim_ap_tramp_64:
    mov %ebx, %ebx                    /* upper halves are undefined after the switch */
    mov AP_STACK(%rbx), %rdx
    mov AP_ENTRY(%rbx), %rsi
    mov AP_ARG(%rbx), %rdi
    jmp *AP_SHIM(%rbx)
#else
shim_ap_tramp_64:                     /* i386: no 64-bit step */
    mov AP_STACK(%ebx), %edx
    mov AP_ENTRY(%ebx), %esi
    mov AP_ARG(%ebx), %edi
    jmp *AP_SHIM(%ebx)
#endif
shim_ap_tramp_end:                    /* vcpu.c checks that it ends before AP_CR0 */

/* RDX/EDX = the stack top, RSI/ESI = the kernel's entry, RDI/EDI = its
 * argument; interrupts off. */
    .globl shim_ap_entry
#ifdef __x86_64__
shim_ap_entry:
    mov %rdx, %rsp
    mov %rdx, %rbx                    /* callee-saved across the C call */
    mov %rsi, %r12
    mov %rdi, %r13
    call shim_ap_started
    mov %rbx, %rsp
    xor %ebp, %ebp
    pushq $0                          /* no return address: backtraces end here */
    mov %r13, %rdi
    jmp *%r12
#else
shim_ap_entry:
    mov %edx, %esp
    mov %edx, %ebx                    /* callee-saved across the C call */
    call shim_ap_started
    mov %ebx, %esp
    xor %ebp, %ebp
    pushl $0                          /* no return address: backtraces end here */
    mov %edi, %eax                    /* regparm(3): the argument in EAX */
    jmp *%esi
#endif
