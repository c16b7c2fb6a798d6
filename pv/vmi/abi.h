/*
 * The Proteus VMI ABI, version 1.2: how a kernel finds a shim ROM, checks
 * it, and calls it. This header is the machine-readable half of
 * docs/vmi-abi.md and the only thing the kernel (pv/vmi/) and a shim
 * (pv/vmi/shim/) share: neither links anything of the other. It follows
 * the design of VMware's Virtual Machine Interface (VMware's VMI specification v2.0, 2006, and
 * Linux 2.6.21-2.6.36 arch/x86/kernel/vmi_32.c):
 * an option ROM with a call table and, per call, a patch directive.
 *
 * Everything here is little-endian and packed; offsets are from the ROM's
 * first byte.
 */
#ifndef PV_VMI_ABI_H
#define PV_VMI_ABI_H

#define VMI_ABI_MAJOR 1
#define VMI_ABI_MINOR 2

/* ---- the ROM ---------------------------------------------------------------
 *
 *   0x00  u16  0xAA55                  option-ROM signature (PCI Firmware 3.0, 5.1)
 *   0x02  u8   length, in 512-byte blocks; the bytes of the whole length sum to 0
 *   0x03       the BIOS's init entry, called far in real mode during POST: the
 *              shim puts a far return (0xCB) there, nothing more
 *   0x18  u16  offset of the "PCIR" data structure (0: none)
 *   0x20       struct vmi_rom_header
 *
 * Found by scanning physical 0xC0000-0xDFFFF in 2 KiB steps.
 */
#define VMI_ROM_SIGNATURE 0xaa55
#define VMI_ROM_BLOCK 512
#define VMI_ROM_SCAN_START 0xc0000
#define VMI_ROM_SCAN_END 0xe0000
#define VMI_ROM_SCAN_STEP 0x800
#define VMI_HEADER_OFFSET 0x20
#define VMI_MAGIC 0x494d5650u          /* "PVMI" */

#define VMI_ARCH_I386 1
#define VMI_ARCH_X86_64 2

/* What the shim says about one call: struct vmi_call's kind. */
#define VMI_CALL_ABSENT 0   /* not provided: the kernel keeps its own native code
                             * (optional calls) or refuses the ROM (required ones) */
#define VMI_CALL_CALL 1     /* call `entry` */
#define VMI_CALL_INLINE 2   /* put `bytes` at the call site; `entry` does the same
                             * and is called where the bytes do not fit */
#define VMI_CALL_NOP 3      /* the call does nothing: remove it (void calls only) */

/* Feature bits (ABI 1.1). GUEST_CLOCK: the shim lets the kernel take its
 * clock (CLOCK_NS, WALLCLOCK_AT_BOOT_NS, TSC_HZ) from a paravirtual clock
 * the hypervisor offers the guest directly, such as kvmclock; TIME_INIT and
 * ARM_ONESHOT are still the shim's, with deadlines given in the shim's own
 * CLOCK_NS. A shim that virtualises time itself leaves it clear. */
#define VMI_FEATURE_GUEST_CLOCK 0x1u
#define VMI_FEATURES_KNOWN 0x1u   /* every bit this ABI defines */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct vmi_rom_header {
    uint32_t magic;          /* VMI_MAGIC */
    uint16_t abi_major;      /* must equal the kernel's VMI_ABI_MAJOR */
    uint16_t abi_minor;      /* any: a kernel uses what it knows */
    uint16_t header_size;    /* sizeof(struct vmi_rom_header) of the ROM's ABI */
    uint8_t arch;            /* VMI_ARCH_*: the mode the shim's code runs in */
    uint8_t reserved0;
    uint32_t image_size;     /* bytes from ROM offset 0 that make up the shim,
                              * its zero-filled data included */
    uint32_t text_size;      /* [0, text_size): code and constants, mapped read+execute */
    uint32_t data_offset;    /* [data_offset, +data_size): mapped read+write, */
    uint32_t data_size;      /*   page-aligned; zero-filled data included */
    uint32_t init_offset;    /* entry of init (below) */
    uint32_t calls_offset;   /* struct vmi_call calls[ncalls] */
    uint32_t ncalls;         /* calls numbered 0..ncalls-1 */
    uint16_t name_offset;    /* NUL-terminated, printable ASCII, at most 31 chars */
    uint16_t license_offset; /* NUL-terminated, printable ASCII, at most 63 chars */
    uint32_t features;       /* VMI_FEATURE_* (1.1); 0 in 1.0 */
    uint32_t fixups_offset;  /* struct vmi_fixup fixups[nfixups], in the code */
    uint32_t nfixups;
} __attribute__((packed));

