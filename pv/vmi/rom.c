/*
 * Is this a shim ROM this kernel may run? Everything the ROM says is
 * checked before any of its code runs, in the order a reader would
 * (docs/vmi-abi.md, "Refusal"): the option-ROM frame (signature, length,
 * checksum), the VMI header (magic, ABI major, architecture, sizes that
 * stay inside the ROM), the strings, and every call this kernel knows
 * (a required one present, a no-op only where nothing is returned, an
 * entry inside the code). The first failure is the reason given.
 *
 * Pure code: the ROM is bytes in memory, here and in the host test.
 */
#include "rom.h"
#include <proteus/errno.h>
#include <proteus/format.h>
#include <proteus/string.h>

#define CALL_ENTRY(n, name, flags) [n] = { #name, (flags) | 0x80 },
static const struct {
    const char *name;
    unsigned flags;   /* 0x80: defined */
} calls[VMI_NCALLS_1_0] = { VMI_CALL_LIST(CALL_ENTRY) };

const char *vmi_call_name(unsigned n, unsigned *flags)
{
    if (n >= VMI_NCALLS_1_0 || !(calls[n].flags & 0x80))
        return NULL;
    if (flags)
        *flags = calls[n].flags & 0x7f;
    return calls[n].name;
}

static u16 get16(const u8 *p)
{
    return (u16)(p[0] | p[1] << 8);
}

/* A NUL-terminated printable string at `off`, inside [0, end), at most
 * `max` - 1 characters, copied to `out`. */
static bool get_string(const u8 *rom, u32 off, u32 end, char *out, size_t max)
{
    for (size_t i = 0; i < max && off + i < end; i++) {
        u8 c = rom[off + i];
        if (c == 0) {
            out[i] = '\0';
            return i > 0;
        }
        if (c < 0x20 || c > 0x7e)
            return false;
        out[i] = (char)c;
    }
    return false;
}

/* Whether call `n` exists in the ROM's own version of the ABI: a call a
 * later minor version added means nothing in an older ROM's slot, which
 * that version told the shim to leave absent. */
static bool defined_for(unsigned n, u16 abi_minor)
{
    unsigned flags;
    return !vmi_call_name(n, &flags) || !(flags & VMI_SINCE_1_2) || abi_minor >= 2;
}

const struct vmi_call *vmi_rom_call(const struct vmi_rom_info *info, unsigned n)
{
    static const struct vmi_call absent;
    if (n >= info->hdr.ncalls || !defined_for(n, info->hdr.abi_minor))
        return &absent;
    return (const struct vmi_call *)(info->rom + info->hdr.calls_offset) + n;
}

#define REFUSE(...)                                   \
    do {                                              \
        ksnprintf(why, why_len, __VA_ARGS__);         \
        return -EINVAL;                               \
    } while (0)

static int check_calls(const struct vmi_rom_info *info, char *why, size_t why_len)
{
    for (unsigned n = 0; n < VMI_NCALLS_1_0; n++) {
        unsigned flags;
        const char *name = vmi_call_name(n, &flags);
        if (!name || !defined_for(n, info->hdr.abi_minor))
            continue;
        const struct vmi_call *c = vmi_rom_call(info, n);
        bool has_entry = c->entry != 0;
        switch (c->kind) {
        case VMI_CALL_ABSENT:
            if (flags & VMI_REQUIRED)
                REFUSE("required call %s (%u) is missing", name, n);
            continue;
        case VMI_CALL_NOP:
            if (flags & (VMI_RESULT | VMI_NORETURN))
                REFUSE("call %s (%u) returns a value and cannot be a no-op", name, n);
            continue;
        case VMI_CALL_INLINE:
            if (c->len == 0 || c->len > VMI_INLINE_MAX)
                REFUSE("call %s (%u) has %u inline bytes", name, n, c->len);
            __attribute__((fallthrough));   /* an inline call has an entry too */
        case VMI_CALL_CALL:
            if (!has_entry || c->entry >= info->hdr.text_size)
                REFUSE("call %s (%u) has its entry 0x%x outside the code (0x%x bytes)", name, n,
                       c->entry, info->hdr.text_size);
            continue;
        default:
            REFUSE("call %s (%u) has unknown kind %u", name, n, c->kind);
        }
    }
    return 0;
}

