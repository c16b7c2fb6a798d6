#!/usr/bin/env python3
"""Write the fuzz harnesses' seed corpora, tests/fuzz/corpus/<name>/.

  tests/fuzz/seeds.py           rewrite every corpus directory from this file
  tests/fuzz/seeds.py --check   exit 1 if the committed corpus differs

Each seed is a small, meaningful input in its harness's format (described
at the top of tests/fuzz/fuzz_<name>.c): the well-formed case a real
machine gives, and the edge cases each parser must refuse or cut. The
corpus is committed, so `make check` replays it without running this;
after changing a seed here, run it and commit the result. Reproducers of
defects are not written here: they are kept as found, in
tests/fuzz/reproducers/<name>/.
"""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")


def u8(v): return struct.pack("<B", v & 0xff)
def u16(v): return struct.pack("<H", v & 0xffff)
def u32(v): return struct.pack("<I", v & 0xffffffff)
def u64(v): return struct.pack("<Q", v & 0xffffffffffffffff)


# ----------------------------------------------------------------- cmdline --
# flags (bit 0 skip_first, bit 1 parse NULL first), the line, then
# NUL-separated names to look up and sizes to parse.
def cmdline():
    def seed(flags, line, *extras):
        out = u8(flags) + line.encode()
        for e in extras:
            out += b"\0" + e.encode()
        return out
    return {
        "multiboot-image-name": seed(1, "hello.elf quiet mem=64M -- a b c"),
        "quotes": seed(0, 'console=com1 "two words" x"y z"w -- "quoted arg" "" x', "console"),
        "booleans": seed(0, "quiet=maybe bench=off pvstats=yes pvpatch=0 quiet bench=on",
                         "quiet", "bench", "pvstats", "pvpatch"),
        "sizes": seed(0, "mem=1G mem=2M mem=", "mem", "18446744073709551615",
                      "18446744073709551616", "17179869183G", "17179869184G", "4k", "12x", "0"),
        "dashes": seed(0, "-- -- --x"),
        "unterminated-quote": seed(0, 'acpi=off "apic=xapic bench'),
        "blanks": seed(1, " \t\r\nimage\t\tquiet\n--\rarg "),
        "null-line": seed(2, ""),
        "too-many-options": seed(0, " ".join("o%d=%d" % (i, i) for i in range(34))),
        "environment": seed(0, 'env.A=1 env.B="two words" env.A=3 env.=x env.1X=y env.C_2= '
                               'env.D-E=z env.F env.G==h quiet -- env.H=arg'),
        "too-many-args": seed(0, "quiet -- " + " ".join("a%d" % i for i in range(34))),
        "too-long": seed(0, "first " + "x" * 1010 + " last-word-does-not-fit"),
        "fills-buffer": seed(0, " ".join(["abcdefghi"] * 102) + " w"),
        # 102 * 10 + 4 = 1024 bytes of words and NULs: the buffer is exactly
        # full, and an empty word ("") still needs a byte
        "exactly-full-then-empty-word": seed(0, " ".join(["abcdefghi"] * 102) + ' abc ""'),
    }


# ------------------------------------------------------------------ memmap --
# flags (bit 0: memmap_limit(top), bit 1: memmap_usable_bytes(from)),
# top and from as flagged, then entries of base (8), len (8), type (1).
USABLE, RESERVED, ACPI, NVS, UNUSABLE = 1, 2, 3, 4, 5


def memmap():
    def seed(entries, top=None, frm=None):
        flags = (1 if top is not None else 0) | (2 if frm is not None else 0)
        out = u8(flags)
        if top is not None:
            out += u64(top)
        if frm is not None:
            out += u64(frm)
        for base, length, typ in entries:
            out += u64(base) + u64(length) + u8(typ)
        return out
    qemu = [(0, 0x9fc00, USABLE), (0x9fc00, 0x400, RESERVED), (0xf0000, 0x10000, RESERVED),
            (0x100000, 0x7ee0000, USABLE), (0x7fe0000, 0x20000, RESERVED),
            (0xfeffc000, 0x4000, RESERVED), (0xfffc0000, 0x40000, RESERVED)]
    above4g = qemu[:4] + [(0x100000000, 0x180000000, USABLE)]
    holes = []
    for i in range(64):   # more runs after splitting than the table holds
        holes += [(i * 0x10000, 0x10000, USABLE), (i * 0x10000 + 0x4000, 0x1000, RESERVED)]
    return {
        "qemu-e820": seed(qemu),
        "qemu-e820-mem-limit": seed(qemu, top=0x4000000, frm=0x100000),
        "ram-above-4g-limit-inside": seed(above4g, top=0x123456789, frm=0x100000000),
        "overlaps-unsorted": seed([(0x200000, 0x100000, RESERVED), (0, 0x1000000, USABLE),
                                   (0x800000, 0x2000, ACPI), (0x801000, 0x3000, NVS),
                                   (0x100000, 0x80000, UNUSABLE), (0x500000, 0x1000, 0),
                                   (0x600000, 0x1000, 20), (0x5fffff, 0x3, USABLE)]),
        "unaligned-ram": seed([(0x1001, 0x2fff, USABLE), (0x4000, 0x1, USABLE),
                               (0x10800, 0x800, USABLE), (0x11000, 0x1800, USABLE)]),
        "zero-length-and-wrapping": seed([(0x1000, 0, USABLE), (0xfffffffffffff000, 0x1000, USABLE),
                                          (0xfffffffffffff000, 0x2000, RESERVED),
                                          (0xffffffffffffe000, 0xfff, USABLE),
                                          (0, 0x100000, USABLE)], frm=0),
        # reserved "past 2^64" still covers the RAM above its base
        "reserved-wrapping-over-ram": seed([(0xffffffff00000000, 0xfffff000, USABLE),
                                            (0xffffffff80000000, 1 << 63, RESERVED),
                                            (0xffffffffffffffff, 2, ACPI),
                                            (0x100000, 0x100000, USABLE)]),
        # RAM up to the last byte below 2^64, with reserved memory below it
        "top-of-address-space": seed([(0xffffffffffff0000, 0x1000, RESERVED),
                                      (0xffffffffffffe000, 0x1fff, USABLE),
                                      (0xfffffffffff00000, 0xfffff, USABLE)],
                                     top=0xffffffffffffffff, frm=0xfffffffffff80000),
        "table-overflow": seed([(i * 0x100000, 0x100000, USABLE if i % 2 else RESERVED)
                                for i in range(130)]),
        "normalize-overflow": seed(holes),
    }


