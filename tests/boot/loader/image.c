/*
 * The Proteus image, read from the loader's first module (the whole ELF
 * file): loaded the way a Multiboot loader loads it, from the address
 * fields of its Multiboot header (the "a.out kludge", which QEMU also uses,
 * since it cannot load an ELF64 file through Multiboot); its PVH entry read
 * from the Xen PHYS32_ENTRY note; and a function's first bytes overwritten
 * for the scenarios that stage a bug in the kernel's earliest code. Every
 * offset read from the file is bounded by the file's size.
 */
#include "loader.h"

/* ELF header, program header, section header and symbol fields, at their
 * offsets for each class (System V ABI, "ELF Header", "Program Header",
 * "Sections", "Symbol Table"; the ELF-64 Object File Format for class 2).
 * `word` is the size of addresses and offsets, 4 or 8. */
struct elf_layout {
    unsigned word;
    unsigned e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize, e_shnum;
    unsigned phdr_size, p_offset, p_filesz, p_align;
    unsigned shdr_size, sh_offset, sh_size, sh_link, sh_entsize;
    unsigned sym_size, st_value, st_size, st_info;
};

static const struct elf_layout elf32 = {
    4, 28, 32, 42, 44, 46, 48,
    32, 4, 16, 28,
    40, 16, 20, 24, 36,
    16, 4, 8, 12,
};

static const struct elf_layout elf64 = {
    8, 32, 40, 54, 56, 58, 60,
    56, 8, 32, 48,
    64, 24, 32, 40, 56,
    24, 8, 16, 4,
};

#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EM_386 3
#define EM_X86_64 62
#define PT_NOTE 4
#define SHT_SYMTAB 2
#define STT_FUNC 2

static const struct elf_layout *layout(const struct image *img)
{
    return img->is64 ? &elf64 : &elf32;
}

/* A little-endian field of 1, 2, 4 or 8 bytes at `off` in the file. */
static u64 rd(const struct image *img, u64 off, unsigned size)
{
    if (off > img->size || size > img->size - off)
        loader_fail("the image file (%u bytes) is too short: a field at 0x%llx is outside it",
                    img->size, (unsigned long long)off);
    u64 v = 0;
    memcpy(&v, img->file + off, size);
    return v;
}

static u64 rdw(const struct image *img, u64 off)
{
    return rd(img, off, layout(img)->word);
}

static bool overlaps(u32 a, u32 a_end, u32 b, u32 b_end)
{
    return a < b_end && b < a_end;
}

static void check_elf(struct image *img)
{
    static const u8 magic[4] = { 0x7f, 'E', 'L', 'F' };
    if (img->size < 64 || memcmp(img->file, magic, 4))
        loader_fail("the first module is not an ELF file");
    u8 class = img->file[4], data = img->file[5];
    u16 machine = (u16)rd(img, 18, 2);
    if (data != ELFDATA2LSB || !((class == ELFCLASS32 && machine == EM_386) ||
                                 (class == ELFCLASS64 && machine == EM_X86_64)))
        loader_fail("the image is not a little-endian i386 or x86_64 ELF file "
                    "(class %u, data %u, machine %u)", class, data, machine);
    img->is64 = class == ELFCLASS64;
}

/* Multiboot Specification 0.6.96, 3.1.1-3.1.3: the header is 4-byte
 * aligned in the first 8 KiB, and magic + flags + checksum is 0. */
static u32 find_mb1_header(const struct image *img, struct mb1_header *h)
{
    for (u32 off = 0; off + sizeof(*h) <= img->size && off + 12 <= MB1_HEADER_SEARCH; off += 4) {
        memcpy(h, img->file + off, sizeof(*h));
        if (h->magic == MB1_HEADER_MAGIC && h->magic + h->flags + h->checksum == 0)
            return off;
    }
    loader_fail("no Multiboot header in the image's first %u bytes", MB1_HEADER_SEARCH);
}

/* Whether [lo, hi) lies inside one usable region of the real map. */
static bool in_ram(const struct real_map *map, u32 lo, u32 hi)
{
    for (unsigned i = 0; i < map->n; i++)
        if (map->e[i].type == 1 && map->e[i].base <= lo && hi <= map->e[i].base + map->e[i].len)
            return true;
    return false;
}

void image_load(struct image *img, const u8 *file, u32 size, u32 mod_start, u32 mod_end,
                const struct real_map *map)
{
    img->file = file;
    img->size = size;
    check_elf(img);

    struct mb1_header h;
    u32 off = find_mb1_header(img, &h);
    /* 3.1.2: a loader that cannot meet a requirement in bits 0-15 must
     * refuse; this one meets bit 0 (no modules to align) and bit 1. */
    if (h.flags & 0xfffc)
        loader_fail("the image's Multiboot header asks for flags 0x%x, which this loader "
                    "does not provide", h.flags & 0xfffc);
    if (!(h.flags & MB1_HF_ADDRESSES))
        loader_fail("the image's Multiboot header has no address fields (flag bit 16)");

    /* 3.1.3: the file offset of load_addr is the header's offset minus
     * (header_addr - load_addr); load_end_addr 0 loads to the end of the
     * file, bss_end_addr 0 means no BSS. */
    if (h.header_addr < h.load_addr || h.header_addr - h.load_addr > off)
        loader_fail("Multiboot load_addr 0x%x would start before the file (header at 0x%x, "
                    "offset 0x%x)", h.load_addr, h.header_addr, off);
    u32 file_off = off - (h.header_addr - h.load_addr);
    u32 load_len = h.load_end_addr ? h.load_end_addr - h.load_addr : size - file_off;
    if (h.load_end_addr && h.load_end_addr <= h.load_addr)
        loader_fail("Multiboot load_end_addr 0x%x is not above load_addr 0x%x",
                    h.load_end_addr, h.load_addr);
    if (load_len > size - file_off)
        loader_fail("Multiboot load range (0x%x bytes from file offset 0x%x) runs past the "
                    "end of the file (0x%x bytes)", load_len, file_off, size);
    if (h.load_addr + load_len < h.load_addr)
        loader_fail("Multiboot load range wraps past 4 GiB");
    img->load_addr = h.load_addr;
    img->load_end = h.load_addr + load_len;
    img->bss_end = h.bss_end_addr ? h.bss_end_addr : img->load_end;
    if (img->bss_end < img->load_end)
        loader_fail("Multiboot bss_end_addr 0x%x is below load_end_addr 0x%x",
                    img->bss_end, img->load_end);
    if (h.entry_addr < img->load_addr || h.entry_addr >= img->load_end)
        loader_fail("Multiboot entry_addr 0x%x is outside the loaded range 0x%x-0x%x",
                    h.entry_addr, img->load_addr, img->load_end);
    img->mb1_entry = h.entry_addr;

    /* The loader and the module QEMU placed after it must stay clear of
     * the image: it is linked high (loader.ld) for this. */
    u32 self = (u32)(uintptr_t)__loader_start, self_end = (u32)(uintptr_t)__loader_end;
    if (overlaps(img->load_addr, img->bss_end, self, self_end))
        loader_fail("the image's range 0x%x-0x%x overlaps the loader at 0x%x-0x%x",
                    img->load_addr, img->bss_end, self, self_end);
    if (overlaps(img->load_addr, img->bss_end, mod_start, mod_end))
        loader_fail("the image's range 0x%x-0x%x overlaps its own file, the module at "
                    "0x%x-0x%x", img->load_addr, img->bss_end, mod_start, mod_end);
    if (!in_ram(map, img->load_addr, img->bss_end))
        loader_fail("the image's range 0x%x-0x%x is not in usable RAM", img->load_addr,
                    img->bss_end);

    memcpy((void *)(uintptr_t)img->load_addr, file + file_off, load_len);
    memset((void *)(uintptr_t)img->load_end, 0, img->bss_end - img->load_end);
}

/* The PVH entry: XEN_ELFNOTE_PHYS32_ENTRY in a PT_NOTE segment (Xen public
 * header elfnote.h). Each note is namesz, descsz, type, then the name and
 * the value, each padded to the segment's alignment (4, or 8 for an 8-byte
 * aligned segment, as QEMU reads them). */
u32 image_pvh_entry(const struct image *img)
{
    const struct elf_layout *l = layout(img);
    u64 phoff = rdw(img, l->e_phoff);
    unsigned phentsize = (unsigned)rd(img, l->e_phentsize, 2);
    unsigned phnum = (unsigned)rd(img, l->e_phnum, 2);
    if (phnum && phentsize < l->phdr_size)
        loader_fail("ELF program headers of %u bytes are too small", phentsize);
    for (unsigned i = 0; i < phnum; i++) {
        u64 ph = phoff + (u64)i * phentsize;
        if (rd(img, ph, 4) != PT_NOTE)
            continue;
        u64 pos = rdw(img, ph + l->p_offset), end = pos + rdw(img, ph + l->p_filesz);
        u64 align = rdw(img, ph + l->p_align) == 8 ? 8 : 4;
        while (pos + 12 <= end) {
            u32 namesz = (u32)rd(img, pos, 4), descsz = (u32)rd(img, pos + 4, 4);
            u32 type = (u32)rd(img, pos + 8, 4);
            u64 name = pos + 12, desc = name + ((namesz + align - 1) & ~(align - 1));
            bool xen = namesz == 4 && rd(img, name, 4) == 0x006e6558;   /* "Xen\0" */
            if (xen && type == XEN_ELFNOTE_PHYS32_ENTRY) {
                if (descsz != 4 && descsz != 8)
                    loader_fail("the PHYS32_ENTRY note's value has %u bytes", descsz);
                u64 entry = rd(img, desc, descsz);
                if (entry < img->load_addr || entry >= img->load_end)
                    loader_fail("the PVH entry 0x%llx is outside the loaded range 0x%x-0x%x",
                                (unsigned long long)entry, img->load_addr, img->load_end);
                return (u32)entry;
            }
            pos = desc + ((descsz + align - 1) & ~(align - 1));
        }
    }
    loader_fail("the image has no XEN_ELFNOTE_PHYS32_ENTRY note: it cannot be entered as PVH");
}

/* Find `symbol` (a function) in .symtab and write `bytes` over its first
 * bytes in the loaded image. Proteus is linked at its physical address, so
 * a symbol's value is where the loader put it. Returns that address. */
u32 image_patch(const struct image *img, const char *symbol, const u8 *bytes, u32 n)
{
    const struct elf_layout *l = layout(img);
    u64 shoff = rdw(img, l->e_shoff);
    unsigned shentsize = (unsigned)rd(img, l->e_shentsize, 2);
    unsigned shnum = (unsigned)rd(img, l->e_shnum, 2);
    if (shnum && shentsize < l->shdr_size)
        loader_fail("ELF section headers of %u bytes are too small", shentsize);
    size_t want = strlen(symbol);
    for (unsigned i = 0; i < shnum; i++) {
        u64 sh = shoff + (u64)i * shentsize;
        if (rd(img, sh + 4, 4) != SHT_SYMTAB)
            continue;
        u32 link = (u32)rd(img, sh + l->sh_link, 4);
        if (link >= shnum)
            loader_fail("the symbol table's string table is section %u of %u", link, shnum);
        u64 str = rdw(img, shoff + (u64)link * shentsize + l->sh_offset);
        u64 str_size = rdw(img, shoff + (u64)link * shentsize + l->sh_size);
        u64 syms = rdw(img, sh + l->sh_offset), size = rdw(img, sh + l->sh_size);
        u64 entsize = rdw(img, sh + l->sh_entsize);
        if (entsize < l->sym_size)
            loader_fail("symbol table entries of 0x%llx bytes are too small",
                        (unsigned long long)entsize);
        for (u64 s = syms; s + entsize <= syms + size; s += entsize) {
            if ((rd(img, s + l->st_info, 1) & 0xf) != STT_FUNC)
                continue;
            u64 name = str + rd(img, s, 4);
            if (rd(img, s, 4) + want + 1 > str_size || rd(img, name + want, 1) != 0 ||
                memcmp(img->file + name, symbol, want))
                continue;
            u64 addr = rdw(img, s + l->st_value), fsize = rdw(img, s + l->st_size);
            if (fsize && fsize < n)
                loader_fail("function %s has %u bytes, fewer than the %u to write", symbol,
                            (u32)fsize, n);
            if (addr < img->load_addr || addr + n > img->load_end)
                loader_fail("function %s at 0x%llx is outside the loaded range 0x%x-0x%x",
                            symbol, (unsigned long long)addr, img->load_addr, img->load_end);
            memcpy((void *)(uintptr_t)addr, bytes, n);
            return (u32)addr;
        }
    }
    loader_fail("no function %s in the image's symbol table (.symtab)", symbol);
}