/* An instruction of the shim that may fault on purpose (RDMSR of an MSR
 * that may not exist): if it raises #GP, #PF or #NM, the kernel resumes at
 * `resume` instead of reporting a fault. Both are offsets in the code. */
struct vmi_fixup {
    uint32_t insn;
    uint32_t resume;
} __attribute__((packed));

#define VMI_INLINE_MAX 10

struct vmi_call {
    uint32_t entry;          /* offset of the entry point in the ROM; 0: none */
    uint8_t kind;            /* VMI_CALL_* */
    uint8_t len;             /* VMI_CALL_INLINE: how many of bytes[] */
    uint8_t bytes[VMI_INLINE_MAX];
} __attribute__((packed));

/* What the kernel offers the shim, passed to init and valid for as long
 * as the kernel runs. Function pointers use the call convention below. A
 * later minor version may append fields; `size` says how many there are. */
#if defined(__i386__)
#define VMI_CC __attribute__((regparm(3)))
#else
#define VMI_CC
#endif

struct vmi_services {
    uint32_t size;           /* sizeof(struct vmi_services) the kernel filled */
    uint16_t abi_major, abi_minor;
    /* Map physical memory (device registers, firmware tables) uncached for
     * the shim; the address, or 0. Usable from the apic group's init on,
     * once the kernel has its own page tables. */
    void *(VMI_CC *map_phys)(uint64_t pa, unsigned long len);
    /* One line on the kernel's console (without the newline). */
    void (VMI_CC *log)(const char *msg);
    /* 1.2, present when `size` reaches them; usable from the apic group's
     * init on. A page of zeroed RAM below physical address `below`, the
     * shim's for good, mapped read+write and not executable at its
     * physical address: the pointer is the physical address. 0 if none. */
    void *(VMI_CC *alloc_page)(uint64_t below);
    /* Such a page read+execute and not writable (exec != 0), or read+write
     * and not executable again (exec == 0): for code that turns paging on,
     * whose next instruction is fetched at the same address with paging
     * off and on. 0, or a negative error (-EINVAL: not a page alloc_page
     * gave). */
    int (VMI_CC *page_exec)(void *page, int exec);
};
#define VMI_SERVICES_1_0_SIZE ((uint32_t)__builtin_offsetof(struct vmi_services, alloc_page))

/* VCPU_START_AP's argument (1.2): the state the started CPU enters the
 * kernel in, described by the kernel alone (docs/vmi-abi.md, section 4,
 * "vcpu"). Addresses are 64 bits on both architectures; the shim copies
 * what it needs, so the structure need not outlive the call. */
struct vmi_ap_state {
    uint32_t size;           /* sizeof(struct vmi_ap_state) the kernel filled */
    uint32_t flags;          /* 0: none defined yet */
    uint64_t pt_root;        /* physical address of the top-level page table
                              * (CR3), in the calling CPU's paging mode,
                              * below 4 GiB; on PAE its four PDPTEs hold
                              * only P, PWT, PCD and the address */
    uint64_t entry;          /* void entry(void *arg), the calls' convention */
    uint64_t arg;
    uint64_t stack_top;      /* 16-byte aligned; the return address (0) goes below */
} __attribute__((packed));

/* init: called once, before any other call, with interrupts off. The
 * kernel is still in its boot state: on i386 paging is off, on x86_64 the
 * low 4 GiB are identity-mapped. 0, or a negative VMI_E* error to refuse:
 * the kernel then boots native. */
typedef int (VMI_CC *vmi_init_fn)(const struct vmi_services *services);
#endif /* __ASSEMBLER__ */

/* Error numbers, returned negated (they are the kernel's errno values). */
#define VMI_EIO 5
#define VMI_ENOMEM 12
#define VMI_EBUSY 16
#define VMI_ENODEV 19
#define VMI_EINVAL 22
#define VMI_ERANGE 34
#define VMI_ENOSYS 88
#define VMI_ETIMEDOUT 116   /* 1.2 */

/* ---- vectors ----------------------------------------------------------------
 * The kernel routes device lines to vectors 0x20-0xEF (APIC_ROUTE_IRQ);
 * these two are the shim's. */
#define VMI_VECTOR_TIMER 0xf0      /* the one-shot timer (time group) */
#define VMI_VECTOR_SPURIOUS 0xff   /* the local APIC's spurious vector */

