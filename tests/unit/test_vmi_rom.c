/*
 * pv/vmi/rom.c: the checks a shim ROM passes before any of its code runs.
 * A good ROM is built here byte by byte as the ABI (pv/vmi/abi.h) lays it
 * out; each case spoils one thing (and fixes the checksum again, except
 * in the checksum case) and expects a refusal naming that thing.
 */
/* unit-sources: pv/vmi/rom.c lib/format.c */
#include "unit.h"

#include <proteus/errno.h>
#include "../../pv/vmi/rom.h"

#define ROM_SIZE 16384
static u8 rom[ROM_SIZE];
static struct vmi_rom_info info;
static char why[160];

static struct vmi_rom_header *hdr(void)
{
    return (struct vmi_rom_header *)(rom + VMI_HEADER_OFFSET);
}

static struct vmi_call *call(unsigned n)
{
    return (struct vmi_call *)(rom + hdr()->calls_offset) + n;
}

static void fix_checksum(void)
{
    u8 sum = 0;
    rom[ROM_SIZE - 1] = 0;
    for (unsigned i = 0; i < ROM_SIZE; i++)
        sum = (u8)(sum + rom[i]);
    rom[ROM_SIZE - 1] = (u8)-sum;
}

/* 4 KiB of code, 4 KiB of data, the call table after the header. */
static void good(void)
{
    memset(rom, 0, sizeof(rom));
    rom[0] = 0x55;
    rom[1] = 0xaa;
    rom[2] = ROM_SIZE / VMI_ROM_BLOCK;
    rom[3] = 0xcb;
    struct vmi_rom_header *h = hdr();
    h->magic = VMI_MAGIC;
    h->abi_major = VMI_ABI_MAJOR;
    h->abi_minor = VMI_ABI_MINOR;
    h->header_size = sizeof(*h);
    h->arch = VMI_ARCH_SELF;
    h->image_size = 8192;
    h->text_size = 4096;
    h->data_offset = 4096;
    h->data_size = 4096;
    h->init_offset = 0x800;
    h->calls_offset = 0x100;
    h->ncalls = VMI_NCALLS_1_0;
    h->name_offset = 0x700;
    h->license_offset = 0x720;
    h->fixups_offset = 0x7f0;   /* two fixups, in the code */
    h->nfixups = 2;
    struct vmi_fixup fx[2] = { { 0x880, 0x890 }, { 0x8a0, 0x8b0 } };
    memcpy(rom + 0x7f0, fx, sizeof(fx));
    strcpy((char *)rom + 0x700, "vmi-test");
    strcpy((char *)rom + 0x720, "MIT");
    for (unsigned n = 0; n < VMI_NCALLS_1_0; n++) {
        if (!vmi_call_name(n, NULL))
            continue;
        call(n)->kind = VMI_CALL_CALL;
        call(n)->entry = 0x900 + n * 16;
    }
    fix_checksum();
    why[0] = '\0';
}

static int check(void)
{
    return vmi_rom_check(rom, ROM_SIZE, VMI_ARCH_SELF, &info, why, sizeof(why));
}

#define CHECK_REFUSED(text)                                         \
    do {                                                            \
        CHECK_EQ(check(), -EINVAL);                                 \
        if (!CHECK(strstr(why, text) != NULL))                      \
            unit_print_str("why", why, strlen(why));                \
    } while (0)

TEST(vmi_rom_good)
{
    good();
    CHECK_EQ(check(), 0);
    CHECK_STREQ(info.name, "vmi-test");
    CHECK_STREQ(info.license, "MIT");
    CHECK_EQ(info.length, ROM_SIZE);
    CHECK_EQ(vmi_rom_call(&info, VMI_SAVE_FLAGS)->entry, 0x900 + VMI_SAVE_FLAGS * 16);
}