# -------------------------------------------------------------------- madt --
# The table itself: SDT header, local APIC address, flags, entries.
def madt():
    def table(entries, flags=1, lapic=0xfee00000):
        body = b"".join(entries)
        hdr = b"APIC" + u32(44 + len(body)) + u8(3) + u8(0) + b"BOCHS " + b"BXPCAPIC" + \
            u32(1) + b"BXPC" + u32(1)
        return hdr + u32(lapic) + u32(flags) + body

    def lapic(uid, apic, flags=1): return u8(0) + u8(8) + u8(uid) + u8(apic) + u32(flags)
    def ioapic(i, addr, gsi): return u8(1) + u8(12) + u8(i) + u8(0) + u32(addr) + u32(gsi)
    def iso(src, gsi, flags, bus=0): return u8(2) + u8(10) + u8(bus) + u8(src) + u32(gsi) + u16(flags)
    def nmi(): return u8(4) + u8(6) + u8(0xff) + u16(5) + u8(1)
    def x2apic(): return u8(9) + u8(16) + u16(0) + u32(7) + u32(1) + u32(7)
    qemu = [lapic(0, 0), ioapic(0, 0xfec00000, 0), iso(0, 2, 0), iso(5, 5, 0xd), iso(9, 9, 0xd),
            iso(10, 10, 0xd), iso(11, 11, 0xd), nmi()]
    return {
        "qemu-1cpu": table(qemu),
        "4cpu-one-disabled-x2apic": table([lapic(i, i, 0 if i == 2 else 1) for i in range(4)] +
                                          [lapic(4, 4, 2), x2apic(), ioapic(0, 0xfec00000, 0),
                                           iso(0, 2, 0), iso(9, 9, 0xf)], flags=0),
        "entry-length-0": table([lapic(0, 0), b"\x01\x00" + b"\0" * 10]),
        "entry-length-1": table([lapic(0, 0), b"\x00\x01"]),
        "entry-past-end": table([lapic(0, 0), ioapic(0, 0xfec00000, 0)])[:-3],
        "half-entry-at-end": table([lapic(0, 0)]) + b"\x02",
        "short-known-entries": table([u8(0) + u8(4) + b"\0\0", u8(1) + u8(8) + b"\0" * 6,
                                      u8(2) + u8(9) + b"\0" * 7, iso(4, 4, 0, bus=1)]),
        "too-many-ioapics-isos": table([ioapic(i, 0xfec00000 + i * 0x1000, i * 24) for i in range(10)] +
                                       [iso(i % 16, i, 0x5) for i in range(20)]),
        "header-only": table([]),
        "shorter-than-header": table([])[:43],
    }


# -------------------------------------------------------------- hypervisor --
# leaf 1 ECX (4), names buffer length (1), the answer to unlisted leaves
# (16), then records: flags (1), leaf - 0x40000000 (2), EAX EBX ECX EDX.
HV_BIT = 1 << 31
SIG = {name: struct.unpack("<III", s.encode("latin-1"))
       for name, s in {"kvm": "KVMKVMKVM\0\0\0", "xen": "XenVMMXenVMM", "hyperv": "Microsoft Hv",
                       "tcg": "TCGTCGTCGTCG", "vmware": "VMwareVMware"}.items()}


