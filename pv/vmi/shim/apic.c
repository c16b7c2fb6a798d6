/*
 * The apic group on hardware: the local APIC in xAPIC mode (MMIO), the
 * IOAPICs the ACPI MADT lists for device lines, and the two 8259s, which
 * are always moved off the exception vectors and masked. Without a usable
 * MADT or IOAPIC the 8259s deliver the device lines ("PIC mode", through
 * the boot CPU's LINT0 as ExtINT), and ISA IRQ n can only be vector
 * 0x20 + n. Each CPU has its own local APIC at the same address, which it
 * sets up itself (a started CPU in lapic_init_this_cpu, vcpu.c calls it);
 * the IOAPICs and the 8259s are shared, behind a lock.
 *
 * Intel SDM Vol. 3A, chapter "Advanced Programmable Interrupt Controller"
 * (10 in older editions, 11 in newer): 10.4.1 (IA32_APIC_BASE), 10.5.1
 * (LVT), 10.6.1 (ICR), 10.8.5 (EOI), 10.9 (spurious vector). Intel
 * 82093AA IOAPIC datasheet, 3.2: IOREGSEL at +0x00, IOWIN at +0x10;
 * register 1 bits 23:16 = redirection entries - 1; entry n = registers
 * 0x10 + 2n (low) and 0x11 + 2n (high). Intel 8259A datasheet: ICW1-4,
 * OCW1 (mask), OCW2 (EOI), OCW3 (read the in-service register).
 */
#include "shim.h"
#include <hw/ioapic.h>

/* ---- local APIC --------------------------------------------------------- */


static volatile u32 *lapic;             /* set once by APIC_INIT */

volatile u32 *lapic_regs(void) { return lapic; }
u32 lapic_read(unsigned reg) { return lapic[reg / 4]; }
void lapic_write(unsigned reg, u32 v) { lapic[reg / 4] = v; }

/* This CPU's APIC enabled in IA32_APIC_BASE (init checked that it
 * exists); its base. */
static u64 lapic_enable(void)
{
    u64 base = x86_rdmsr(MSR_APIC_BASE);
    if (!(base & APIC_BASE_ENABLE))
        x86_wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    return base;
}

/* Every LVT entry masked but LINT1 (NMI on PCs, MP spec 5.1) and, in PIC
 * mode on the boot CPU, LINT0, which carries the 8259s' output; then the
 * APIC software-enabled. */
static void lapic_setup(bool extint)
{
    unsigned max_lvt = (lapic_read(LAPIC_VERSION) >> 16) & 0xff;
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VMI_VECTOR_TIMER);
    lapic_write(LAPIC_LVT_LINT0, extint ? LVT_DM_EXTINT : LVT_MASKED);
    lapic_write(LAPIC_LVT_LINT1, LVT_DM_NMI);
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    if (max_lvt >= 4)
        lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
    if (max_lvt >= 5)
        lapic_write(LAPIC_LVT_THERMAL, LVT_MASKED);
    if (max_lvt >= 6)
        lapic_write(LAPIC_LVT_CMCI, LVT_MASKED);
    lapic_write(LAPIC_SVR, SVR_ENABLE | VMI_VECTOR_SPURIOUS);
}

static int lapic_init(bool pic_mode)
{
    u64 base = lapic_enable();
    lapic = shim_map_phys(base & 0x000ffffffffff000ULL, 4096);
    if (!lapic)
        return -SHIM_ENOMEM;
    lapic_setup(pic_mode);
    return 0;
}

/* A started CPU, before it enters the kernel: its APIC answers at the
 * address the boot CPU mapped (SDM 11.4.1: each CPU reaches its own
 * there), unless firmware moved it, which the shim does not support. */
void lapic_init_this_cpu(void)
{
    lapic_enable();
    lapic_setup(false);
}

/* The destination first: writing the low half sends (SDM 11.6.1). */
int lapic_send(u32 apic_id, u32 cmd)
{
    unsigned long f = irq_save();
    for (int spin = 0; spin < 1000000 && (lapic_read(LAPIC_ICR) & ICR_BUSY); spin++)
        x86_pause();
    int err = lapic_read(LAPIC_ICR) & ICR_BUSY ? -SHIM_EBUSY : 0;
    if (!err) {
        lapic_write(LAPIC_ICR + 0x10, apic_id << 24);
        lapic_write(LAPIC_ICR, cmd);
    }
    irq_restore(f);
    return err;
}

/* ---- 8259 pair ---------------------------------------------------------- */

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_VECTOR_BASE 0x20
#define OCW2_EOI 0x20
#define OCW3_READ_ISR 0x0b

static volatile u16 pic_masked = 0xffff;   /* bit n: IRQ n masked */
static bool pic_mode;
/* The device lines' controllers, the 8259s and the IOAPICs, which every
 * CPU reaches: one lock, since each is an index or a mask that another CPU
 * could change between two accesses. */
static shim_lock_t line_lock;