TEST(vmi_rom_optional_absent_and_inline_and_nop)
{
    good();
    call(VMI_READ_MSR)->kind = VMI_CALL_ABSENT;
    call(VMI_DISABLE)->kind = VMI_CALL_INLINE;
    call(VMI_DISABLE)->len = 1;
    call(VMI_DISABLE)->bytes[0] = 0xfa;
    call(VMI_ALLOC_PT)->kind = VMI_CALL_NOP;
    fix_checksum();
    CHECK_EQ(check(), 0);
}

TEST(vmi_rom_newer_minor_with_more_calls)
{
    good();
    hdr()->abi_minor = 7;
    hdr()->ncalls = VMI_NCALLS_1_0 + 20;   /* calls this kernel does not know */
    fix_checksum();
    CHECK_EQ(check(), 0);
}

/* ABI 1.2's VCPU_START_AP in a ROM of each minor version: the kernel
 * accepts 1.0, 1.1 and 1.2 ROMs, and in one older than 1.2 the call is
 * absent whatever its slot says (that version told the shim to leave the
 * slot absent, so what is there means nothing). */
TEST(vmi_rom_call_of_a_later_minor)
{
    for (u16 minor = 0; minor <= 2; minor++) {
        good();
        hdr()->abi_minor = minor;
        if (minor == 0)
            hdr()->features = 0;   /* 1.0 had no feature bits */
        call(VMI_VCPU_START_AP)->entry = 0x1800;   /* outside the code: bad in 1.2 only */
        fix_checksum();
        if (minor < 2) {
            CHECK_EQ(check(), 0);
            CHECK_EQ(vmi_rom_call(&info, VMI_VCPU_START_AP)->kind, VMI_CALL_ABSENT);
            CHECK_EQ(vmi_rom_call(&info, VMI_VCPU_COUNT)->kind, VMI_CALL_CALL);
        } else {
            CHECK_REFUSED("call VCPU_START_AP (82) has its entry 0x1800 outside the code");
        }
    }
    good();
    CHECK_EQ(check(), 0);
    CHECK_EQ(vmi_rom_call(&info, VMI_VCPU_START_AP)->kind, VMI_CALL_CALL);
    call(VMI_VCPU_START_AP)->kind = VMI_CALL_ABSENT;   /* optional in 1.2 too */
    fix_checksum();
    CHECK_EQ(check(), 0);
    call(VMI_VCPU_START_AP)->kind = VMI_CALL_NOP;      /* it returns a value */
    fix_checksum();
    CHECK_REFUSED("cannot be a no-op");
}

TEST(vmi_rom_no_signature)
{
    good();
    rom[0] = 0;
    fix_checksum();
    CHECK_REFUSED("no option-ROM signature");
}

TEST(vmi_rom_bad_checksum)
{
    good();
    rom[0x1000] ^= 0x40;
    CHECK_REFUSED("bad checksum");
}

TEST(vmi_rom_length_past_readable)
{
    good();
    CHECK_EQ(vmi_rom_check(rom, ROM_SIZE - 512, VMI_ARCH_SELF, &info, why, sizeof(why)), -EINVAL);
    CHECK(strstr(why, "does not fit") != NULL);
}

TEST(vmi_rom_no_magic)
{
    good();
    hdr()->magic = 0x12345678;
    fix_checksum();
    CHECK_REFUSED("no VMI signature");
}

TEST(vmi_rom_unknown_major)
{
    good();
    hdr()->abi_major = VMI_ABI_MAJOR + 1;
    fix_checksum();
    CHECK_REFUSED("ABI major version 2");
}

TEST(vmi_rom_other_arch)
{
    good();
    hdr()->arch = VMI_ARCH_SELF == VMI_ARCH_I386 ? VMI_ARCH_X86_64 : VMI_ARCH_I386;
    fix_checksum();
    CHECK_REFUSED("built for");
}

TEST(vmi_rom_truncated_image)
{
    good();
    hdr()->image_size = ROM_SIZE + 4096;
    fix_checksum();
    CHECK_REFUSED("truncated");
}

TEST(vmi_rom_truncated_call_table)
{
    good();
    hdr()->ncalls = 10000;
    fix_checksum();
    CHECK_REFUSED("call table");
}