def hypervisor():
    def seed(ecx, records, names_len=0, fallback=(0, 0, 0, 0)):
        out = u32(ecx) + u8(names_len) + b"".join(u32(v) for v in fallback)
        for sel, a, bcd in records:
            out += u8(0) + u16(sel) + u32(a) + b"".join(u32(v) for v in bcd)
        return out

    def block(sel, top, sig, feat=0, hints=0):
        return [(sel, 0x40000000 + top, sig), (sel + 1, feat, (0, 0, hints))]
    intel_fallback = (0x16, 0x756e6547, 0x6c65746e, 0x49656e69)   # highest basic leaf
    many = []
    for i in range(10):   # more plausible blocks than HV_MAX
        many += block(i * 0x100, i * 0x100 + 1, struct.unpack("<III", b"Hyp%02d\0\0\0\0\0\0\0" % i))
    return {
        "bare-cpu": seed(0, block(0, 1, SIG["kvm"])),
        "kvm": seed(HV_BIT, block(0, 1, SIG["kvm"], 0x010001fb, 1)),
        "kvm-behind-hyperv": seed(HV_BIT, block(0, 0xb, SIG["hyperv"], 0x31237648) +
                                  block(0x100, 0x101, SIG["kvm"], 0xffffffff, 1), names_len=40),
        "xen-with-viridian": seed(HV_BIT, block(0, 5, SIG["hyperv"]) +
                                  block(0x100, 0x105, SIG["xen"], 0x0004000f)),
        "old-kvm-eax-0": seed(HV_BIT, [(0, 0, SIG["kvm"]), (1, 1 << 3, (0, 0, 0))]),
        "tcg-vmware": seed(HV_BIT, block(0, 0x10, SIG["tcg"]) + block(0x200, 0x200, SIG["vmware"])),
        "intel-out-of-range-leaves": seed(HV_BIT, [], fallback=intel_fallback),
        "more-blocks-than-kept": seed(HV_BIT, many),
        "bad-signatures": seed(HV_BIT, [(0, 0x40000001, (0x4b4d5601, 0, 0)),
                                        (0x100, 0x40000101, (0x4d56004b, 0x4b, 0)),
                                        (0x200, 0x40000300, SIG["xen"]),
                                        (0x300, 0x40000001, SIG["xen"])]),
        "names-buffer-small": seed(HV_BIT, block(0, 1, SIG["kvm"], 0x0f0ffeff), names_len=14),
    }


# ----------------------------------------------------------------- vmi_rom --
# flags (bit 0 fix the checksum, bit 1 i386), reason buffer length, ROM.
def abi_calls():
    text = open(os.path.join(ROOT, "pv", "vmi", "abi.h")).read()
    body = text[text.index("#define VMI_CALL_LIST(X)"):text.index("#define VMI_NCALLS_1_0")]
    return [(int(n), name, flags) for n, name, flags in
            re.findall(r"X\((\d+),\s*(\w+),\s*([^)]*)\)", body)]


def vmi_rom():
    calls = abi_calls()

    def rom(arch=2, ncalls=89, kinds=None, major=1, blocks=8, fix=True, minor=1, entries=None):
        r = bytearray(blocks * 512)
        r[0:3] = b"\x55\xaa" + u8(blocks)
        r[3] = 0xcb
        hdr = struct.pack("<IHHHBBIIIIIIIHHIII", 0x494d5650, major, minor, 56, arch, 0,
                          4096, 4096, 4096, 0, 0x800, 0x100, ncalls, 0x700, 0x720, 1, 0x7f0, 2)
        r[0x20:0x20 + len(hdr)] = hdr
        r[0x7f0:0x800] = u32(0x880) + u32(0x890) + u32(0x8a0) + u32(0x8b0)
        r[0x700:0x709] = b"vmi-seed\0"
        r[0x720:0x724] = b"MIT\0"
        r[0x800] = 0xc3
        for n, name, _ in calls:
            kind, length, inline = (kinds or {}).get(name, (1, 0, b""))
            entry = (entries or {}).get(name, 0x900 + n * 16)
            r[0x100 + n * 16:0x110 + n * 16] = u32(entry) + u8(kind) + u8(length) + \
                inline.ljust(10, b"\0")
        if fix:
            r[0x1f] = (-sum(r)) & 0xff
        return bytes(r)
    some_kinds = {"DISABLE": (2, 1, b"\xfa"), "ENABLE": (2, 1, b"\xfb"), "ALLOC_PT": (3, 0, b""),
                  "READ_MSR": (0, 0, b""), "CPUID": (0, 0, b"")}
    return {
        "good-x86_64": u8(0) + u8(160) + rom(),
        "good-i386-inline-nop-absent": u8(2) + u8(128) + rom(arch=1, kinds=some_kinds),
        "newer-minor-more-calls-fix-checksum": u8(1) + u8(40) + rom(ncalls=93, fix=False),
        "missing-required-call": u8(0) + u8(160) + rom(kinds={"SAVE_FLAGS": (0, 0, b"")}),
        # ABI 1.2's VCPU_START_AP with its entry in the data: refused in a
        # 1.2 ROM, meaningless (absent) in a 1.1 one
        "minor2-start-ap-entry-in-data": u8(0) + u8(160) +
        rom(minor=2, entries={"VCPU_START_AP": 0x1800}),
        "minor1-start-ap-slot-ignored": u8(0) + u8(160) +
        rom(minor=1, entries={"VCPU_START_AP": 0x1800}),
        "truncated-area": u8(0) + u8(1) + rom()[:3000],
        "no-signature": u8(0) + u8(0) + b"\0" * 120,
    }


