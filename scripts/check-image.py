#!/usr/bin/env python3
"""Check a linked image against what its loaders need, so a layout mistake
fails the build instead of a boot: the Multiboot 1 header lies in the first
8 KiB with address fields that match the file (Multiboot 0.6.96, 3.1), every
PT_LOAD's file offset minus address is the same (the header's raw load
depends on it), and the PVH note is present in a PT_NOTE with 4-byte
alignment (QEMU reads notes at the segment's alignment).

--no-pvh checks a Multiboot-only ELF32 file instead (the hostile test
loader, tests/boot/loader/): the same Multiboot rules and ELF class 32,
without the PVH note, which such a file does not carry.

usage: check-image.py [--no-pvh] IMAGE.elf"""
import struct
import sys

MB1_MAGIC = 0x1BADB002
NO_PVH = sys.argv[1:2] == ["--no-pvh"]
PATH = sys.argv[2] if NO_PVH else sys.argv[1]


def fail(msg):
    sys.exit(f"check-image: {PATH}: {msg}")


def main():
    data = open(PATH, "rb").read()
    if data[:4] != b"\x7fELF":
        fail("not an ELF file")
    is64 = data[4] == 2
    if NO_PVH and is64:
        fail("not an ELF32 file")
    if is64:
        phoff, = struct.unpack_from("<Q", data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    else:
        phoff, = struct.unpack_from("<I", data, 0x1C)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x2A)
    loads, notes = [], []
    for i in range(phnum):
        o = phoff + i * phentsize
        if is64:
            p_type, _, p_off, p_vaddr, _, p_filesz, _, p_align = struct.unpack_from("<IIQQQQQQ", data, o)
        else:
            p_type, p_off, p_vaddr, _, p_filesz, _, _, p_align = struct.unpack_from("<IIIIIIII", data, o)
        if p_type == 1 and p_filesz:
            loads.append((p_off, p_vaddr, p_filesz))
        elif p_type == 4:
            notes.append((p_off, p_filesz, p_align))
    deltas = {v - o for o, v, _ in loads}
    if len(deltas) != 1:
        fail(f"PT_LOAD segments do not share one offset-to-address delta: {loads}")
    delta = deltas.pop()
    for off in range(0, min(len(data), 8192) - 32, 4):
        magic, flags, csum, hdr, load, load_end, bss_end, entry = struct.unpack_from("<8I", data, off)
        if magic == MB1_MAGIC and (magic + flags + csum) & 0xFFFFFFFF == 0:
            break
    else:
        fail("no Multiboot 1 header in the first 8 KiB")
    if not flags & (1 << 16):
        fail("Multiboot header lacks the address fields (flag bit 16)")
    if hdr - off != delta:
        fail(f"Multiboot header_addr 0x{hdr:x} does not match its file offset 0x{off:x}")
    if not load <= entry < load_end:
        fail("Multiboot entry_addr is outside the loaded range")
    if NO_PVH:
        return
    found = False
    for n_off, n_size, n_align in notes:
        if n_align != 4:
            fail(f"PT_NOTE with p_align {n_align}; QEMU needs 4")
        pos = n_off
        while pos + 12 <= n_off + n_size:
            namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
            name = data[pos + 12:pos + 12 + namesz]
            if name == b"Xen\0" and ntype == 18:
                found = True
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
    if not found:
        fail("no XEN_ELFNOTE_PHYS32_ENTRY (PVH) note")


if __name__ == "__main__":
    main()