/* GDT entries 9 and 10 of every GDT loaded through LOAD_GDT are the
 * shim's, for the LDT's system descriptor (LOAD_LDT); the kernel leaves
 * them zero. */
#define VMI_GDT_LDT_ENTRY 9

/* ---- the calls ----------------------------------------------------------------
 *
 * Every call has the kernel's platform-op signature (include/proteus/pvops.h)
 * and its register contract:
 *   x86_64: arguments in RDI, RSI, RDX; the result in RAX. The shim may
 *           change RAX, RCX, RDX, RSI, RDI, R8-R11 and the flags, nothing else.
 *   i386:   regparm(3): arguments in EAX, EDX, ECX (a 64-bit argument takes
 *           two in a row, low half first); the result in EAX, or EDX:EAX for
 *           64 bits. The shim may change EAX, ECX, EDX and the flags.
 * Inline bytes obey the same contract. Calls run at the kernel's privilege,
 * on the kernel's stack (at least 1 KiB free), with flat segments, and may
 * be entered again from an interrupt handler while interrupts are on, or
 * from another CPU once the kernel has started others (VCPU_START_AP).
 *
 * X(number, NAME, flags): flags are VMI_REQUIRED (a ROM without it is
 * refused), VMI_RESULT (returns a value: VMI_CALL_NOP is invalid),
 * VMI_NORETURN (never returns: VMI_CALL_NOP is invalid too) and
 * VMI_SINCE_1_2 (defined from minor version 2 on: in a ROM of an older
 * minor version the slot means nothing and the call is absent; never
 * required, or older ROMs would be refused). Errors are negative VMI_E*
 * values.
 */
#define VMI_REQUIRED 0x1
#define VMI_RESULT 0x2
#define VMI_NORETURN 0x4
#define VMI_SINCE_1_2 0x8