# ---------------------------------------------------------------- ldt_desc --
# records: mode (bit 0 raw, bit 1 long mode, bit 2 own window), the
# fields or the raw descriptor, the window if any, an offset to probe.
def ldt_desc():
    def info(entry, base, limit, contents, flags, mode=0, window=None, probe=0):
        out = u8(mode) + u16(entry) + u32(base) + u32(limit) + u8(contents) + u8(flags)
        return out + (u32(window[0]) + u32(window[1]) if window else b"") + u32(probe)

    def raw(lo, hi, mode=1, window=None, probe=0):
        out = u8(mode | 1) + u32(lo) + u32(hi)
        return out + (u32(window[0]) + u32(window[1]) if window else b"") + u32(probe)

    def desc(base, limit, typ, s=1, dpl=3, p=1, l=0, db=1, g=0):
        lo = (limit & 0xffff) | (base & 0xffff) << 16
        hi = (base >> 16 & 0xff) | typ << 8 | s << 12 | dpl << 13 | p << 15 | (limit & 0xf0000) | \
            l << 21 | db << 22 | g << 23 | (base & 0xff000000)
        return lo, hi
    heap = 0xc0000000
    return {
        "fields-i386": info(1, heap, 0xfff, 0, 1) + info(2, heap + 0x1000, 0x3f, 2, 3) +
        info(3, heap, 0xfff, 1, 0, probe=0x2000) + info(4, heap, 0x1ffff, 0, 5) +
        info(5, heap, 0, 0, 8),
        "fields-refused": info(512, heap, 0, 0, 1) + info(1, heap, 0x100000, 0, 1) +
        info(1, heap, 0, 7, 1) + info(1, 0, 0xfffff, 0, 5),
        "fields-long-mode": info(1, 0, 0, 2, 16, mode=2) + info(1, 0, 0, 0, 17, mode=2) +
        info(1, 0x100000, 0xfffff, 2, 5, mode=2),
        "raw-kinds": b"".join(raw(*d) for d in [
            (0, 0), desc(heap, 0xff, 0x2, s=0), desc(heap, 0xff, 0xc, s=0),
            desc(heap, 0xff, 0x2, dpl=0), desc(heap, 0xff, 0xe), desc(heap, 0xff, 0xa),
            desc(0, 0, 0xa, l=1, db=0), desc(0, 0, 0xa, l=1, db=1), desc(0, 0, 0x2, l=1, db=0)]) +
        raw(*desc(0, 0, 0xa, l=1, db=0), mode=3) + raw(*desc(0, 0, 0xa, l=1, db=1), mode=3),
        "raw-reach-i386": b"".join(raw(*d, probe=0x1234) for d in [
            desc(heap, 0x1fffffff, 0x2), desc(heap, 0x20000000, 0x2), desc(heap - 1, 0, 0x2),
            desc(0xffffff00, 0x1000, 0x2), desc(heap, 0x1ffff, 0x2, g=1),
            desc(heap, 0xffff, 0x6, db=0), desc(heap, 0xfffff, 0x6, db=1, g=1),
            desc(heap, 0x1000, 0x6, db=1), desc(heap + 0x10000, 0xfff, 0x6, db=0)]),
        "raw-own-window": raw(*desc(0x1000, 0xfff, 0x2), window=(0x1000, 0x2000)) +
        raw(*desc(0x1000, 0x1000, 0x2), window=(0x1000, 0x2000)) +
        raw(*desc(0, 0xffffffff, 0x2), window=(0, 0xffffffff)),
    }


# -------------------------------------------------------- xen_console_ring --
# ops: (op & 0x3f) % 9 picks the move, bits 7-6 = 01 count a frontend
# call's index accesses (only the first such call of an input counts).
def xen_console_ring():
    COUNT = 0x40
    def set_all(v): return u8(8) + u32(v)
    def out_cons(v): return u8(0) + u32(v)
    def in_prod(v): return u8(1) + u32(v)
    def type_in(b): return u8(2) + u8(len(b)) + b
    def drain(n): return u8(3) + u16(n)
    def write(b, count=False): return u8(4 | (COUNT if count else 0)) + u16(len(b)) + b
    def read(n, count=False): return u8(5 | (COUNT if count else 0)) + u16(n)
    def pending(count=False): return u8(6 | (COUNT if count else 0))
    def own(which, v): return u8(7) + u8(which) + u32(v)
    return {
        "write-drain-counted": write(b"hello\n", True) + pending() + drain(3) + pending() + drain(9),
        "write-until-full": write(b"x" * 2000) + write(b"y" * 100, True) + write(b"z") + pending(),
        "read-typed-counted": type_in(b"ls -l\r") + read(3, True) + read(100) + read(0),
        "read-empty": read(16, True),
        "pending-counted": write(b"abc") + pending(True),
        "corrupt-out-cons-counted": out_cons(0x80000000) + write(b"data", True) + pending(),
        "corrupt-in-prod-counted": in_prod(0x1000) + read(10, True) + read(10),
        "wrap-2-32": set_all(0xfffffff0) + write(b"w" * 40) + drain(40) + type_in(b"r" * 40) +
        read(64, True),
        "backend-moves-our-indices": write(b"abc") + own(1, 0xdead) + write(b"d", True) +
        own(0, 0x5000) + read(4) + u8(0x80) + u16(0xfffe) + write(b"e"),
    }


# --------------------------------------------- multiboot, pvh (boot_arena.h) --
# A 16-byte header (pointers as arena offsets; bit 31: a raw address), then
# the 64 KiB arena's contents, of which only the start is given here.
def arena(parts):
    """Bytes of the arena: {offset: bytes}, zeros between."""
    top = max(off + len(b) for off, b in parts.items())
    out = bytearray(top)
    for off, b in parts.items():
        out[off:off + len(b)] = b
    return bytes(out)