TEST(vmi_rom_data_not_aligned)
{
    good();
    hdr()->data_offset = 4100;
    fix_checksum();
    CHECK_REFUSED("page-aligned");
}

TEST(vmi_rom_init_outside_code)
{
    good();
    hdr()->init_offset = 5000;
    fix_checksum();
    CHECK_REFUSED("init entry");
}

TEST(vmi_rom_missing_required)
{
    good();
    call(VMI_SAVE_FLAGS)->kind = VMI_CALL_ABSENT;
    fix_checksum();
    CHECK_REFUSED("required call SAVE_FLAGS (32) is missing");
}

TEST(vmi_rom_older_table_lacks_required)
{
    good();
    hdr()->ncalls = 40;   /* stops before the mmu calls */
    fix_checksum();
    CHECK_REFUSED("is missing");
}

TEST(vmi_rom_nop_with_result)
{
    good();
    call(VMI_READ_CR2)->kind = VMI_CALL_NOP;
    fix_checksum();
    CHECK_REFUSED("cannot be a no-op");
}

TEST(vmi_rom_entry_outside_code)
{
    good();
    call(VMI_ENABLE)->entry = 0x1800;   /* in the data */
    fix_checksum();
    CHECK_REFUSED("outside the code");
}

TEST(vmi_rom_inline_without_entry_or_bytes)
{
    good();
    call(VMI_ENABLE)->kind = VMI_CALL_INLINE;
    call(VMI_ENABLE)->len = 0;
    fix_checksum();
    CHECK_REFUSED("0 inline bytes");
    good();
    call(VMI_ENABLE)->kind = VMI_CALL_INLINE;
    call(VMI_ENABLE)->len = 1;
    call(VMI_ENABLE)->entry = 0;
    fix_checksum();
    CHECK_REFUSED("outside the code");
}

TEST(vmi_rom_unknown_kind)
{
    good();
    call(VMI_ENABLE)->kind = 9;
    fix_checksum();
    CHECK_REFUSED("unknown kind 9");
}

TEST(vmi_rom_fixups_outside_code)
{
    good();
    hdr()->nfixups = 1000;   /* the table runs past the code */
    fix_checksum();
    CHECK_REFUSED("fixup table");
    good();
    struct vmi_fixup bad = { 0x880, 0x1800 };   /* resumes in the data */
    memcpy(rom + 0x7f8, &bad, sizeof(bad));
    fix_checksum();
    CHECK_REFUSED("fixup 1 (0x880 -> 0x1800) is outside the code");
}

TEST(vmi_rom_bad_strings)
{
    good();
    rom[0x701] = 0x07;
    fix_checksum();
    CHECK_REFUSED("the name");
    good();
    memset(rom + 0x720, 'x', 100);   /* no NUL within 64 */
    fix_checksum();
    CHECK_REFUSED("the licence");
}

/* Issue 11, D10: once taken, the ROM is read only from the copy. The old
 * install checked the ROM in place and then read its call table there
 * again, after the shim's init ran: a table changed in between was used
 * unchecked. */
TEST(vmi_rom_take_reads_only_the_copy)
{
    static u8 copy[ROM_SIZE];
    good();
    CHECK_EQ(vmi_rom_take(rom, ROM_SIZE, copy, sizeof(copy), VMI_ARCH_SELF, &info, why,
                          sizeof(why)), 0);
    CHECK(info.rom == copy);
    u32 entry = vmi_rom_call(&info, VMI_SAVE_FLAGS)->entry;
    call(VMI_SAVE_FLAGS)->entry = 0x7ffff;   /* the original changes afterwards */
    CHECK_EQ(vmi_rom_call(&info, VMI_SAVE_FLAGS)->entry, entry);
    CHECK_EQ(vmi_rom_take(rom, ROM_SIZE, copy, 4096, VMI_ARCH_SELF, &info, why, sizeof(why)),
             -EINVAL);   /* too large for the room given */
    CHECK(strstr(why, "at most 4096") != NULL);
}