/*T:475 Under the VMI personality a page-table write is a call into a
 * separate binary, the shim ROM, found at boot and checked here before
 * any of it runs. Its layout, from pv/vmi/shim/header.S (the first bytes),
 * shim.ld (the rest) and scripts/mkrom.py (length and checksum), with the
 * offsets of one x86_64 build of vmi-native (`python3 scripts/mkrom.py
 * --check build/x86_64/vmi-native.rom` prints them; docs/vmi-abi.md,
 * section 1, has every field):
 *
 *   0x0000 +-----------------------------------+
 *          | 55 AA, length/512, CB (retf)      |  option-ROM prelude
 *   0x0018 | 0: no PCI data structure          |
 *   0x001f | checksum byte: all bytes sum to 0 |  set by mkrom.py
 *   0x0020 +-----------------------------------+
 *          | struct vmi_rom_header, 56 bytes   |  "PVMI", ABI 1.2, arch, the
 *          |                                   |  sizes and offsets below
 *   0x0058 | "vmi-native", "MIT"               |  name_offset, license_offset
 *   0x0070 +-----------------------------------+  calls_offset
 *          | struct vmi_call calls[89]         |  16 bytes each: entry, kind,
 *          |   [50] SET_PTE  INLINE 48 89 37   |  len, bytes[10]
 *          |   [54] READ_ENTRY  CALL 0x1cd0    |
 *          |   [60] LAZY_ENTER  NOP            |
 *   0x0600 +-----------------------------------+
 *          | code and constants (.text .rodata)|  every entry and init_offset
 *          | fixups (8 bytes each), .got       |  lie in here
 *   0x374a +-----------------------------------+  text_size: mapped read+exec
 *   0x4000 +-----------------------------------+  data_offset, page-aligned
 *          | .data and .bss, zeros included    |  data_size: mapped read+write
 *   0x5000 +-----------------------------------+  image_size (= length*512 here)
 *
 * Everything below is checked against that picture: the prelude, the
 * header's sizes staying inside the ROM, the strings, then each call's
 * kind and entry (check_calls). The kernel then copies the ROM, checks the
 * copy again and binds each op to shim+entry (pv/vmi/personality.c). */
int vmi_rom_check(const u8 *rom, size_t avail, unsigned arch, struct vmi_rom_info *out,
                  char *why, size_t why_len)
{
    memset(out, 0, sizeof(*out));
    if (avail < VMI_HEADER_OFFSET + sizeof(struct vmi_rom_header))
        REFUSE("only %zu bytes to read", avail);
    if (get16(rom) != VMI_ROM_SIGNATURE)
        REFUSE("no option-ROM signature");
    u32 length = (u32)rom[2] * VMI_ROM_BLOCK;
    if (length < VMI_HEADER_OFFSET + sizeof(struct vmi_rom_header) || length > avail)
        REFUSE("length %u bytes does not fit (%zu bytes readable)", length, avail);
    u8 sum = 0;
    for (u32 i = 0; i < length; i++)
        sum = (u8)(sum + rom[i]);
    if (sum)
        REFUSE("bad checksum (the bytes sum to 0x%02x, not 0)", sum);

    struct vmi_rom_header h;
    memcpy(&h, rom + VMI_HEADER_OFFSET, sizeof(h));
    if (h.magic != VMI_MAGIC)
        REFUSE("no VMI signature at 0x%x", VMI_HEADER_OFFSET);
    if (h.abi_major != VMI_ABI_MAJOR)
        REFUSE("ABI major version %u, this kernel speaks %u", h.abi_major, VMI_ABI_MAJOR);
    if (h.header_size < sizeof(h) || VMI_HEADER_OFFSET + (u32)h.header_size > length)
        REFUSE("header size %u is wrong", h.header_size);
    if (h.arch != arch)
        REFUSE("built for %s, this kernel is %s",
               h.arch == VMI_ARCH_I386 ? "i386" : h.arch == VMI_ARCH_X86_64 ? "x86_64" : "an unknown arch",
               arch == VMI_ARCH_I386 ? "i386" : "x86_64");
    if (h.image_size > length)
        REFUSE("truncated: the shim is %u bytes, the ROM %u", h.image_size, length);
    if (h.text_size == 0 || h.text_size > h.image_size)
        REFUSE("code size 0x%x is outside the image (0x%x bytes)", h.text_size, h.image_size);
    if ((h.data_offset & 4095) || h.data_offset < h.text_size ||
        (u64)h.data_offset + h.data_size > h.image_size)
        REFUSE("data 0x%x+0x%x is not page-aligned after the code inside the image", h.data_offset,
               h.data_size);
    if (h.init_offset == 0 || h.init_offset >= h.text_size)
        REFUSE("init entry 0x%x is outside the code", h.init_offset);
    if ((u64)h.calls_offset + (u64)h.ncalls * sizeof(struct vmi_call) > h.image_size)
        REFUSE("truncated: the call table (%u calls at 0x%x) runs past the image", h.ncalls,
               h.calls_offset);
    if ((u64)h.fixups_offset + (u64)h.nfixups * sizeof(struct vmi_fixup) > h.text_size)
        REFUSE("the fixup table (%u at 0x%x) runs past the code", h.nfixups, h.fixups_offset);
    for (u32 i = 0; i < h.nfixups; i++) {
        struct vmi_fixup f;
        memcpy(&f, rom + h.fixups_offset + i * sizeof(f), sizeof(f));
        if (f.insn >= h.text_size || f.resume >= h.text_size)
            REFUSE("fixup %u (0x%x -> 0x%x) is outside the code", i, f.insn, f.resume);
    }

    out->rom = rom;
    out->length = length;
    out->hdr = h;
    if (!get_string(rom, h.name_offset, h.image_size, out->name, sizeof(out->name)))
        REFUSE("the name at 0x%x is not a short printable string", h.name_offset);
    if (!get_string(rom, h.license_offset, h.image_size, out->license, sizeof(out->license)))
        REFUSE("the licence at 0x%x is not a short printable string", h.license_offset);
    return check_calls(out, why, why_len);
}

/* The ABI's error numbers are the kernel's. */
BUILD_BUG_ON(VMI_EIO != EIO || VMI_ENOMEM != ENOMEM || VMI_EBUSY != EBUSY);
BUILD_BUG_ON(VMI_ENODEV != ENODEV || VMI_EINVAL != EINVAL || VMI_ERANGE != ERANGE);
BUILD_BUG_ON(VMI_ENOSYS != ENOSYS || VMI_ETIMEDOUT != ETIMEDOUT);

/* docs/vmi-abi.md gives these offsets and sizes in its tables. */
BUILD_BUG_ON(sizeof(struct vmi_rom_header) != 56);
BUILD_BUG_ON(__builtin_offsetof(struct vmi_rom_header, features) != 0x4c - VMI_HEADER_OFFSET);
BUILD_BUG_ON(__builtin_offsetof(struct vmi_rom_header, nfixups) != 0x54 - VMI_HEADER_OFFSET);
BUILD_BUG_ON(sizeof(struct vmi_call) != 16);
BUILD_BUG_ON(sizeof(struct vmi_ap_state) != 40);

int vmi_rom_take(const u8 *rom, u32 length, u8 *copy, size_t copy_size, unsigned arch,
                 struct vmi_rom_info *out, char *why, size_t why_len)
{
    if (length > copy_size) {
        ksnprintf(why, why_len, "%u bytes, this kernel runs at most %zu", length, copy_size);
        return -EINVAL;
    }
    memcpy(copy, rom, length);
    return vmi_rom_check(copy, length, arch, out, why, why_len);
}
