/*
 * vmi-native's answer for every call of VMI_CALL_LIST (pv/vmi/abi.h): how
 * the kernel should use it. header.S expands this into the ROM's call
 * table; scripts/mkrom.py checks the result against abi.h (required calls
 * present, no NOP for a call with a result, inline bytes equal to the
 * entry's first bytes followed by `ret`). Safe for C and assembly.
 *
 * Directives:
 *   SHIM_CALL_TO(fn)             the kernel calls fn
 *   SHIM_INLINE(fn, bytes...)    the kernel puts the bytes at its call
 *                                sites; fn is the same bytes and `ret`
 *                                (pv/vmi/shim/inline.S), for sites where
 *                                the kernel cannot inline
 *   SHIM_NOP                     nothing to do on hardware
 *   SHIM_ABSENT                  the kernel keeps its own code
 */
#ifndef VMI_SHIM_CALLS_H
#define VMI_SHIM_CALLS_H

/* cpu */
#define SHIM_DO_CPUID SHIM_CALL_TO(shim_cpuid)
#define SHIM_DO_READ_CR0 SHIM_CALL_TO(shim_read_cr0)
#define SHIM_DO_WRITE_CR0 SHIM_CALL_TO(shim_write_cr0)
#define SHIM_DO_READ_CR2 SHIM_CALL_TO(shim_read_cr2)
#define SHIM_DO_READ_CR4 SHIM_CALL_TO(shim_read_cr4)
#define SHIM_DO_WRITE_CR4 SHIM_CALL_TO(shim_write_cr4)
#define SHIM_DO_READ_DR SHIM_CALL_TO(shim_read_dr)
#define SHIM_DO_WRITE_DR SHIM_CALL_TO(shim_write_dr)
/* a #GP on an absent MSR resumes through the ROM's fixup table (msr.S) */
#define SHIM_DO_READ_MSR SHIM_CALL_TO(shim_read_msr)
#define SHIM_DO_WRITE_MSR SHIM_CALL_TO(shim_write_msr)
#define SHIM_DO_LOAD_GDT SHIM_CALL_TO(shim_load_gdt)
#define SHIM_DO_LOAD_IDT SHIM_CALL_TO(shim_load_idt)
#define SHIM_DO_LOAD_TR SHIM_CALL_TO(shim_load_tr)
#define SHIM_DO_LOAD_LDT SHIM_CALL_TO(shim_load_ldt)
#define SHIM_DO_ALLOC_LDT SHIM_NOP
#define SHIM_DO_FREE_LDT SHIM_NOP
#define SHIM_DO_WRITE_GDT_ENTRY SHIM_CALL_TO(shim_write_gdt_entry)
#define SHIM_DO_WRITE_LDT_ENTRY SHIM_CALL_TO(shim_write_ldt_entry)
#define SHIM_DO_WRITE_IDT_ENTRY SHIM_CALL_TO(shim_write_idt_entry)
#define SHIM_DO_SET_KERNEL_STACK SHIM_CALL_TO(shim_set_kernel_stack)
#define SHIM_DO_IO_IN SHIM_CALL_TO(shim_io_in)
#define SHIM_DO_IO_OUT SHIM_CALL_TO(shim_io_out)

/* irq: the native instructions fit the kernel's 6-byte call sites */
#define SHIM_DO_SAVE_FLAGS SHIM_INLINE(shim_save_flags, 0x9c, 0x58)   /* pushf; pop %[er]ax */
#define SHIM_DO_DISABLE SHIM_INLINE(shim_disable, 0xfa)               /* cli */
#define SHIM_DO_ENABLE SHIM_INLINE(shim_enable, 0xfb)                 /* sti */
#define SHIM_DO_SAFE_HALT SHIM_INLINE(shim_safe_halt, 0xfb, 0xf4)     /* sti; hlt */

/* mmu: tables are ordinary memory on hardware, so the notices and the
 * lazy mode have nothing to do */
#define SHIM_DO_ALLOC_PT SHIM_NOP
#define SHIM_DO_RELEASE_PT SHIM_NOP
#define SHIM_DO_READ_ENTRY SHIM_CALL_TO(shim_read_entry)
#define SHIM_DO_READ_PT_BASE SHIM_CALL_TO(shim_read_pt_base)
#define SHIM_DO_WRITE_PT_BASE SHIM_CALL_TO(shim_write_pt_base)
#define SHIM_DO_FLUSH_TLB_ONE SHIM_CALL_TO(shim_flush_tlb_one)
#define SHIM_DO_FLUSH_TLB_ALL SHIM_CALL_TO(shim_flush_tlb_all)
#define SHIM_DO_FLUSH_TLB_GLOBAL SHIM_CALL_TO(shim_flush_tlb_global)
#define SHIM_DO_LAZY_ENTER SHIM_NOP
#define SHIM_DO_LAZY_FLUSH SHIM_NOP
#define SHIM_DO_LAZY_LEAVE SHIM_NOP

