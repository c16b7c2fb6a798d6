/*
 * x86_64 start of day for the Multiboot 1 and PVH entries. Both arrive in
 * 32-bit protected mode with paging off (Multiboot 0.6.96, 3.2; Xen's
 * docs/misc/pvh.pandoc), so this file loads an early IDT
 * (arch/x86/boot/early_trap.S) so that any fault is reported, checks that
 * the loader zeroed the BSS (arch/x86/boot/start32.S), builds a throw-away
 * identity map of the first GiB (2 MiB pages, the
 * first 2 MiB in 4 KiB pages without page 0; the low 4 GiB again at 4 GiB
 * for reading the boot loader's data, mapped as it is read),
 * enters long mode and calls boot_entry() in C, which builds the real
 * page tables. SDM Vol. 3A, 9.8.5 (initializing IA-32e mode).
 *
 * boot_entry(kind, magic, info): kind says which entry ran; magic and info
 * are what the loader handed over (EAX/EBX for Multiboot; 0 and EBX for
 * PVH, whose magic C reads at EBX once it knows it may); C checks them and
 * reports a mismatch.
 */
#include <arch/boot.h>

#define CR0_PE 0x1
#define CR0_PG 0x80000000
#define CR0_NE 0x20
#define CR0_MP 0x2
#define CR0_EM 0x4
#define CR0_TS 0x8
#define CR4_PAE 0x20
#define CR4_OSFXSR 0x200
#define CR4_OSXMMEXCPT 0x400
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define PTE_P_W 0x3
#define PTE_PS 0x80

    .section .boot.text, "ax"
    .code32

/*T:120 The two native entries. The loader's contract for both: 32-bit
 * protected mode, paging off, flat segments, interrupts off (Multiboot
 * 0.6.96, 3.2; Xen's docs/misc/pvh.pandoc). They differ only in what
 * they hand over:
 *
 *   Multiboot 1  EAX = 0x2badb002 (MB1_BOOT_MAGIC), EBX = the multiboot_info
 *   PVH          EBX = hvm_start_info, whose first word is 0x336ec578;
 *                EAX undefined
 *
 * Each entry notes which one ran in EBP (BOOT_ENTRY_MB1 / _PVH,
 * arch/boot.h) and the magic in ESI, keeps EBX, and joins start32: from
 * there on PVH and Multiboot are one path, until kernel/bootinfo.c reads
 * the structure that kind names. i386 (arch/x86/i386/boot.S) has the same
 * two entries, word for word.
 */
    .globl mb1_entry
mb1_entry:
    cli
    mov $BOOT_ENTRY_MB1, %ebp
    mov %eax, %esi
    jmp start32

    .globl pvh_entry
pvh_entry:
    cli
    mov $BOOT_ENTRY_PVH, %ebp
    xor %esi, %esi          /* C reads the magic at EBX, once it is known readable */
    jmp start32

start32:
    /*T:130 What the loader does not give, the stub makes itself. Multiboot
     * and PVH leave ESP undefined (Multiboot 0.6.96, 3.2: GDTR too): the
     * boot stack first (16 KiB at the end of this file, in .bss..boot_only,
     * which the kernel hands to the frame allocator once it has left it),
     * and our own GDT before touching a segment register. Its 0x18 is the
     * flat 32-bit code segment the stub runs in now; 0x08, the 64-bit one,
     * is for the jump into long mode below. */
    mov $boot_stack_top, %esp
    lgdt boot_gdtr
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov %eax, %fs
    mov %eax, %gs
    ljmp $0x18, $1f
