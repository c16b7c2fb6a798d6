#!/usr/bin/env python3
"""Write every platform-op call site of a linked image in its native form,
so that a native boot rewrites none (kernel/pvpatch.c; docs/patching.md).

The compiler leaves each site as the indirect call through pv_ops, 6 bytes
FF 15 disp32 (RIP-relative on x86_64, absolute on i386), recorded in the
.pvpatch table as {address, offset of the op in struct pv_ops, length}.
This script checks every record (a site that is not exactly that call
fails the build, where the boot could only count it) and writes what the
native personality directs, decided from the image's own tables so that
the kernel and this script cannot disagree:

  - native_group_refs: where each native group lies in struct pv_ops and
    the object holding it: the op's native implementation (none: the
    indirect call stays);
  - native_nop_ops: ops that do nothing natively: one 6-byte NOP;
  - native_inline_ops: ops that are their own instruction: its bytes, then
    pvpatch_nops' multi-byte NOP for the rest;
  - anything else: 3E E8 rel32, a direct call to the implementation.

This is native_patch (pv/native/patch.c) read as data. Last, the byte
pvpatch_prepatched is set to 1, which tells the boot what the sites hold.
Running it twice is an error (the sites are no longer indirect calls).

usage: pvprepatch.py IMAGE.elf"""
import struct
import sys

SITE_LEN = 6


def fail(path, msg):
    sys.exit(f"pvprepatch: {path}: {msg}")


class Elf:
    def __init__(self, path):
        self.path = path
        self.data = bytearray(open(path, "rb").read())
        d = self.data
        if d[:4] != b"\x7fELF" or d[5] != 1:
            fail(path, "not a little-endian ELF file")
        self.is64 = d[4] == 2
        if self.is64:
            shoff, = struct.unpack_from("<Q", d, 0x28)
            shentsize, shnum = struct.unpack_from("<HH", d, 0x3A)
        else:
            shoff, = struct.unpack_from("<I", d, 0x20)
            shentsize, shnum = struct.unpack_from("<HH", d, 0x2E)
        self.sections = []
        for i in range(shnum):
            o = shoff + i * shentsize
            if self.is64:
                _, typ, _, addr, off, size, link, _, _, entsize = struct.unpack_from(
                    "<IIQQQQIIQQ", d, o)
            else:
                _, typ, _, addr, off, size, link, _, _, entsize = struct.unpack_from(
                    "<IIIIIIIIII", d, o)
            self.sections.append((typ, addr, off, size, link, entsize))
        self.symbols = {}
        for typ, _, off, size, link, entsize in self.sections:
            if typ != 2:   # SHT_SYMTAB
                continue
            stroff = self.sections[link][2]
            for o in range(off, off + size, entsize):
                if self.is64:
                    name, info, _, _, value, sym_size = struct.unpack_from("<IBBHQQ", d, o)
                else:
                    name, value, sym_size, info, _, _ = struct.unpack_from("<IIIBBH", d, o)
                if info >> 4 not in (1, 2):   # global or weak: a local may share the name
                    continue
                end = d.index(b"\0", stroff + name)
                self.symbols[d[stroff + name:end].decode()] = (value, sym_size)

    def sym(self, name):
        if name not in self.symbols:
            fail(self.path, f"no symbol {name} (not a Proteus image?)")
        return self.symbols[name]

    def offset(self, addr, n):
        """The file offset of n bytes at address addr, in a section with
        contents."""
        for typ, start, off, size, _, _ in self.sections:
            if typ != 8 and start and start <= addr and addr + n <= start + size:   # not NOBITS
                return off + addr - start
        fail(self.path, f"0x{addr:x} (+{n}) lies in no section with contents")

    def read(self, addr, n):
        o = self.offset(addr, n)
        return bytes(self.data[o:o + n])

    def write(self, addr, b):
        o = self.offset(addr, len(b))
        self.data[o:o + len(b)] = b

    def ptr(self, addr):
        return struct.unpack("<Q" if self.is64 else "<I", self.read(addr, 8 if self.is64 else 4))[0]