QEMU_E820 = [(0, 0x9fc00, USABLE), (0x9fc00, 0x400, RESERVED), (0xf0000, 0x10000, RESERVED),
             (0x100000, 0x7ee0000, USABLE), (0xfffc0000, 0x40000, RESERVED)]


def multiboot():
    # Multiboot 0.6.96, 3.3: flags bit 0 mem_lower/upper, 2 cmdline, 6 mmap
    def info(flags, mmap_len=0, lower=639, upper=130048):
        b = bytearray(52)
        b[0:12] = u32(flags) + u32(lower) + u32(upper)
        b[44:48] = u32(mmap_len)
        return bytes(b)

    def mmap(entries, size=20):
        return b"".join(u32(size) + u64(b) + u64(l) + u32(t) for b, l, t in entries)

    def seed(magic, at, cmd, mm, parts):
        return u32(magic) + u32(at) + u32(cmd) + u32(mm) + arena(parts)
    cmdline = b"hello.elf quiet mem=64M -- a b\0"
    good = mmap(QEMU_E820)
    bad_size = mmap(QEMU_E820[:2]) + u32(8) + u64(0) + mmap(QEMU_E820[3:])
    return {
        "qemu-mmap": seed(0, 0x100, 0x200, 0x300, {0x100: info(0x45, len(good)), 0x200: cmdline,
                                                   0x300: good}),
        "mem-lower-upper-only": seed(0, 0x100, 0x200, 0x300, {0x100: info(0x5), 0x200: cmdline}),
        "mmap-bad-entry-size": seed(0, 0x100, 0x200, 0x300,
                                    {0x100: info(0x45, len(bad_size)), 0x200: cmdline,
                                     0x300: bad_size}),
        "mmap-wraps-and-overlaps": seed(0, 0x100, 0x200, 0x300, {
            0x100: info(0x41, 72), 0x300: mmap([(0x100000, 0x4000000, USABLE),
                                                (0x200000, 0x1000, RESERVED),
                                                (0xfffffffffffff001, 0xffe, USABLE)])}),
        "pointers-outside-arena": seed(0, 0x100, 0x80000010, 0x8000f000,
                                       {0x100: info(0x45, 96)}),
        "info-at-arena-end": seed(0, 0xfff0, 0x200, 0x300, {0x200: cmdline}),
        "wrong-magic": seed(0x1badb002, 0x100, 0x200, 0x300, {0x100: info(0x45, len(good)),
                                                              0x300: good}),
    }


def pvh():
    # Xen's arch-x86/hvm/start_info.h: magic, version, ..., memmap entries
    def start(version=1):
        return u32(0x336ec578) + u32(version)

    def e820(entries):
        return b"".join(u64(b) + u64(l) + u32(t) + u32(0) for b, l, t in entries)

    def seed(si, cmd, mm, n, parts):
        return u32(si) + u32(cmd) + u32(mm) + u32(n) + arena(parts)
    cmdline = b"quiet -- x\0"
    return {
        "qemu-e820": seed(0x100, 0x200, 0x400, 5, {0x100: start(), 0x200: cmdline,
                                                   0x400: e820(QEMU_E820)}),
        "version-0": seed(0x100, 0x200, 0x400, 5, {0x100: start(0), 0x400: e820(QEMU_E820)}),
        "no-entries": seed(0x100, 0x200, 0x400, 0, {0x100: start()}),
        "addresses-above-4g": seed(0x100, 0x200, 0x400, 5 | 1 << 30, {0x100: start(),
                                                                       0x400: e820(QEMU_E820)}),
        "more-entries-than-kept": seed(0x100, 0x200, 0x400, 200, {
            0x100: start(), 0x400: e820([(i * 0x100000, 0x100000, USABLE if i % 3 else RESERVED)
                                         for i in range(130)])}),
        "start-info-at-arena-end": seed(0xffe0, 0x200, 0x400, 5, {0x400: e820(QEMU_E820)}),
    }


# ---------------------------------------------------------- xen_start_info --
# image start (8), entry stack pointer (8), then start_info (xen.h) from
# its first byte; the bytes left out are 0. Offsets are x86_64's.
def xen_start_info():
    def si(magic=b"xen-3.0-x86_64", nr_pages=16384, mfn_list=0x400000, pt_base=0x4cf000,
           pt_frames=5, cmdline=b"quiet -- a b\0"):
        b = bytearray(128)
        b[0:len(magic)] = magic
        b[32:40] = u64(nr_pages)
        b[88:96] = u64(pt_base)
        b[96:104] = u64(pt_frames)
        b[104:112] = u64(mfn_list)
        return bytes(b) + cmdline

    def seed(image, sp, page):
        return u64(image) + u64(sp) + page
    image, sp = 0x100000, 0x4d5000
    return {
        "dom0-64m": seed(image, sp, si()),
        "stack-inside-page": seed(image, sp - 8, si()),
        "i386-magic": seed(image, sp, si(magic=b"xen-3.0-x86_32p")),
        "pages-overflow-when-shifted": seed(image, sp, si(nr_pages=1 << 62)),
        "p2m-list-outside": seed(image, sp, si(mfn_list=0x4d0000)),
        "page-tables-outside": seed(image, sp, si(pt_base=0x4d4000, pt_frames=2)),
        "cmdline-without-nul": seed(image, sp, si(cmdline=b"a" * 1024)),
        "more-than-32g": seed(image, sp, si(nr_pages=(40 << 30) >> 12)),
        "stack-at-the-top": seed(image, 0xfffffffffffffff8, si()),
    }


# -------------------------------------------------------------------- acpi --
# flags (bit 0 XSDT, 1 spoil the RSDP checksum, 2 spoil the tables', 3 keep
# the FADT's DSDT pointers, bits 4-5 extra root entries), the extra
# entries (8 bytes each), then per table: a signature selector (0 FACP,
# 1 APIC, 2 DSDT, 3 SSDT, else 4 raw bytes follow), the claimed length
# (2), the body length (2), the body after the 36-byte header.
def acpi():
    def table(which, claimed, body, sig=b""):
        return u8(which) + sig + u16(claimed) + u16(len(body)) + body

    def fadt(length=244, pm1a=0x604, tmr=0x608, tmr_len=4, flags=1 << 8):
        b = bytearray(length - 36)
        b[56 - 36:60 - 36] = u32(0x600)
        b[64 - 36:68 - 36] = u32(pm1a)
        b[76 - 36:80 - 36] = u32(tmr)
        b[88 - 36:92 - 36] = bytes([4, 2, 0, tmr_len])
        b[112 - 36:116 - 36] = u32(flags)
        return table(0, length, bytes(b))

    def dsdt(aml):
        return table(2, 36 + len(aml), aml)
    s5_byte = b"\x10\x0b\x5c\x00\x08_S5_\x12\x08\x04\x0a\x05\x0a\x05\x00\x00"
    s5_zero = b"\x08\x5c_S5_\x12\x06\x04\x00\x00\x00\x00"
    madt_body = madt()["qemu-1cpu"][36:]
    madt_t = table(1, 36 + len(madt_body), madt_body)
    return {
        "qemu-rsdt": u8(0) + fadt() + dsdt(s5_byte) + madt_t,
        "xsdt-extra-entries": u8(1 | 2 << 4) + u64(0) + u64(0xfffffffffffff000) + fadt() +
        dsdt(s5_zero) + madt_t + table(3, 40, b"\0" * 4),
        "bad-rsdp-checksum": u8(2) + fadt() + dsdt(s5_byte),
        "bad-table-checksums": u8(4) + fadt() + dsdt(s5_byte) + madt_t,
        "short-fadt-long-claims": u8(0) + fadt(length=100) + table(2, 0xffff, s5_byte) +
        table(4, 0x24, b"", sig=b"HPET") + table(1, 20, b""),
        "fadt-own-dsdt-pointer": u8(8) + fadt(pm1a=0x10000, tmr=0xfffd, tmr_len=3) + dsdt(b"_S5_"),
    }


# ----------------------------------------------------------------- pvclock --
# the 32-byte record (version, pad, tsc_timestamp, system_time, mul, shift,
# flags, pad), then TSC values to read it at (8 bytes each, up to 8).
def pvclock():
    def rec(version, stamp, system, mul, shift, flags=1):
        return u32(version) + u32(0) + u64(stamp) + u64(system) + u32(mul) + \
            struct.pack("<b", shift) + u8(flags) + b"\0\0"

    def reads(*tscs): return b"".join(u64(t) for t in tscs)
    stamp = 10 ** 12
    return {
        "kvm-2ghz": rec(2, stamp, 5 * 10 ** 9, 0x80000000, 0) +
        reads(stamp, stamp + 1, stamp + 2 * 10 ** 9, stamp + (1 << 40), stamp - 1000, 0),
        "xen-3ghz-shift": rec(4, stamp, 10 ** 9, 0xaaaaaaab, -1) + reads(stamp + 3 * 10 ** 9),
        "odd-version": rec(3, stamp, 10 ** 9, 0x80000000, 0) + reads(stamp + 10),
        "zero-multiplier": rec(2, stamp, 10 ** 9, 0, 0) + reads(stamp + 10),
        "shift-extremes": rec(2, stamp, 10 ** 9, 0xffffffff, 127) + reads(stamp + 1, stamp - 1),
        "shift-very-negative": rec(2, stamp, 10 ** 9, 0xffffffff, -128) + reads(stamp + 1 << 62),
        "timestamp-wraps": rec(2, (1 << 64) - 100, 10 ** 9, 0x80000000, 1) + reads(50, 1 << 63),
        "system-time-near-2-64": rec(2, 0, (1 << 64) - 10, 0xffffffff, 31) +
        reads((1 << 64) - 1, 1 << 40),
    }