static void pic_init(void)
{
    x86_outb(PIC1_CMD, 0x11);                   /* ICW1: edge, cascade, ICW4 */
    x86_outb(PIC2_CMD, 0x11);
    x86_outb(PIC1_DATA, PIC_VECTOR_BASE);       /* ICW2: IRQ 0-7 -> 0x20-0x27 */
    x86_outb(PIC2_DATA, PIC_VECTOR_BASE + 8);   /*       IRQ 8-15 -> 0x28-0x2f */
    x86_outb(PIC1_DATA, 0x04);                  /* ICW3: the slave is on IRQ 2 */
    x86_outb(PIC2_DATA, 0x02);
    x86_outb(PIC1_DATA, 0x01);                  /* ICW4: 8086 mode */
    x86_outb(PIC2_DATA, 0x01);
    pic_masked = 0xffff;
    x86_outb(PIC1_DATA, 0xff);                  /* OCW1: all masked */
    x86_outb(PIC2_DATA, 0xff);
}

static void pic_mask(unsigned irq, bool masked)
{
    unsigned long f = shim_lock(&line_lock);
    u16 m = pic_masked;
    if (masked) {
        m |= (u16)(1u << irq);
    } else {
        m &= (u16)~(1u << irq);
        if (irq >= 8)
            m &= (u16)~(1u << 2);   /* the slave's lines pass the master's IRQ 2 */
    }
    pic_masked = m;
    x86_outb(PIC1_DATA, (u8)m);
    x86_outb(PIC2_DATA, (u8)(m >> 8));
    shim_unlock(&line_lock, f);
}

static u8 pic_isr(u16 cmd)
{
    x86_outb(cmd, OCW3_READ_ISR);
    return x86_inb(cmd);
}

/* An IRQ 7 (or 15) that is not in service was a spurious one (the line
 * dropped before the acknowledge) and must not be acknowledged; for a
 * spurious 15 the master did see a real IRQ 2 (8259A datasheet). */
static void pic_eoi(unsigned irq)
{
    unsigned long f = shim_lock(&line_lock);
    if (irq != 7 || (pic_isr(PIC1_CMD) & 0x80)) {
        if (irq >= 8 && (irq != 15 || (pic_isr(PIC2_CMD) & 0x80)))
            x86_outb(PIC2_CMD, OCW2_EOI);
        x86_outb(PIC1_CMD, OCW2_EOI);
    }
    shim_unlock(&line_lock, f);
}

/* ---- IOAPICs ------------------------------------------------------------ */

struct ioapic {
    volatile u32 *regs;
    u32 gsi_base;
    unsigned entries;
};
static struct ioapic ioapics[SHIM_MAX_IOAPICS];
static unsigned n_ioapics;
static struct madt_info madt;
static bool have_madt;

const struct madt_info *shim_madt(void)
{
    return have_madt ? &madt : NULL;
}

/* The registers: <hw/ioapic.h>. Index, then data: two accesses that
 * nothing else using the same IOAPIC may come between (callers hold
 * line_lock, or run before there is any other CPU). */
static void ioapics_init(void)
{
    for (unsigned i = 0; i < madt.n_ioapics; i++) {
        struct ioapic *a = &ioapics[n_ioapics];
        a->regs = shim_map_phys(madt.ioapic[i].addr, 0x20);
        if (!a->regs)
            continue;
        a->entries = ioapic_reset(a->regs);
        if (!a->entries)
            continue;   /* nothing answers there */
        a->gsi_base = madt.ioapic[i].gsi_base;
        n_ioapics++;
    }
}

static struct ioapic *ioapic_for(u32 gsi, unsigned *pin)
{
    for (unsigned i = 0; i < n_ioapics; i++) {
        if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].entries) {
            *pin = gsi - ioapics[i].gsi_base;
            return &ioapics[i];
        }
    }
    return NULL;
}

/* MPS INTI flags of an override (ACPI 6.5, 5.2.12.5): polarity bits 1:0
 * and trigger mode bits 3:2; 00 = "conforms to the bus", which for ISA
 * means active high and edge. */
#define INTI_ACTIVE_LOW 0x3
#define INTI_LEVEL (0x3 << 2)

/* The IOAPIC input of ISA IRQ `irq` and its RTE polarity and trigger
 * bits; false if it has none: another IRQ's override took its identity
 * line (on PCs IRQ 0 takes GSI 2, so IRQ 2, the cascade, has no line). */
static bool isa_gsi(unsigned irq, u32 *gsi, u32 *rte_bits)
{
    *gsi = irq;
    *rte_bits = 0;
    for (unsigned i = 0; i < madt.n_isos; i++) {
        const struct madt_iso *o = &madt.iso[i];
        if (o->source == irq) {
            *gsi = o->gsi;
            if ((o->flags & 0x3) == INTI_ACTIVE_LOW)
                *rte_bits |= IOAPIC_RTE_ACTIVE_LOW;
            if ((o->flags & (0x3 << 2)) == INTI_LEVEL)
                *rte_bits |= IOAPIC_RTE_LEVEL;
            return true;
        }
    }
    for (unsigned i = 0; i < madt.n_isos; i++)
        if (madt.iso[i].gsi == irq)
            return false;
    return true;
}