def native_forms(elf):
    """offset in struct pv_ops -> the native form's bytes, or a callee
    address (to encode per site), or None (no implementation)."""
    ptr_size = 8 if elf.is64 else 4
    ref_size = 8 + ptr_size
    refs_addr, refs_size = elf.sym("native_group_refs")
    impls = {}
    for r in range(refs_addr, refs_addr + refs_size, ref_size):
        goff, gsize = struct.unpack("<II", elf.read(r, 8))
        obj = elf.ptr(r + 8)
        for o in range(0, gsize, ptr_size):
            impls[goff + o] = elf.ptr(obj + o)
    nops_addr, _ = elf.sym("pvpatch_nops")
    nops = [elf.read(nops_addr + n * SITE_LEN, SITE_LEN)[:n] for n in range(SITE_LEN + 1)]
    nop_addr, nop_size = elf.sym("native_nop_ops")
    nop_ops = set(struct.unpack(f"<{nop_size // 4}I", elf.read(nop_addr, nop_size)))
    inl_addr, inl_size = elf.sym("native_inline_ops")
    inline = {}
    for e in range(inl_addr, inl_addr + inl_size, 12):   # u32 offset, u8 len, u8 bytes[6], pad
        off, n = struct.unpack("<IB", elf.read(e, 5))
        if n > SITE_LEN:
            fail(elf.path, f"native inline bytes of op {off} are {n} long")
        inline[off] = elf.read(e + 5, n) + nops[SITE_LEN - n]
    forms = {}
    for off, impl in impls.items():
        if not impl:
            forms[off] = None
        elif off in nop_ops:
            forms[off] = nops[SITE_LEN]
        elif off in inline:
            forms[off] = inline[off]
        else:
            forms[off] = impl
    return forms


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[-1])
    elf = Elf(sys.argv[1])
    flag_addr, _ = elf.sym("pvpatch_prepatched")
    if elf.read(flag_addr, 1) != b"\0":
        fail(elf.path, "already prepatched")
    pv_ops, _ = elf.sym("pv_ops")
    forms = native_forms(elf)
    start, _ = elf.sym("__pvpatch_start")
    end, _ = elf.sym("__pvpatch_end")
    rec = struct.Struct("<IHBx")   # include/proteus/pvops.h, struct pvpatch_site
    table = elf.read(start, end - start) if end > start else b""
    if len(table) % rec.size:
        fail(elf.path, f".pvpatch is {len(table)} bytes, not whole {rec.size}-byte records")
    # T:340 Link time: the native form written into the file. Each
    # record of the .pvpatch table names a site and its op; the site must
    # hold exactly the indirect call the compiler made (FF 15 and the
    # displacement to pv_ops + offset: RIP-relative on x86_64, absolute on
    # i386), or the build fails here rather than the boot later. Then the
    # op's native form goes in: the inline bytes, the 6-byte NOP, or
    # 3E E8 rel32, a direct call to the native implementation whose rel32
    # is counted from the site's end. The script reads its choices from the
    # image's own tables (native_forms above), so it cannot disagree with
    # native_patch at boot.
    for addr, off, length in rec.iter_unpack(table):
        if off not in forms:
            fail(elf.path, f"the call site at 0x{addr:x} names no op (offset {off})")
        slot = pv_ops + off
        disp = slot - (addr + SITE_LEN) if elf.is64 else slot
        expect = b"\xff\x15" + struct.pack("<i" if elf.is64 else "<I", disp)
        if length != SITE_LEN or elf.read(addr, SITE_LEN) != expect:
            fail(elf.path, f"the call site at 0x{addr:x} (op offset {off}) is not the "
                           f"{SITE_LEN}-byte indirect call through pv_ops")
        form = forms[off]
        if form is None:
            continue
        if isinstance(form, int):
            form = b"\x3e\xe8" + struct.pack("<i", form - (addr + SITE_LEN))
        elf.write(addr, form)
    elf.write(flag_addr, b"\1")
    with open(elf.path, "wb") as f:
        f.write(elf.data)


if __name__ == "__main__":
    main()
