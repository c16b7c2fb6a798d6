/*
 * Faults before the kernel's own trap handlers are in. Until idt_init()
 * (the personality's setup_cpu) loads the real IDT, a fault would find
 * the boot loader's IDT, or none, and the machine would reset without a
 * word. The entry stubs (arch/x86/<arch>/boot.S) therefore load an early
 * IDT of 32 exception gates before anything else can fault; each reports
 * the vector, error code, instruction pointer and CR2 on COM1, writes the
 * panic status to the exit port and halts:
 *
 *   EARLY FAULT: vector 6 error 0x00000000 ip 0x00101234 cr2 0x00000000
 *
 * Two flavours, because x86_64 starts in 32-bit mode and an IDT's format
 * follows the mode (SDM Vol. 3A, 6.11 and 6.14.1):
 *   32-bit  gates and handler here, in assembly: i386 until idt_init,
 *           x86_64 until it enters long mode;
 *   64-bit  gates here, handler in C (arch/x86/early_trap.c), which can
 *           run once long mode is on and the BSS is clear.
 * No platform op and no console driver is used: the personality may not
 * be chosen yet. The same 16550 registers as drivers/serial/ns16550.c;
 * the UART wait is bounded, so a machine without one still halts.
 */
#include <arch/boot.h>
#include <arch/trap_entry.h>

#define UART CONFIG_SERIAL_PORT
#define EARLY_VECTORS 32
#define EARLY_STUB_SIZE 16
#define GATE32_INTR 0x8e00      /* P, DPL 0, 32-bit interrupt gate (SDM fig. 6-2) */
#define GATE64_INTR 0x8e00      /* P, DPL 0, 64-bit interrupt gate (SDM fig. 6-8) */

    .section .boot.text, "ax"
    .code32

/* ---- COM1, polled ---------------------------------------------------------- */

/* 115200 8N1 (or the configured rate). Clobbers EAX, EDX. */
    .globl early_serial_init32
early_serial_init32:
    mov $UART + 3, %dx
    mov $0x80, %al                  /* LCR: DLAB, to reach the divisor */
    out %al, %dx
    mov $UART, %dx
    mov $(115200 / CONFIG_SERIAL_BAUD), %ax
    out %al, %dx
    inc %dx
    mov %ah, %al
    out %al, %dx
    mov $UART + 3, %dx
    mov $0x03, %al                  /* 8 data bits, no parity, 1 stop */
    out %al, %dx
    ret

/* One byte, AL. Preserves every register. */
early_putc32:
    push %ecx
    push %edx
    push %eax
    mov $100000, %ecx               /* bounded: a missing UART must not hang */
1:  mov $UART + 5, %dx              /* LSR: transmitter empty yet? */
    in %dx, %al
    test $0x20, %al
    loopz 1b
    pop %eax
    mov $UART, %dx
    out %al, %dx
    pop %edx
    pop %ecx
    ret

/* The NUL-terminated string at ESI. Clobbers ESI. */
    .globl early_puts32
early_puts32:
    push %eax
1:  movb (%esi), %al
    test %al, %al
    jz 2f
    call early_putc32
    inc %esi
    jmp 1b
2:  pop %eax
    ret

/* EAX in hex, 8 digits. Preserves every register. */
early_puthex32:
    push %eax
    push %ebx
    push %ecx
    mov %eax, %ebx
    mov $8, %ecx
1:  rol $4, %ebx
    mov %ebx, %eax
    and $0xf, %eax
    movb hex_digits(%eax), %al
    call early_putc32
    loop 1b
    pop %ecx
    pop %ebx
    pop %eax
    ret

/* EAX (below 100) in decimal. Clobbers EAX, ECX, EDX. */
early_putdec32:
    xor %edx, %edx
    mov $10, %ecx
    div %ecx
    test %eax, %eax
    jz 1f
    add $'0', %al
    call early_putc32
1:  mov %dl, %al
    add $'0', %al
    jmp early_putc32

/* The panic status, on COM1 (early_serial_init32 done) as kernel_exit()
 * prints it and on QEMU's isa-debug-exit port, then halt for good. */
    .globl early_exit32
early_exit32:
    mov $msg_status, %esi
    call early_puts32
    mov $CONFIG_DEBUG_EXIT_PORT, %dx
    mov $0xff, %al                  /* exit_port_byte(PANIC_EXIT_STATUS), proteus/panic.h */
    out %al, %dx
1:  cli
    hlt
    jmp 1b

/* ---- the 32-bit early IDT ---------------------------------------------------- */

/* Load the 32-bit early IDT; AX = the code selector its gates name (the
 * boot GDT's 32-bit code segment). Needs a stack. Clobbers ECX, EDX, EDI. */
    .globl early_idt_init32
early_idt_init32:
    mov $early_idt, %edi
    mov $early_stubs32, %edx
    xor %ecx, %ecx
1:  mov %edx, (%edi)                /* offset 15:0 ... */
    mov %ax, 2(%edi)                /* ... selector */
    mov %edx, 4(%edi)
    movw $GATE32_INTR, 4(%edi)      /* type and P; offset 31:16 stays above */
    add $8, %edi
    add $EARLY_STUB_SIZE, %edx
    inc %ecx
    cmp $EARLY_VECTORS, %ecx
    jne 1b
    movw $EARLY_VECTORS * 8 - 1, early_idtr
    movl $early_idt, early_idtr + 2
    lidt early_idtr
    ret

    .balign EARLY_STUB_SIZE
early_stubs32:
    vector = 0
    .rept EARLY_VECTORS
    .balign EARLY_STUB_SIZE
    .if !TRAP_HAS_ERROR(vector)
    pushl $0
    .endif
    pushl $vector
    jmp early_trap32
    vector = vector + 1
    .endr

/* Stack: vector, error code, EIP, CS, EFLAGS. */
early_trap32:
    cld
    call early_serial_init32
    mov $msg_vector, %esi
    call early_puts32
    mov (%esp), %eax
    call early_putdec32
    mov $msg_error, %esi
    call early_puts32
    mov 4(%esp), %eax
    call early_puthex32
    mov $msg_ip, %esi
    call early_puts32
    mov 8(%esp), %eax
    call early_puthex32
    mov $msg_cr2, %esi
    call early_puts32
    mov %cr2, %eax
    call early_puthex32
    mov $msg_end, %esi
    call early_puts32
    jmp early_exit32

/* ---- the 64-bit early IDT (x86_64 only) ------------------------------------- */

#if CONFIG_ARCH_BITS == 64
    .code64
/* Load the 64-bit early IDT (in the same storage: the 32-bit one is done
 * with once long mode is on), gates naming code selector 0x08. Clobbers
 * RAX, RCX, RDX, RDI. */
    .globl early_idt_init64
early_idt_init64:
    lea early_idt(%rip), %rdi
    lea early_stubs64(%rip), %rdx
    xor %ecx, %ecx
1:  mov %edx, %eax
    and $0xffff, %eax
    or $(0x08 << 16), %eax          /* offset 15:0, selector */
    mov %eax, (%rdi)
    mov %edx, %eax
    and $0xffff0000, %eax
    or $GATE64_INTR, %eax           /* type and P, offset 31:16 */
    mov %eax, 4(%rdi)
    mov %rdx, %rax
    shr $32, %rax
    mov %eax, 8(%rdi)               /* offset 63:32 */
    movl $0, 12(%rdi)
    add $16, %rdi
    add $EARLY_STUB_SIZE, %rdx
    inc %ecx
    cmp $EARLY_VECTORS, %ecx
    jne 1b
    movw $EARLY_VECTORS * 16 - 1, early_idtr(%rip)
    lea early_idt(%rip), %rax
    mov %rax, early_idtr + 2(%rip)
    lidt early_idtr(%rip)
    ret

    .balign EARLY_STUB_SIZE
early_stubs64:
    vector = 0
    .rept EARLY_VECTORS
    .balign EARLY_STUB_SIZE
    .if !TRAP_HAS_ERROR(vector)
    pushq $0
    .endif
    pushq $vector
    jmp early_trap64
    vector = vector + 1
    .endr

/* Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS. */
early_trap64:
    cld
    mov (%rsp), %rdi
    mov 8(%rsp), %rsi
    mov 16(%rsp), %rdx
    mov %cr2, %rcx
    and $-16, %rsp
    xor %ebp, %ebp
    call early_trap_report          /* arch/x86/early_trap.c; does not return */
1:  cli
    hlt
    jmp 1b
#endif

    .section .rodata
hex_digits: .ascii "0123456789abcdef"
msg_vector: .asciz "\r\nEARLY FAULT: vector "
msg_error:  .asciz " error 0x"
msg_ip:     .asciz " ip 0x"
msg_cr2:    .asciz " cr2 0x"
msg_end:    .asciz "\r\nproteus: a fault before the kernel's trap handlers were in place; stopping\r\n"
/* kernel_exit()'s last line (proteus/panic.h, PANIC_EXIT_STATUS). */
msg_status: .asciz "proteus: exit status 256 (fatal error)\r\n"

    /* In the BSS, zero from the loader: boot_start32 (start32.S) checks
     * that before it builds this table. */
    .section .bss, "aw", @nobits
    .balign 16
early_idt: .space EARLY_VECTORS * 16
    .balign 8
    .word 0, 0, 0
early_idtr: .word 0
    .quad 0