# ---------------------------------------------------------------- xenstore --
# ops: op % 6 picks the move: 0 server bytes, 1 server header, 2 rsp_prod
# step, 3 req_cons step, 4 client take, 5 client put.
def xenstore():
    def put(b): return u8(0) + u8(len(b)) + b
    def hdr(t, rid, n): return u8(1) + u8(t) + u8(rid) + u16(n)
    def prod_step(d): return u8(2) + u16(d)
    def cons_step(d): return u8(3) + u16(d)
    TAKE = u8(4)
    def req(n): return u8(5) + u16(n)
    XS_DIRECTORY, XS_READ, XS_TRANSACTION_START, XS_WRITE, XS_WATCH_EVENT, XS_ERROR = 1, 2, 6, 11, 15, 16
    return {
        "read-reply": req(20) + hdr(XS_READ, 1, 5) + put(b"hello") + TAKE,
        "reply-in-pieces": hdr(XS_WRITE, 2, 3) + TAKE + put(b"O") + TAKE + put(b"K\0") + TAKE,
        "two-messages": hdr(XS_WRITE, 1, 3) + put(b"OK\0") + hdr(XS_WATCH_EVENT, 0, 6) +
        put(b"a\0pw1\0") + TAKE + TAKE + TAKE,
        "error-reply": hdr(XS_ERROR, 3, 7) + put(b"ENOENT\0") + TAKE,
        "directory-unterminated": hdr(XS_DIRECTORY, 4, 4) + put(b"a\0bc") + TAKE,
        "transaction-id": hdr(XS_TRANSACTION_START, 5, 3) + put(b"17\0") + TAKE,
        "oversized-header": hdr(XS_READ, 6, 4097) + put(b"x") + TAKE + hdr(XS_WRITE, 7, 3) +
        put(b"OK\0") + TAKE,
        "prod-beyond-ring": prod_step(1025) + TAKE,
        "prod-backwards": hdr(XS_WRITE, 1, 3) + put(b"OK\0") + hdr(XS_READ, 2, 9) + TAKE +
        prod_step(-8) + TAKE,
        "request-ring-full": req(2000) + req(10) + cons_step(100) + req(200) + cons_step(-2000) +
        req(1),
    }


# ------------------------------------------------------------ virtio_mmio --
# the value of virtio_mmio.device=, as QEMU's microvm writes it and not
def virtio_mmio():
    return {
        "microvm": b"512@0xfeb00e00:12",
        "suffix-and-id": b"4K@0xD0000000:5:3",
        "decimal-base": b"1K@3489660928:7",
        "unaligned": b"512@0xfeb00e02:12",
        "wraps": b"16G@0xfffffffffffff000:1",
        "irq-too-big": b"512@0xfeb00e00:16",
        "truncated": b"512@0xfeb00e00:",
    }


# --------------------------------------------------------------- pci_mcfg --
# the whole table: 36-byte header, 8 reserved, 16-byte entries
def pci_mcfg():
    def table(*entries):
        body = bytes(8) + b"".join(u64(b) + u16(seg) + u8(s) + u8(e) + bytes(4)
                                   for b, seg, s, e in entries)
        return b"MCFG" + u32(36 + len(body)) + bytes(28) + body
    return {
        "q35": table((0xb0000000, 0, 0, 255)),
        "segment-1-first": table((0xc0000000, 1, 0, 15), (0xe0000000, 0, 0, 63)),
        "end-before-start": table((0xb0000000, 0, 8, 7)),
        "unaligned": table((0xb0080000, 0, 0, 1)),
        "wraps": table((0xfffffffffff00000, 0, 0, 1)),
        "no-entries": table(),
    }


# -------------------------------------------------------------- ipv4_parse --
# flags (bit 0: a prefix may follow), then the value
def ipv4_parse():
    return {
        "with-prefix": b"\x01" + b"10.0.2.20/24",
        "bare": b"\x00" + b"10.0.2.2",
        "byte-too-big": b"\x01" + b"10.0.2.256",
        "prefix-too-big": b"\x01" + b"10.0.2.2/33",
        "prefix-not-wanted": b"\x00" + b"10.0.2.2/24",
        "leading-zeros": b"\x01" + b"010.000.002.020/08",
    }


# ------------------------------------------------------------ http_request --
# a byte for the head limit (64 + 32 * n), then the bytes received
def http_request():
    return {
        "get": b"\xff" + b"GET /index.html?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "http10-keep-alive": b"\xff" + b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        "post-length": b"\xff" + b"POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        "chunked": b"\xff" + b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        "folded": b"\xff" + b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
        "escaped-dots": b"\xff" + b"GET /a/%2e%2E/b HTTP/1.1\r\nHost: a\r\n\r\n",
        "incomplete": b"\x00" + b"GET / HTTP/1.1\r\nHost: a\r\n",
        "bare-lf": b"\xff" + b"\nGET / HTTP/1.1\nHost: a\n\n",
    }


# ------------------------------------------------------------------- ustar --
# one header block, as Python's tarfile writes them (ustar and GNU)
def ustar():
    import io
    import tarfile

    def first(name, kind=tarfile.REGTYPE, fmt=tarfile.USTAR_FORMAT, size=0):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
            info = tarfile.TarInfo(name)
            info.type, info.size, info.mtime = kind, size, 1700000000
            t.addfile(info, io.BytesIO(bytes(size)) if size else None)
        return buf.getvalue()[:512]
    return {
        "file": first("www/index.html", size=797),
        "dir": first("docs/", tarfile.DIRTYPE),
        "prefix": first("p" * 120 + "/" + "n" * 90),
        "gnu": first("gnu.txt", fmt=tarfile.GNU_FORMAT, size=3),
        "symlink": first("link", tarfile.SYMTYPE),
        "zero": bytes(512),
    }