1:
    /* The early IDT (any fault from here on is reported), the CPU check,
     * the TSC and the EBDA pointer: arch/x86/boot/start32.S. */
    mov $0x18, %eax
    call boot_start32
    /* The two top tables, of which only a few entries are set, zeroed:
     * they lie outside the range the BSS check covers (kernel.ld,
     * .bss..boot_only). */
    cld
    xor %eax, %eax
    mov $boot_pml4, %edi
    mov $(2 * 4096 / 4), %ecx
    rep stosl

    /*T:150 Page tables, because long mode cannot run without paging
     * (SDM Vol. 3A, "Initializing IA-32e Mode", below): a throw-away set, only for getting to C,
     * which builds the kernel's own in boot step 4 (arch/x86/paging.c).
     * PML4[0] -> PDPT; PDPT[0] -> a directory of 2 MiB pages: the first
     * GiB at VA == PA, where the image, its stacks, the frame allocator's
     * bitmap and the first page tables lie (BOOT_IDENTITY_END,
     * arch/boot.h). PDPT[4..7] map the low 4 GiB again at 4 GiB + PA, page
     * 0 included, for kernel/bootinfo.c to read the loader's structures
     * (QEMU's PVH ROM puts its memory map in page 0): each 2 MiB of it is
     * mapped as the parser asks for it (boot_alias_reach,
     * arch/x86/x86_64/boot_alias.c), usually one. Mapping all 4 GiB twice
     * here was 3,072 entries, a tenth of the boot's instructions. */
    mov $boot_pdpt, %eax
    or $PTE_P_W, %eax
    mov %eax, boot_pml4
    mov $boot_pd, %eax
    or $PTE_P_W, %eax
    mov %eax, boot_pdpt
    mov $boot_pd, %edi
    mov $(PTE_P_W | PTE_PS), %eax
    mov $0x200000, %edx
    mov $512, %ecx
    call fill_entries
    /* The first 2 MiB in 4 KiB pages, all but page 0: a NULL pointer
     * faults from the moment paging is on, not only after vm_init. */
    mov $boot_pt, %edi
    mov $PTE_P_W, %eax
    mov $0x1000, %edx
    mov $512, %ecx
    call fill_entries
    movl $0, boot_pt
    mov $boot_pt, %eax
    or $PTE_P_W, %eax
    mov %eax, boot_pd

    /*T:160 Into long mode, in the order SDM Vol. 3A, "Initializing
     * IA-32e Mode" gives (9.8.5 in the editions whose APIC chapter is 10,
     * and the 9.2 and 13.1 below are theirs too; 10.8.5 where the APIC is
     * chapter 11, as arch/x86/boot/ap_trampoline.S cites it):
     * CR4.PAE on, CR3 = the PML4 above, EFER.LME (MSR 0xc0000080, bit 8)
     * on, then CR0.PG on, which makes the CPU enter IA-32e mode, still
     * running 32-bit compatibility code; the far jump to the 64-bit code
     * selector 0x08 is the first 64-bit instruction fetch. With PAE, the
     * FPU and SSE set up as cpu_enable_fpu (arch/x86/cpu.c)
     * leaves them (every x86_64 CPU has both; SDM Vol. 3A, 9.2 and 13.1),
     * so that its writes change nothing: QEMU's TCG keeps each translated
     * block per CR0.MP/EM/TS and CR4.OSFXSR, and changing them in step 4
     * had every block the boot ran before translated again (issue 18). */
    mov %cr4, %eax
    or $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    and $~(CR0_EM | CR0_TS), %eax
    or $(CR0_PG | CR0_PE | CR0_NE | CR0_MP), %eax
    mov %eax, %cr0
    ljmp $0x08, $start64

    .code64
start64:
    /* DS, ES, SS, FS and GS keep the flat data selector start32 loaded,
     * 0x10 as in the kernel's GDT (KERNEL_DS, arch/desc.h): loading null
     * selectors here, as long mode allows, made QEMU's TCG translate again
     * the blocks the boot had run so far once cpu_tables_init loaded 0x10
     * (a block is kept per segment state: 34 of hello's 2,700; the FPU
     * bits above were the other 292; issue 18). */
    mov $boot_stack_top, %rsp
    call early_idt_init64   /* the 32-bit gates mean nothing in long mode */
    mov %ebp, %edi          /* kind */
    mov %esi, %esi          /* magic, zero-extended */
    mov %ebx, %edx          /* info, zero-extended */
    xor %ebp, %ebp          /* a zero frame pointer ends the backtrace */
    call boot_entry
4:  hlt
    jmp 4b

/* %ecx (a multiple of 4) 8-byte entries from %edi: %eax, then each %edx
 * more; the high halves zero. Four to a round. Whole entries, as the
 * tables they fill are not zeroed first (.bss..boot_only below, outside
 * the range the entry checks for zero). */
    .code32
fill_entries:
1:  mov %eax, (%edi)
    movl $0, 4(%edi)
    add %edx, %eax
    mov %eax, 8(%edi)
    movl $0, 12(%edi)
    add %edx, %eax
    mov %eax, 16(%edi)
    movl $0, 20(%edi)
    add %edx, %eax
    mov %eax, 24(%edi)
    movl $0, 28(%edi)
    add %edx, %eax
    add $32, %edi
    sub $4, %ecx
    jnz 1b
    ret

    .section .rodata
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: flat data */
    .quad 0x00cf9a000000ffff    /* 0x18: flat 32-bit code */
boot_gdt_end:
boot_gdtr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    /* The entry's page tables and the boot stack are needed only until
     * the kernel's own page tables are in: kernel_main then moves to a
     * stack from the stack window and gives their frames to the frame
     * allocator (kernel.ld, .bss..boot_only). The two top tables are
     * zeroed above; the two below them are filled entry by entry, every
     * one of them; the alias's directories are zeroed when first used
     * (boot_alias.c). The stack is written before it is read. */
    .section .bss..boot_only, "aw", @nobits
    .balign 4096
    .globl boot_pdpt, boot_alias_pd, boot_stack_bottom, boot_stack_top
boot_pml4: .space 4096
boot_pdpt: .space 4096
boot_pd: .space 4096
boot_pt: .space 4096
boot_alias_pd: .space 4 * 4096
boot_stack_bottom: .space 16384
boot_stack_top:
