#!/usr/bin/env python3
"""Check that a linked VMI shim is position independent.

The kernel copies a shim ROM to an address of its own choice and calls it
there (pv/vmi/abi.h), so the code must not depend on where it was linked:
no absolute address may be used at run time. The shim is linked at 0 with
relocations kept (ld -q, --emit-relocs); this script reads them and refuses

  - any relocation in an allocated section other than the ROM header and
    the fixup table (.vmi.rom: header and call table; .vmi.fixups: which
    instructions may fault; both hold offsets, i.e. absolute values of a
    ROM linked at 0) whose type is not PC- or GOT-base-relative:
    R_X86_64_64/32/32S/16/8, R_386_32/16/8, and every type that makes the
    linker fill a GOT entry with an absolute address (GOT32, GOTPCREL...);
  - a GOT with entries beyond the reserved ones, and dynamic sections.

Only the types the allowlists below name pass. Relocations of
non-allocated sections (debug information) do not exist at run time and
are not checked. ELF layouts: the System V gABI (sections, relocation
entries); relocation numbers: the x86-64 and i386 psABI supplements.

usage: check-shim.py SHIM.elf
"""
import struct
import sys

EM_386, EM_X86_64 = 3, 62
SHT_RELA, SHT_REL, SHT_DYNAMIC, SHT_SYMTAB = 4, 9, 6, 2
SHF_ALLOC = 2
OFFSET_SECTIONS = (".vmi.rom", ".vmi.fixups")

# Relocations that keep code position independent anywhere.
RELATIVE = {
    EM_X86_64: {0: "R_X86_64_NONE", 2: "R_X86_64_PC32", 4: "R_X86_64_PLT32",
                13: "R_X86_64_PC16", 15: "R_X86_64_PC8", 24: "R_X86_64_PC64"},
    # GOTOFF (symbol - GOT) and GOTPC (GOT - PC) are differences: i386 -fpie
    # code finds its data from the GOT's address, computed PC-relatively.
    EM_386: {0: "R_386_NONE", 2: "R_386_PC32", 4: "R_386_PLT32", 9: "R_386_GOTOFF",
             10: "R_386_GOTPC", 21: "R_386_PC16", 23: "R_386_PC8"},
}
# Absolute values, allowed in the ROM header only.
ABSOLUTE = {
    EM_X86_64: {1: "R_X86_64_64", 10: "R_X86_64_32", 11: "R_X86_64_32S",
                12: "R_X86_64_16", 14: "R_X86_64_8"},
    EM_386: {1: "R_386_32", 20: "R_386_16", 22: "R_386_8"},
}
# Bytes of reserved GOT entries a static link may create: .got.plt's three
# words (i386 -fpie code references _GLOBAL_OFFSET_TABLE_).
GOT_RESERVED = {EM_X86_64: 24, EM_386: 12}


class Elf:
    def __init__(self, data):
        if data[:4] != b"\x7fELF" or data[5] != 1:
            raise ValueError("not a little-endian ELF file")
        self.data = data
        self.is64 = data[4] == 2
        if self.is64:
            (self.machine,) = struct.unpack_from("<H", data, 18)
            shoff, = struct.unpack_from("<Q", data, 40)
            shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 58)
        else:
            (self.machine,) = struct.unpack_from("<H", data, 18)
            shoff, = struct.unpack_from("<I", data, 32)
            shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 46)
        self.sections = [self._section(shoff + i * shentsize) for i in range(shnum)]
        names = self.sections[shstrndx]
        for s in self.sections:
            s["name"] = self._str(names["offset"], s["name_off"])

    def _section(self, off):
        if self.is64:
            name, typ, flags, addr, offset, size, link, info, _, entsize = \
                struct.unpack_from("<IIQQQQIIQQ", self.data, off)
        else:
            name, typ, flags, addr, offset, size, link, info, _, entsize = \
                struct.unpack_from("<IIIIIIIIII", self.data, off)
        return dict(name_off=name, type=typ, flags=flags, addr=addr, offset=offset,
                    size=size, link=link, info=info, entsize=entsize)

    def _str(self, table_off, off):
        end = self.data.index(b"\0", table_off + off)
        return self.data[table_off + off:end].decode("ascii", "replace")

    def symbol_name(self, symtab, index):
        if not index:
            return "(none)"
        strtab = self.sections[symtab["link"]]
        if self.is64:
            name, info, _, shndx, value, _ = struct.unpack_from(
                "<IBBHQQ", self.data, symtab["offset"] + index * 24)
        else:
            name, value, _, info, _, shndx = struct.unpack_from(
                "<IIIBBH", self.data, symtab["offset"] + index * 16)
        if name:
            return self._str(strtab["offset"], name)
        if shndx and shndx < len(self.sections):   # a section symbol
            return self.sections[shndx]["name"]
        return "#%d" % index

    def relocations(self, sec):
        """(offset, type, symbol index) of each entry of a REL/RELA section."""
        rela = sec["type"] == SHT_RELA
        if self.is64:
            fmt, size = ("<QQq", 24) if rela else ("<QQ", 16)
        else:
            fmt, size = ("<IIi", 12) if rela else ("<II", 8)
        for i in range(sec["size"] // size):
            fields = struct.unpack_from(fmt, self.data, sec["offset"] + i * size)
            off, info = fields[0], fields[1]
            if self.is64:
                yield off, info & 0xffffffff, info >> 32
            else:
                yield off, info & 0xff, info >> 8


def check(path):
    with open(path, "rb") as f:
        elf = Elf(f.read())
    if elf.machine not in RELATIVE:
        return ["unexpected machine %d" % elf.machine]
    errors = []
    relocs_seen = 0
    got = sum(s["size"] for s in elf.sections if s["name"] in (".got", ".got.plt"))
    if got > GOT_RESERVED[elf.machine]:
        errors.append("the GOT holds %d bytes, more than its reserved words: GOT entries "
                      "are absolute addresses" % got)
    for sec in elf.sections:
        if sec["type"] == SHT_DYNAMIC:
            errors.append("has a dynamic section (%s): the shim must be linked static"
                          % sec["name"])
        if sec["type"] not in (SHT_REL, SHT_RELA):
            continue
        target = elf.sections[sec["info"]]
        if not target["flags"] & SHF_ALLOC:
            continue   # debug information: not loaded
        symtab = elf.sections[sec["link"]]
        in_header = target["name"] in OFFSET_SECTIONS
        for off, typ, sym in elf.relocations(sec):
            relocs_seen += 1
            if typ in RELATIVE[elf.machine]:
                continue
            if in_header and typ in ABSOLUTE[elf.machine]:
                continue
            name = ABSOLUTE[elf.machine].get(typ, "type %d" % typ)
            errors.append("%s+0x%x: %s against %s: %s" % (
                target["name"], off - target["addr"], name, elf.symbol_name(symtab, sym),
                "an absolute address at run time" if typ in ABSOLUTE[elf.machine]
                else "not a position-independent relocation"))
    if not relocs_seen:
        errors.append("no relocations found: link with -q (--emit-relocs) so they can be checked")
    return errors


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    errors = check(sys.argv[1])
    for e in errors:
        print("check-shim: %s: %s" % (sys.argv[1], e), file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