/* ---- the calls ---------------------------------------------------------- */

int SHIM_CALL shim_apic_init(void)
{
    pic_init();
    have_madt = acpi_read_madt(&madt) == 0;
    n_ioapics = 0;
    if (have_madt)
        ioapics_init();
    pic_mode = n_ioapics == 0;
    int err = lapic_init(pic_mode);
    if (err)
        return err;

    struct line l;
    line_init(&l);
    line_str(&l, "xAPIC id ");
    line_dec(&l, shim_apic_cpu_id());
    if (pic_mode) {
        line_str(&l, have_madt ? ", no working IOAPIC" : ", no usable ACPI MADT");
        line_str(&l, ": device interrupts through the 8259s (PIC mode)");
    } else {
        line_str(&l, ", ");
        line_dec(&l, n_ioapics);
        line_str(&l, " IOAPIC(s), ");
        line_dec(&l, madt.n_isos);
        line_str(&l, " interrupt source override(s)");
    }
    line_log(&l);
    return 0;
}

/*T:980 The EOI the VMI personality makes, on the shim's side of the ABI
 * (APIC_EOI, docs/vmi-abi.md). This shim drives the hardware, so here an
 * EOI is an 8259 command in PIC mode, nothing for the spurious vector, a
 * local APIC write otherwise; another shim, on another hypervisor, could
 * do something else entirely, and the kernel cannot tell which. That is
 * why the kernel never skips this call on a hint from KVM: PV EOI is not
 * mixed into the VMI personality (kernel/mixing.c). */
void SHIM_CALL shim_apic_eoi(unsigned vector)
{
    /* ExtINT deliveries never enter the local APIC's in-service register:
     * in PIC mode the device vectors are the 8259's to acknowledge. A
     * spurious interrupt is not in service either (SDM 10.9): an EOI
     * would end whatever interrupt it arrived on top of. */
    if (vector == VMI_VECTOR_SPURIOUS)
        return;
    if (pic_mode && vector >= PIC_VECTOR_BASE && vector < PIC_VECTOR_BASE + 16)
        pic_eoi(vector - PIC_VECTOR_BASE);
    else if (lapic)
        lapic_write(LAPIC_EOI, 0);
}

static bool device_vector(unsigned vector)
{
    /* 0-31 are exceptions; the timer's and the spurious vector are taken */
    return vector >= 0x20 && vector <= 0xfe && vector != VMI_VECTOR_TIMER;
}

int SHIM_CALL shim_apic_route_irq(unsigned isa_irq, unsigned vector)
{
    if (isa_irq > 15 || !device_vector(vector))
        return -SHIM_EINVAL;
    if (!lapic)
        return -SHIM_ENODEV;   /* APIC_INIT did not run or failed */
    if (pic_mode) {
        if (vector != PIC_VECTOR_BASE + isa_irq)
            return -SHIM_EINVAL;   /* the 8259s' vectors are fixed */
        pic_mask(isa_irq, false);
        return 0;
    }
    u32 gsi, bits;
    unsigned pin;
    struct ioapic *a;
    if (!isa_gsi(isa_irq, &gsi, &bits) || !(a = ioapic_for(gsi, &pin)))
        return -SHIM_ENODEV;
    /* Fixed delivery, physical destination: this CPU's APIC ID in bits
     * 63:56. Masked while the halves change; live with the last write. */
    unsigned long f = shim_lock(&line_lock);
    ioapic_set_entry(a->regs, pin, vector | bits, (uint8_t)shim_apic_cpu_id());
    shim_unlock(&line_lock, f);
    return 0;
}

void SHIM_CALL shim_apic_mask_irq(unsigned isa_irq, bool masked)
{
    if (isa_irq > 15 || !lapic)
        return;
    if (pic_mode) {
        pic_mask(isa_irq, masked);
        return;
    }
    u32 gsi, bits;
    unsigned pin;
    struct ioapic *a;
    if (!isa_gsi(isa_irq, &gsi, &bits) || !(a = ioapic_for(gsi, &pin)))
        return;
    unsigned long f = shim_lock(&line_lock);
    u32 lo = ioapic_read(a->regs, IOAPIC_RTE_LO(pin));
    /* a line never routed has no vector yet: it stays masked */
    if (masked || (lo & 0xff) >= 0x20)
        ioapic_mask_entry(a->regs, pin, masked);
    shim_unlock(&line_lock, f);
}

/* Fixed delivery, physical destination: the APIC id of the kernel's CPU
 * `cpu` (VCPU_COUNT's numbering, vcpu.c), this CPU included. */
int SHIM_CALL shim_apic_send_ipi(unsigned cpu, unsigned vector)
{
    u32 id;
    if (!lapic)
        return -SHIM_ENODEV;
    if (vector < 0x20 || vector > 0xff || cpu_apic_id(cpu, &id))
        return -SHIM_EINVAL;
    return lapic_send(id, ICR_DM_FIXED | ICR_ASSERT | vector);
}

u32 SHIM_CALL shim_apic_cpu_id(void)
{
    return lapic ? lapic_read(LAPIC_ID) >> 24 : 0;
}