#if defined(__x86_64__)
#define SHIM_DO_RESTORE_FLAGS SHIM_INLINE(shim_restore_flags, 0x57, 0x9d)   /* push %rdi; popf */
/* rdtsc leaves EDX:EAX; joining them into RAX does not fit 6 bytes */
#define SHIM_DO_READ_TSC SHIM_CALL_TO(shim_read_tsc)
/* an 8-byte entry is one store: mov %rsi, (%rdi) */
#define SHIM_DO_SET_PTE SHIM_INLINE(shim_set_entry, 0x48, 0x89, 0x37)
#define SHIM_DO_SET_PMD SHIM_INLINE(shim_set_entry, 0x48, 0x89, 0x37)
#define SHIM_DO_SET_PUD SHIM_INLINE(shim_set_entry, 0x48, 0x89, 0x37)
#define SHIM_DO_SET_P4D SHIM_INLINE(shim_set_entry, 0x48, 0x89, 0x37)
#else
#define SHIM_DO_RESTORE_FLAGS SHIM_INLINE(shim_restore_flags, 0x50, 0x9d)   /* push %eax; popf */
#define SHIM_DO_READ_TSC SHIM_INLINE(shim_read_tsc, 0x0f, 0x31)             /* rdtsc: EDX:EAX */
/* PAE entries are written as two ordered halves (mmu.c): a call */
#define SHIM_DO_SET_PTE SHIM_CALL_TO(shim_set_entry)
#define SHIM_DO_SET_PMD SHIM_CALL_TO(shim_set_entry)
#define SHIM_DO_SET_PUD SHIM_CALL_TO(shim_set_entry)
#define SHIM_DO_SET_P4D SHIM_CALL_TO(shim_set_entry)
#endif

/* apic */
#define SHIM_DO_APIC_INIT SHIM_CALL_TO(shim_apic_init)
#define SHIM_DO_APIC_EOI SHIM_CALL_TO(shim_apic_eoi)
#define SHIM_DO_APIC_ROUTE_IRQ SHIM_CALL_TO(shim_apic_route_irq)
#define SHIM_DO_APIC_MASK_IRQ SHIM_CALL_TO(shim_apic_mask_irq)
#define SHIM_DO_APIC_SEND_IPI SHIM_CALL_TO(shim_apic_send_ipi)
#define SHIM_DO_APIC_CPU_ID SHIM_CALL_TO(shim_apic_cpu_id)

/* time */
#define SHIM_DO_TIME_INIT SHIM_CALL_TO(shim_time_init)
#define SHIM_DO_CLOCK_NS SHIM_CALL_TO(shim_clock_ns)
#define SHIM_DO_WALLCLOCK_AT_BOOT_NS SHIM_CALL_TO(shim_wallclock_at_boot_ns)
#define SHIM_DO_ARM_ONESHOT SHIM_CALL_TO(shim_arm_oneshot)
#define SHIM_DO_TSC_HZ SHIM_CALL_TO(shim_tsc_hz)

/* vcpu: the MADT's CPUs, started with INIT-SIPI-SIPI (vcpu.c); 1.0's
 * VCPU_START answers ENOSYS, so that a kernel older than 1.2 never falls
 * back to starting CPUs behind the shim's back */
#define SHIM_DO_VCPU_COUNT SHIM_CALL_TO(shim_vcpu_count)
#define SHIM_DO_VCPU_START SHIM_CALL_TO(shim_vcpu_start)
#define SHIM_DO_VCPU_START_AP SHIM_CALL_TO(shim_vcpu_start_ap)

/* console and power */
#define SHIM_DO_CONSOLE_INIT SHIM_CALL_TO(shim_console_init)
#define SHIM_DO_CONSOLE_WRITE SHIM_CALL_TO(shim_console_write)
#define SHIM_DO_CONSOLE_READ SHIM_CALL_TO(shim_console_read)
#define SHIM_DO_EXIT SHIM_CALL_TO(shim_exit)

#endif