# -------------------------------------------------------------- lwip_input --
# frames, each a 2-byte little-endian length and the bytes
def lwip_input():
    import struct

    def csum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return (~s) & 0xffff

    us, gw_mac = bytes.fromhex("525400123456"), bytes.fromhex("52550a000202")

    def ip(proto, payload, src=(10, 0, 2, 2), total=None, ihl=5):
        h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total if total is not None else 20 + len(payload),
                        1, 0, 64, proto, 0, bytes(src), bytes((10, 0, 2, 15)))
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        return us + gw_mac + b"\x08\x00" + h + payload

    def echo(data=b"proteus!", src=(10, 0, 2, 2)):
        m = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + data
        m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
        return ip(1, m, src)

    def frames(*fs):
        return b"".join(struct.pack("<H", len(f)) + f for f in fs)

    tcp_syn = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 5 << 4, 0x02, 8192, 0, 0)
    good = echo()
    return {
        "echo": frames(good),
        "echo-from-beyond": frames(echo(src=(192, 0, 2, 9))),
        "runt": frames(b"\x52\x54\x00", good),
        "ip-total-beyond-frame": frames(ip(1, b"\x08\x00\x00\x00", total=1400), good),
        "ip-header-below-5-words": frames(ip(1, bytes(8), ihl=3), good),
        "tcp-offset-beyond-segment": frames(ip(6, tcp_syn[:12] + bytes([15 << 4]) + tcp_syn[13:]), good),
        "tcp-syn": frames(ip(6, tcp_syn), good),
        "udp-length-beyond": frames(ip(17, struct.pack("!HHHH", 5000, 7, 400, 0) + b"hi"), good),
        "icmp-truncated": frames(ip(1, b"\x08"), good),
        "arp-short": frames(b"\xff" * 6 + gw_mac + b"\x08\x06" + bytes(10), good),
    }


# ---------------------------------------------------------------- xenfront --
# a selector (0 mac, 1 state, 2 netif rx, 3 netif tx, 4 blkif), then its
# input: a string, or nbufs, a byte per buffer (posted if odd) and
# responses, or the id and operation in flight and responses
def xenfront():
    def rx(id, offset, flags, status): return u16(id) + u16(offset) + u16(flags) + u16(status)
    def tx(id, status): return u16(id) + u16(status)
    def blk(id, op, status):   # struct blkif_response: id, operation, pad, status, pad
        return u64(id) + u8(op) + b"\0" + u16(status) + b"\0" * 4
    return {
        "mac": b"\x00" + b"00:16:3e:7c:43:82",
        "mac-multicast": b"\x00" + b"01:00:5e:00:00:01",
        "mac-short": b"\x00" + b"00:16:3e:7c:43",
        "state-connected": b"\x01" + b"4",
        "state-out-of-range": b"\x01" + b"9",
        "rx-good-and-bad": b"\x02" + u8(4) + b"\x01\x01\x00\x01" + rx(1, 0, 0, 1514) +
                           rx(2, 0, 0, 60) + rx(3, 4000, 0, 200) + rx(0, 0, 0, -1) + rx(9, 0, 0, 60),
        "tx-good-and-bad": b"\x03" + u8(2) + b"\x01\x00" + tx(0, 0) + tx(1, 0) + tx(0, 1) + tx(2, -2),
        "blkif": b"\x04" + u64(42) + u8(1) + blk(42, 1, 0) + blk(41, 1, 0) + blk(42, 0, 0) +
                 blk(42, 1, 5),
    }


HARNESSES = {
    "cmdline": cmdline, "memmap": memmap, "madt": madt, "hypervisor": hypervisor,
    "vmi_rom": vmi_rom, "ldt_desc": ldt_desc, "xen_console_ring": xen_console_ring,
    "multiboot": multiboot, "pvh": pvh, "xen_start_info": xen_start_info, "acpi": acpi,
    "pvclock": pvclock, "xenstore": xenstore, "virtio_mmio": virtio_mmio,
    "pci_mcfg": pci_mcfg, "ipv4_parse": ipv4_parse, "http_request": http_request,
    "ustar": ustar, "lwip_input": lwip_input, "xenfront": xenfront,
}


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check:
        sys.exit(__doc__)
    differ = []
    for name, make in HARNESSES.items():
        d = os.path.join(HERE, "corpus", name)
        seeds = make()
        old = set(os.listdir(d)) if os.path.isdir(d) else set()
        for stale in sorted(old - set(seeds)):
            differ.append("%s/%s (not made here)" % (name, stale))
            if not check:
                os.remove(os.path.join(d, stale))
        os.makedirs(d, exist_ok=True)
        for seed, data in seeds.items():
            path = os.path.join(d, seed)
            same = os.path.exists(path) and open(path, "rb").read() == data
            if not same:
                differ.append("%s/%s" % (name, seed))
                if not check:
                    with open(path, "wb") as f:
                        f.write(data)
    if check and differ:
        print("seeds.py: tests/fuzz/corpus/ differs from seeds.py:", *differ, sep="\n  ")
        sys.exit(1)
    if not check:
        print("seeds.py: %d file(s) written or removed" % len(differ))


if __name__ == "__main__":
    main()
