/*
 * Reading or writing one byte at an address that may not be mapped or
 * writable, without a fault report: the trap handler resumes at the fixup
 * through __extable. The selftest app uses these to check page protections
 * (NULL unmapped, kernel text read-only) from the inside.
 *
 *   int probe_read_byte(const void *p, u8 *out)   0, or -EFAULT (14)
 *   int probe_write_byte(void *p, u8 val)          writes val; 0 or -EFAULT
 *   int probe_fpu(void)                            one x87 instruction (fnop):
 *                                                  0, or -EFAULT on #NM (CR0.TS set)
 */
#include <arch/extable.h>

    .section .text
#ifdef __x86_64__
    .globl probe_read_byte
probe_read_byte:
1:  movb (%rdi), %al
    movb %al, (%rsi)
    xor %eax, %eax
    ret
2:  mov $-14, %eax
    ret
    EXTABLE(1b, 2b)

    .globl probe_write_byte
probe_write_byte:
    mov %esi, %eax
3:  movb %al, (%rdi)
    xor %eax, %eax
    ret
4:  mov $-14, %eax
    ret
    EXTABLE(3b, 4b)

    .globl probe_fpu
probe_fpu:
5:  fnop
    xor %eax, %eax
    ret
6:  mov $-14, %eax
    ret
    EXTABLE(5b, 6b)
#else
    .globl probe_read_byte
probe_read_byte:
    mov 4(%esp), %ecx
1:  movb (%ecx), %al
    mov 8(%esp), %ecx
    movb %al, (%ecx)
    xor %eax, %eax
    ret
2:  mov $-14, %eax
    ret
    EXTABLE(1b, 2b)

    .globl probe_write_byte
probe_write_byte:
    mov 4(%esp), %ecx
    mov 8(%esp), %eax
3:  movb %al, (%ecx)
    xor %eax, %eax
    ret
4:  mov $-14, %eax
    ret
    EXTABLE(3b, 4b)

    .globl probe_fpu
probe_fpu:
5:  fnop
    xor %eax, %eax
    ret
6:  mov $-14, %eax
    ret
    EXTABLE(5b, 6b)
#endif

/*
 *   int probe_read_fs_byte(unsigned long offset, u8 *out)
 * Read %fs:offset: the selftest app's check that a segment's limit holds.
 * 0, or -EFAULT (14) after a #GP or #PF.
 */
#ifdef __x86_64__
    .globl probe_read_fs_byte
probe_read_fs_byte:
5:  movb %fs:(%rdi), %al
    movb %al, (%rsi)
    xor %eax, %eax
    ret
6:  mov $-14, %eax
    ret
    EXTABLE(5b, 6b)
#else
    .globl probe_read_fs_byte
probe_read_fs_byte:
    mov 4(%esp), %ecx
5:  movb %fs:(%ecx), %al
    mov 8(%esp), %ecx
    movb %al, (%ecx)
    xor %eax, %eax
    ret
6:  mov $-14, %eax
    ret
    EXTABLE(5b, 6b)
#endif

/*
 *   int probe_load_fs(u16 selector)
 * Load %fs (then restore it): 0, or -EFAULT after the #GP a bad selector
 * raises. Tests the exception-table path for #GP on any CPU (QEMU's TCG
 * raises no #GP for unknown MSRs, the path x86_rdmsr_safe relies on).
 */
#ifdef __x86_64__
    .globl probe_load_fs
probe_load_fs:
    mov %fs, %ecx
7:  mov %di, %fs
    mov %ecx, %fs
    xor %eax, %eax
    ret
8:  mov $-14, %eax
    ret
    EXTABLE(7b, 8b)
#else
    .globl probe_load_fs
probe_load_fs:
    mov %fs, %ecx
    mov 4(%esp), %eax
7:  mov %ax, %fs
    mov %ecx, %fs
    xor %eax, %eax
    ret
8:  mov $-14, %eax
    ret
    EXTABLE(7b, 8b)
#endif

/*
 *   int arch_load_fs(u16 selector)
 * Load %fs and keep it: 0, or -EFAULT (and %fs as it was) when the
 * selector is not loadable, say an LDT entry cleared since it was saved.
 * The scheduler restores each thread's %fs with it.
 */
#ifdef __x86_64__
    .globl arch_load_fs
arch_load_fs:
9:  mov %di, %fs
    xor %eax, %eax
    ret
10: mov $-14, %eax
    ret
    EXTABLE(9b, 10b)
#else
    .globl arch_load_fs
arch_load_fs:
    mov 4(%esp), %eax
9:  mov %ax, %fs
    xor %eax, %eax
    ret
10: mov $-14, %eax
    ret
    EXTABLE(9b, 10b)
#endif