#define VMI_CALL_LIST(X)                                                         \
    /* cpu */                                                                    \
    X(0, CPUID, 0)                          /* (leaf, subleaf, struct cpuid_regs *out) */ \
    X(1, READ_CR0, VMI_REQUIRED | VMI_RESULT)                                    \
    X(2, WRITE_CR0, VMI_REQUIRED)                                                \
    X(3, READ_CR2, VMI_REQUIRED | VMI_RESULT)                                    \
    X(4, READ_CR4, VMI_REQUIRED | VMI_RESULT)                                    \
    X(5, WRITE_CR4, VMI_REQUIRED)                                                \
    X(6, READ_DR, VMI_RESULT)               /* (reg) */                          \
    X(7, WRITE_DR, 0)                       /* (reg, value) */                   \
    X(8, READ_MSR, VMI_RESULT)              /* (msr, u64 *out) -> 0 / -EIO */    \
    X(9, WRITE_MSR, VMI_RESULT)             /* (msr, u64 value) -> 0 / -EIO */   \
    X(10, READ_TSC, VMI_RESULT)                                                  \
    X(11, LOAD_GDT, VMI_REQUIRED)           /* (const struct desc_ptr *) */      \
    X(12, LOAD_IDT, VMI_REQUIRED)           /* (const struct desc_ptr *) */      \
    X(13, LOAD_TR, VMI_REQUIRED)            /* (selector) */                     \
    X(14, LOAD_LDT, VMI_REQUIRED)           /* (base, entries); 0 entries: none */ \
    X(15, ALLOC_LDT, VMI_REQUIRED)          /* (base, entries): a page becomes an LDT */ \
    X(16, FREE_LDT, VMI_REQUIRED)           /* (base, entries): and stops being one */ \
    X(17, WRITE_GDT_ENTRY, VMI_REQUIRED)    /* (table, index, const u64 *desc) */ \
    X(18, WRITE_LDT_ENTRY, VMI_REQUIRED)                                         \
    X(19, WRITE_IDT_ENTRY, VMI_REQUIRED)    /* (table, vector, const gate *) */  \
    X(20, SET_KERNEL_STACK, VMI_REQUIRED)   /* (sp0): stack for entries from ring 3 */ \
    X(21, IO_IN, VMI_RESULT)                /* (port, size 1/2/4) */             \
    X(22, IO_OUT, 0)                        /* (port, size, value) */            \
    /* irq: the interrupt flag (the value 0x200, EFLAGS.IF, means "on") */       \
    X(32, SAVE_FLAGS, VMI_REQUIRED | VMI_RESULT)                                 \
    X(33, RESTORE_FLAGS, VMI_REQUIRED)                                           \
    X(34, DISABLE, VMI_REQUIRED)                                                 \
    X(35, ENABLE, VMI_REQUIRED)                                                  \
    X(36, SAFE_HALT, VMI_REQUIRED)          /* enable and wait, no lost wakeup */ \
    /* mmu: entries hold physical addresses, written in the paging mode in force */ \
    X(48, ALLOC_PT, VMI_REQUIRED)           /* (u64 table, level) */             \
    X(49, RELEASE_PT, VMI_REQUIRED)         /* (u64 table, level) */             \
    X(50, SET_PTE, VMI_REQUIRED)            /* (entry *, u64 value) */           \
    X(51, SET_PMD, VMI_REQUIRED)                                                 \
    X(52, SET_PUD, VMI_REQUIRED)                                                 \
    X(53, SET_P4D, VMI_REQUIRED)                                                 \
    X(54, READ_ENTRY, VMI_REQUIRED | VMI_RESULT) /* (const entry *) -> u64 */    \
    X(55, READ_PT_BASE, VMI_REQUIRED | VMI_RESULT)                               \
    X(56, WRITE_PT_BASE, VMI_REQUIRED)      /* (u64 root) */                     \
    X(57, FLUSH_TLB_ONE, VMI_REQUIRED)      /* (va) */                           \
    X(58, FLUSH_TLB_ALL, VMI_REQUIRED)                                           \
    X(59, FLUSH_TLB_GLOBAL, VMI_REQUIRED)                                        \
    X(60, LAZY_ENTER, VMI_REQUIRED)                                              \
    X(61, LAZY_FLUSH, VMI_REQUIRED)                                              \
    X(62, LAZY_LEAVE, VMI_REQUIRED)                                              \
    /* apic: the interrupt controller, whole */                                  \
    X(64, APIC_INIT, VMI_REQUIRED | VMI_RESULT)  /* every line masked -> 0/-errno */ \
    X(65, APIC_EOI, VMI_REQUIRED)           /* (vector) */                       \
    X(66, APIC_ROUTE_IRQ, VMI_REQUIRED | VMI_RESULT) /* (isa_irq, vector) -> 0/-errno */ \
    X(67, APIC_MASK_IRQ, VMI_REQUIRED)      /* (isa_irq, masked) */              \
    X(68, APIC_SEND_IPI, VMI_REQUIRED | VMI_RESULT) /* (cpu, vector) -> 0/-errno */ \
    X(69, APIC_CPU_ID, VMI_REQUIRED | VMI_RESULT)                               \
    /* time: a monotonic clock and a one-shot timer on VMI_VECTOR_TIMER */       \
    X(72, TIME_INIT, VMI_REQUIRED | VMI_RESULT)  /* after APIC_INIT -> 0/-errno */ \
    X(73, CLOCK_NS, VMI_REQUIRED | VMI_RESULT)   /* ns since TIME_INIT */        \
    X(74, WALLCLOCK_AT_BOOT_NS, VMI_REQUIRED | VMI_RESULT) /* Unix ns at clock 0 */ \
    X(75, ARM_ONESHOT, VMI_REQUIRED)        /* (u64 deadline_ns); 0 disarms */   \
    X(76, TSC_HZ, VMI_REQUIRED | VMI_RESULT)                                     \
    /* vcpu */                                                                   \
    X(80, VCPU_COUNT, VMI_RESULT)           /* CPUs offered, the calling one included */ \
    X(81, VCPU_START, VMI_RESULT)           /* 1.0, unusable: see VCPU_START_AP */ \
    X(82, VCPU_START_AP, VMI_RESULT | VMI_SINCE_1_2) /* (cpu, const struct vmi_ap_state *) */ \
    /* console */                                                                \
    X(84, CONSOLE_INIT, VMI_REQUIRED)                                            \
    X(85, CONSOLE_WRITE, VMI_REQUIRED)      /* (buf, len) */                     \
    X(86, CONSOLE_READ, VMI_REQUIRED | VMI_RESULT) /* (buf, len) -> bytes, no wait */ \
    /* power */                                                                  \
    X(88, EXIT, VMI_REQUIRED | VMI_NORETURN) /* (status): end the machine */

#define VMI_NCALLS_1_0 89

#define VMI_CALL_ENUM(n, name, flags) VMI_##name = n,
#ifndef __ASSEMBLER__
enum vmi_call_number { VMI_CALL_LIST(VMI_CALL_ENUM) };
#endif

#endif
