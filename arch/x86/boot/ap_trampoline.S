/*T:730
 * The first instructions of a CPU the boot CPU starts natively
 * (pv/native/vcpu.c). It wakes in real mode at the start of a page below
 * 1 MiB with CS:IP = page:0 (SDM Vol. 3A, 9.4.4, "MP Initialization
 * Example", in the edition the APIC code cites, whose APIC chapter is 11;
 * 8.4.4 in older editions), and has to reach the boot CPU's paging mode
 * (2-level, PAE or 4-level, NX as on the boot CPU) before it can run
 * kernel code. This code is copied to that page, so it addresses nothing
 * absolutely: 16-bit code uses DS = CS and page offsets, 32-bit code the
 * page's address in EBX, and the jumps between modes go through far
 * pointers the boot CPU filled in (arch/x86/include/arch/ap_boot.h has the
 * page's layout).
 *
 * Protected mode with the trampoline's flat GDT, then CR4 (PAE...), EFER
 * (LME, NXE), CR3 and CR0 as the boot CPU has them; on x86_64 that is
 * compatibility mode, and a far jump to a 64-bit segment enters long mode
 * (SDM Vol. 3A, 10.8.5, "Initializing IA-32e Mode"; 9.8.5 in older
 * editions). Then the stack the boot CPU chose, and a jump to the C entry
 * with the CPU's number: on x86_64 in EDI, on i386 on the stack. The
 * trampoline never returns and needs no more than this page: the C entry
 * runs in the kernel's mappings.
 */
#include <arch/ap_boot.h>

    .section .rodata.ap_trampoline, "a"
    .globl ap_trampoline_start, ap_trampoline_32, ap_trampoline_64, ap_trampoline_end

    .code16
ap_trampoline_start:
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    movzwl %ax, %ebx
    shl $4, %ebx                      /* EBX = the page's linear address */
    lgdtl AP_BOOT_GDTR
    mov $1, %eax                      /* PE, and caching on: INIT left CD and NW set */
    mov %eax, %cr0
    ljmpl *AP_BOOT_FAR32

    .code32
ap_trampoline_32:
    mov $AP_BOOT_SEL_DATA, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov AP_BOOT_CR4(%ebx), %eax
    mov %eax, %cr4
    mov AP_BOOT_EFER(%ebx), %eax
    test %eax, %eax
    jz 1f
    mov $0xc0000080, %ecx             /* IA32_EFER */
    xor %edx, %edx
    wrmsr
1:  mov AP_BOOT_CR3(%ebx), %eax
    mov %eax, %cr3
    mov AP_BOOT_CR0(%ebx), %eax
    mov %eax, %cr0                    /* paging on (x86_64: compatibility mode) */
    jmp 2f                            /* a branch right after, as SDM Vol. 3A, 10.9.1 asks */
2:
#ifdef __x86_64__
    ljmp *AP_BOOT_FAR64(%ebx)

    .code64
ap_trampoline_64:
    mov %ebx, %ebx                    /* upper halves are undefined after the switch */
    lock incl AP_BOOT_ALIVE(%rbx)
    mov AP_BOOT_STACK(%rbx), %rsp
    mov AP_BOOT_CPU(%rbx), %edi
    xor %ebp, %ebp
    pushq $0                          /* no return address: backtraces end here */
    jmp *AP_BOOT_ENTRY(%rbx)
#else
ap_trampoline_64:                     /* i386: no 64-bit step */
    lock incl AP_BOOT_ALIVE(%ebx)
    mov AP_BOOT_STACK(%ebx), %esp
    xor %ebp, %ebp
    pushl AP_BOOT_CPU(%ebx)           /* the argument */
    pushl $0                          /* no return address */
    jmp *AP_BOOT_ENTRY(%ebx)
#endif
ap_trampoline_end:
