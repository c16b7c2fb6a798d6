/*
 * The loader's own Multiboot 1 header and the two jumps it makes: in from
 * QEMU (set up a stack, call loader_main) and out into the Proteus image
 * (loader_enter). Both sides run in 32-bit protected mode with paging off
 * (Multiboot Specification 0.6.96, 3.2); the loader never turns paging on.
 */
#define MB1_HEADER_MAGIC 0x1badb002
/* bit 0: page-aligned modules, bit 1: memory information, bit 16: the
 * address fields (3.1.3), so that QEMU loads the file bytes raw */
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16))

    .section .multiboot, "a"
    .balign 4
mb1_header:
    .long MB1_HEADER_MAGIC
    .long MB1_FLAGS
    .long -(MB1_HEADER_MAGIC + MB1_FLAGS)
    .long mb1_header          /* header_addr */
    .long __loader_start      /* load_addr */
    .long __loader_load_end   /* load_end_addr */
    .long __loader_end        /* bss_end_addr */
    .long loader_start        /* entry_addr */

    .text
    .code32
    /* EAX = 0x2BADB002, EBX = QEMU's boot information; ESP and GDTR are
     * undefined (3.2), so our own GDT before any segment load. */
    .globl loader_start
loader_start:
    cli
    cld
    lgdt loader_gdtr
    ljmp $0x08, $1f
1:  mov $0x10, %ecx
    mov %ecx, %ds
    mov %ecx, %es
    mov %ecx, %fs
    mov %ecx, %gs
    mov %ecx, %ss
    mov $loader_stack_top, %esp
    xor %ebp, %ebp
    push %ebx                 /* info */
    push %eax                 /* magic */
    call loader_main
2:  hlt
    jmp 2b

    /* loader_enter(entry, eax, ebx): the state both protocols promise
     * (Multiboot 3.2; PVH: Xen's arch-x86/hvm/start_info.h and
     * docs/misc/pvh.pandoc): flat 4 GiB code and data segments from a GDT
     * of our own, CR0.PE on and CR0.PG off, CR4 clear, EFLAGS with IF, VM
     * and TF clear; the other registers zero. ESP is left on our stack,
     * which neither protocol defines. */
    .globl loader_enter
loader_enter:
    cli
    mov 4(%esp), %ecx         /* entry */
    mov 8(%esp), %eax         /* EAX */
    mov 12(%esp), %ebx        /* EBX */
    lgdt loader_gdtr
    ljmp $0x08, $1f
1:  mov $0x10, %edx
    mov %edx, %ds
    mov %edx, %es
    mov %edx, %fs
    mov %edx, %gs
    mov %edx, %ss
    xor %edx, %edx
    mov %edx, %cr4
    pushl $0x2                /* only the always-one bit */
    popfl
    xor %esi, %esi
    xor %edi, %edi
    xor %ebp, %ebp
    jmp *%ecx

    .section .rodata
    .balign 8
loader_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff  /* 0x08: flat 32-bit code */
    .quad 0x00cf92000000ffff  /* 0x10: flat data */
loader_gdt_end:
loader_gdtr:
    .word loader_gdt_end - loader_gdt - 1
    .long loader_gdt

    .section .bss
    .balign 16
loader_stack: .space 16384
loader_stack_top:
