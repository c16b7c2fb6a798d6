/*
 * pv/vmi/rom.c against any bytes found in the option-ROM area: the checks
 * a VMI shim ROM must pass before any of its code runs (docs/vmi-abi.md,
 * "Refusal"; the layout is pv/vmi/abi.h).
 *
 * Input: a flags byte (bit 0: fix the option-ROM checksum, by setting the
 * last byte of the ROM's declared length, so that mutations get past it;
 * bit 1: check for an i386 kernel instead of x86_64), a byte giving the
 * length of the refusal-message buffer (0..255), then the ROM area: the
 * rest of the input, in a heap block of exactly its size (`avail`).
 *
 * Invariants:
 *   - the verdict equals a model of the documented rules (frame, header,
 *     sizes inside the image, strings, fixups, every call the ABI lists):
 *     nothing wrong is accepted, nothing right refused;
 *   - an accepted ROM: the bytes of its length sum to 0; every offset and
 *     size the header gives (header, image, code, data, init, call table,
 *     fixups, name, licence) lies inside the ROM and the image; every
 *     fixup inside the code; name and licence NUL-terminated inside their
 *     fields and equal to the ROM's bytes; vmi_rom_call gives, for every
 *     number, a directive inside the call table (or ABSENT past ncalls),
 *     with each call or inline entry inside the code, and ABSENT for a
 *     call a later minor version than the ROM's added (VMI_SINCE_1_2),
 *     whatever its slot says;
 *   - a refusal says why in a NUL-terminated line that fits its buffer;
 *   - vmi_call_name agrees with the ABI's list (abi.h's VMI_CALL_LIST).
 */
/* fuzz-sources: pv/vmi/rom.c lib/format.c */
#include "fuzz.h"

#include <proteus/errno.h>
#include "../../pv/vmi/rom.h"

#define HDR_END (VMI_HEADER_OFFSET + sizeof(struct vmi_rom_header))

/* The ABI's calls, straight from abi.h's list. */
#define ABI_ENTRY(n, name, flags) [n] = { #name, (flags), true },
static const struct {
    const char *name;
    unsigned flags;
    bool defined;
} abi[VMI_NCALLS_1_0] = { VMI_CALL_LIST(ABI_ENTRY) };

static bool short_string(const uint8_t *rom, uint32_t off, uint32_t image, size_t max,
                         const char **s)
{
    /* 1..max-1 printable characters and a NUL, all inside the image */
    for (size_t i = 0; i < max && (uint64_t)off + i < image; i++) {
        uint8_t c = rom[off + i];
        if (c == 0) {
            *s = (const char *)rom + off;
            return i > 0;
        }
        if (c < 0x20 || c > 0x7e)
            return false;
    }
    return false;
}

/* A call the ROM's own minor version defines (a later one's slot means
 * nothing in it). */
static bool in_version(unsigned n, const struct vmi_rom_header *h)
{
    return !(abi[n].flags & VMI_SINCE_1_2) || h->abi_minor >= 2;
}

static struct vmi_call directive(const uint8_t *rom, const struct vmi_rom_header *h, unsigned n)
{
    struct vmi_call c = { 0 };
    if (n < h->ncalls)
        memcpy(&c, rom + h->calls_offset + (size_t)n * sizeof(c), sizeof(c));
    return c;
}

/* The rules of docs/vmi-abi.md, section 5, items 1-6. */
static bool model_accepts(const uint8_t *rom, size_t avail, unsigned arch)
{
    if (avail < HDR_END || (rom[0] | rom[1] << 8) != VMI_ROM_SIGNATURE)
        return false;
    uint32_t length = rom[2] * 512u;
    if (length < HDR_END || length > avail)
        return false;
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; i++)
        sum += rom[i];
    if (sum)
        return false;
    struct vmi_rom_header h;
    memcpy(&h, rom + VMI_HEADER_OFFSET, sizeof(h));
    if (h.magic != VMI_MAGIC || h.abi_major != VMI_ABI_MAJOR || h.arch != arch ||
        h.header_size < sizeof(h) || VMI_HEADER_OFFSET + h.header_size > length)
        return false;
    uint64_t image = h.image_size, text = h.text_size;
    if (image > length || text == 0 || text > image || h.data_offset % 4096 ||
        h.data_offset < text || (uint64_t)h.data_offset + h.data_size > image ||
        h.init_offset == 0 || h.init_offset >= text ||
        h.calls_offset + (uint64_t)h.ncalls * sizeof(struct vmi_call) > image)
        return false;
    if (h.fixups_offset + (uint64_t)h.nfixups * sizeof(struct vmi_fixup) > text)
        return false;
    for (uint32_t i = 0; i < h.nfixups; i++) {
        struct vmi_fixup f;
        memcpy(&f, rom + h.fixups_offset + (size_t)i * sizeof(f), sizeof(f));
        if (f.insn >= text || f.resume >= text)
            return false;
    }
    const char *s;
    if (!short_string(rom, h.name_offset, h.image_size, 32, &s) ||
        !short_string(rom, h.license_offset, h.image_size, 64, &s))
        return false;
    for (unsigned n = 0; n < VMI_NCALLS_1_0; n++) {
        if (!abi[n].defined || !in_version(n, &h))
            continue;
        struct vmi_call c = directive(rom, &h, n);
        switch (c.kind) {
        case VMI_CALL_ABSENT:
            if (abi[n].flags & VMI_REQUIRED)
                return false;
            break;
        case VMI_CALL_NOP:
            if (abi[n].flags & (VMI_RESULT | VMI_NORETURN))
                return false;
            break;
        case VMI_CALL_INLINE:
            if (c.len == 0 || c.len > VMI_INLINE_MAX)
                return false;
            /* fall through: an inline call has an entry too */
            __attribute__((fallthrough));
        case VMI_CALL_CALL:
            if (c.entry == 0 || c.entry >= text)
                return false;
            break;
        default:
            return false;
        }
    }
    return true;
}

static void check_accepted(const uint8_t *rom, size_t avail, const struct vmi_rom_info *info)
{
    const struct vmi_rom_header *h = &info->hdr;
    uint32_t length = info->length;
    FUZZ_CHECK(info->rom == rom, "info.rom is not the ROM");
    FUZZ_CHECK(length == rom[2] * 512u && length <= avail, "length %u of %zu bytes", length, avail);
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; i++)
        sum += rom[i];
    FUZZ_CHECK(sum == 0, "accepted with a checksum of %#x", sum);
    FUZZ_CHECK(!memcmp(h, rom + VMI_HEADER_OFFSET, sizeof(*h)), "info.hdr is not the ROM's header");
    FUZZ_CHECK(VMI_HEADER_OFFSET + (uint64_t)h->header_size <= length, "header of %u bytes",
               h->header_size);
    FUZZ_CHECK(h->image_size <= length, "image %#x in a ROM of %#x", h->image_size, length);
    FUZZ_CHECK(h->text_size > 0 && h->text_size <= h->image_size, "code %#x", h->text_size);
    FUZZ_CHECK(h->data_offset % 4096 == 0 && h->data_offset >= h->text_size &&
                   (uint64_t)h->data_offset + h->data_size <= h->image_size,
               "data %#x+%#x", h->data_offset, h->data_size);
    FUZZ_CHECK(h->init_offset > 0 && h->init_offset < h->text_size, "init %#x", h->init_offset);
    FUZZ_CHECK((uint64_t)h->calls_offset + (uint64_t)h->ncalls * 16 <= h->image_size,
               "call table %u at %#x", h->ncalls, h->calls_offset);
    FUZZ_CHECK((uint64_t)h->fixups_offset + (uint64_t)h->nfixups * 8 <= h->text_size,
               "fixups %u at %#x", h->nfixups, h->fixups_offset);
    for (uint32_t i = 0; i < h->nfixups; i++) {
        struct vmi_fixup f;
        memcpy(&f, rom + h->fixups_offset + (size_t)i * sizeof(f), sizeof(f));
        FUZZ_CHECK(f.insn < h->text_size && f.resume < h->text_size, "fixup %u %#x -> %#x", i,
                   f.insn, f.resume);
    }
    const struct {
        const char *what, *field;
        size_t size;
        uint32_t off;
    } strings[] = {
        { "name", info->name, sizeof(info->name), h->name_offset },
        { "licence", info->license, sizeof(info->license), h->license_offset },
    };
    for (unsigned i = 0; i < 2; i++) {
        size_t l = strnlen(strings[i].field, strings[i].size);
        FUZZ_CHECK(l > 0 && l < strings[i].size, "%s of %zu characters", strings[i].what, l);
        FUZZ_CHECK(strings[i].off + (uint64_t)l < h->image_size &&
                       !memcmp(strings[i].field, rom + strings[i].off, l + 1),
                   "%s \"%s\" is not the ROM's string at %#x", strings[i].what, strings[i].field,
                   strings[i].off);
        for (size_t k = 0; k < l; k++)
            FUZZ_CHECK(strings[i].field[k] >= 0x20 && strings[i].field[k] <= 0x7e,
                       "%s has byte %#x", strings[i].what, (unsigned char)strings[i].field[k]);
    }
    const uint8_t *table = rom + h->calls_offset;
    for (unsigned n = 0; n < VMI_NCALLS_1_0 + 8; n++) {
        const struct vmi_call *c = vmi_rom_call(info, n);
        if (n >= h->ncalls || (n < VMI_NCALLS_1_0 && abi[n].defined && !in_version(n, h))) {
            FUZZ_CHECK(c->kind == VMI_CALL_ABSENT, "call %u (ncalls %u, ABI %u.%u) is not absent",
                       n, h->ncalls, h->abi_major, h->abi_minor);
            continue;
        }
        const uint8_t *p = (const uint8_t *)c;
        FUZZ_CHECK(p == table + (size_t)n * 16 && p + 16 <= rom + h->image_size,
                   "call %u's directive is outside the call table", n);
        if (n >= VMI_NCALLS_1_0 || !abi[n].defined)
            continue;
        if (c->kind == VMI_CALL_CALL || c->kind == VMI_CALL_INLINE)
            FUZZ_CHECK(c->entry != 0 && c->entry < h->text_size,
                       "call %u's entry %#x is outside the code (%#x)", n, c->entry, h->text_size);
        if (c->kind == VMI_CALL_INLINE)
            FUZZ_CHECK(c->len >= 1 && c->len <= VMI_INLINE_MAX, "call %u inlines %u bytes", n,
                       c->len);
        FUZZ_CHECK(c->kind <= VMI_CALL_NOP, "call %u has kind %u", n, c->kind);
    }
}

static void check_call_names(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    for (unsigned n = 0; n < VMI_NCALLS_1_0 + 8; n++) {
        unsigned flags = 0xdead;
        const char *name = vmi_call_name(n, &flags);
        bool defined = n < VMI_NCALLS_1_0 && abi[n].defined;
        FUZZ_CHECK(!name == !defined, "vmi_call_name(%u) = %s", n, name ? name : "NULL");
        if (defined)
            FUZZ_CHECK(!strcmp(name, abi[n].name) && flags == abi[n].flags,
                       "vmi_call_name(%u) = %s/%#x, the ABI says %s/%#x", n, name, flags,
                       abi[n].name, abi[n].flags);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = fuzz_in(data, size);
    static struct vmi_rom_info info;
    uint8_t flags = fuzz_u8(&in);
    size_t why_len = fuzz_u8(&in), avail;
    unsigned arch = flags & 2 ? VMI_ARCH_I386 : VMI_ARCH_X86_64;
    const uint8_t *bytes = fuzz_bytes(&in, fuzz_left(&in), &avail);

    check_call_names();
    uint8_t *rom = fuzz_dup(bytes, avail);
    if ((flags & 1) && avail >= 3 && rom[2] && rom[2] * 512u <= avail) {
        uint32_t length = rom[2] * 512u;
        uint8_t sum = 0;
        rom[length - 1] = 0;
        for (uint32_t i = 0; i < length; i++)
            sum += rom[i];
        rom[length - 1] = (uint8_t)-sum;
    }
    char *why = malloc(why_len ? why_len : 1);   /* exact: ASan sees a write past it */
    memset(why, 0x5a, why_len ? why_len : 1);

    int r = vmi_rom_check(rom, avail, arch, &info, why, why_len);
    bool want = model_accepts(rom, avail, arch);
    FUZZ_CHECK(r == 0 || r == -EINVAL, "vmi_rom_check returned %d", r);
    FUZZ_CHECK((r == 0) == want, "vmi_rom_check says %s, the rules say %s%s%.*s",
               r ? "refused" : "accepted", want ? "accept" : "refuse", r && why_len ? ": " : "",
               r ? (int)why_len : 0, why);
    if (r == 0) {
        check_accepted(rom, avail, &info);
    } else if (why_len) {
        size_t l = strnlen(why, why_len);
        FUZZ_CHECK(l < why_len, "the reason is not terminated inside its %zu bytes", why_len);
        FUZZ_CHECK(l > 0 || why_len == 1, "an empty reason in %zu bytes", why_len);
    }
    free(why);
    free(rom);
    return 0;
}
