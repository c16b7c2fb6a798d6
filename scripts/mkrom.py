#!/usr/bin/env python3
"""Make, damage and check VMI shim ROMs (the layout: pv/vmi/abi.h).

  mkrom.py --arch ARCH -o OUT.rom SHIM.bin
      Make a ROM from a linked shim, flattened from offset 0
      (objcopy -O binary): pad it to whole 512-byte blocks, set the length
      byte (offset 2) and the checksum byte (offset 0x1f, unused space
      before the VMI header) so that all length*512 bytes sum to 0, then
      check every field as the kernel would and refuse to write a ROM the
      kernel would refuse. For vmi-native also: each inline call's entry
      is its inline bytes followed by `ret`.
  mkrom.py --damage REASON -o OUT.rom IN.rom
      A copy damaged on purpose, for the kernel's refusal tests; all but
      `checksum` keep the checksum correct:
        checksum   the bytes no longer sum to 0
        truncated  image_size reaches beyond length*512
        major      abi_major is 2
        missing    SAVE_FLAGS, a required call, is ABSENT
  mkrom.py --no-inline -o OUT.rom IN.rom
      A copy in which every inline call is a plain call instead (the
      entry does the same): make bench measures what inlining saves.
  mkrom.py --no-guest-clock -o OUT.rom IN.rom
      A copy whose header no longer sets VMI_FEATURE_GUEST_CLOCK: a shim
      that keeps time itself, under which the kernel must not mix in a
      paravirtual clock even where the hypervisor offers one.
  mkrom.py --old-abi 1.0|1.1 -o OUT.rom IN.rom
      A copy that says it speaks an older minor version: abi_minor set,
      the slots of every call a later minor version added made ABSENT (an
      older shim has none of them: ABI 1.2's VCPU_START_AP), and for 1.0
      no feature bits. A kernel must run on it with what that version
      offers (one vCPU below 1.2).
  mkrom.py --check FILE [--arch ARCH] [--expect REASON] [--quiet]
      Print the header and call table and exit 1 if the kernel would
      refuse the ROM, with the reasons. With --expect, exit 0 only if the
      ROM is refused, for exactly that reason (and no other).

Constants, call numbers and call flags are read from pv/vmi/abi.h, so this
script and the C side cannot disagree about them. The struct layouts are
restated below (pv/vmi/shim/init.c checks the sizes at compile time).
"""
import argparse
import os
import re
import struct
import sys

ABI_H = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pv", "vmi", "abi.h")
CHECKSUM_BYTE = 0x1f
PAGE = 4096
RET = 0xc3

# struct vmi_rom_header (packed, little-endian), at VMI_HEADER_OFFSET
HEADER_FMT = "<IHHHBBIIIIIIIHHIII"
HEADER_FIELDS = ("magic abi_major abi_minor header_size arch reserved0 image_size text_size "
                 "data_offset data_size init_offset calls_offset ncalls name_offset "
                 "license_offset features fixups_offset nfixups").split()
HEADER_SIZE = struct.calcsize(HEADER_FMT)   # 56


def field_offset(name):
    """Offset of a header field from the header's start."""
    return struct.calcsize("<" + HEADER_FMT[1:1 + HEADER_FIELDS.index(name)])


# struct vmi_call {u32 entry; u8 kind; u8 len; u8 bytes[VMI_INLINE_MAX]}
CALL_FMT = "<IBB"
KINDS = {0: "ABSENT", 1: "CALL", 2: "INLINE", 3: "NOP"}
ARCHES = {"i386": 1, "x86_64": 2}
DAMAGES = ("checksum", "truncated", "major", "missing")


class Abi:
    """The numbers of pv/vmi/abi.h."""

    def __init__(self, path=ABI_H):
        with open(path) as f:
            text = f.read()
        self.const = {}
        for name, value in re.findall(r"^#define\s+(VMI_\w+)\s+(0x[0-9a-fA-F]+|\d+)u?\b",
                                      text, re.M):
            self.const[name] = int(value, 0)
        body = re.search(r"#define VMI_CALL_LIST\(X\)(.*?)\n\n", text, re.S).group(1)
        self.calls = {}   # number -> (name, flags)
        for num, name, flags in re.findall(r"X\((\d+),\s*(\w+),\s*([^)]*)\)", body):
            value = 0
            for word in flags.split("|"):
                word = word.strip()
                value |= self.const[word] if word.startswith("VMI_") else int(word, 0)
            self.calls[int(num)] = (name, value)
        self.by_name = {name: num for num, (name, _) in self.calls.items()}

    def __getattr__(self, name):
        try:
            return self.const["VMI_" + name]
        except KeyError:
            raise AttributeError(name)


def since_minor(flags, abi):
    """The minor version that added a call with these flags (0: 1.0)."""
    return 2 if flags & abi.SINCE_1_2 else 0


def header_of(rom, abi):
    off = abi.HEADER_OFFSET
    if len(rom) < off + HEADER_SIZE:
        return None
    return dict(zip(HEADER_FIELDS, struct.unpack_from(HEADER_FMT, rom, off)))


def calls_of(rom, h, abi):
    """(number, entry, kind, len, bytes) of every slot inside the file."""
    out = []
    size = 6 + abi.INLINE_MAX
    for n in range(h["ncalls"]):
        off = h["calls_offset"] + n * size
        if off + size > len(rom):
            break
        entry, kind, length = struct.unpack_from(CALL_FMT, rom, off)
        out.append((n, entry, kind, length, bytes(rom[off + 6:off + size])))
    return out


def c_string(rom, off, limit):
    """The NUL-terminated printable string at off, or an error text."""
    if off == 0 or off >= len(rom):
        return None, "offset 0x%x is outside the ROM" % off
    end = rom.find(b"\0", off, off + limit + 1)
    if end < 0:
        return None, "not NUL-terminated within %d characters" % limit
    if end == off:
        return None, "empty"
    s = bytes(rom[off:end])
    if not all(0x20 <= c < 0x7f for c in s):
        return None, "not printable ASCII"
    return s.decode("ascii"), None


def check(rom, abi, arch=None):
    """The kernel's view: a list of (reason, message) refusals, and warnings."""
    refusals, warnings = [], []

    def refuse(reason, msg):
        refusals.append((reason, msg))

    if len(rom) < 3 or struct.unpack_from("<H", rom, 0)[0] != abi.ROM_SIGNATURE:
        refuse("signature", "no option-ROM signature 0xAA55 at offset 0")
        return refusals, warnings
    length = rom[2] * abi.ROM_BLOCK
    if length < abi.HEADER_OFFSET + HEADER_SIZE or length > len(rom):
        refuse("length", "length byte says %d bytes, the file has %d" % (length, len(rom)))
        return refusals, warnings
    rom = rom[:length]   # all the kernel sees
    total = sum(rom) & 0xff
    if total:
        refuse("checksum", "the %d bytes sum to 0x%02x, not 0" % (length, total))
    h = header_of(rom, abi)
    if h is None or h["magic"] != abi.MAGIC:
        refuse("magic", "no VMI magic 0x%08x at offset 0x%x" % (abi.MAGIC, abi.HEADER_OFFSET))
        return refusals, warnings
    if h["abi_major"] != abi.ABI_MAJOR:
        refuse("major", "ABI %d.%d, the kernel speaks %d.x"
               % (h["abi_major"], h["abi_minor"], abi.ABI_MAJOR))
        return refusals, warnings   # nothing else can be read the 1.x way
    if h["header_size"] < HEADER_SIZE or abi.HEADER_OFFSET + h["header_size"] > length:
        refuse("header", "header_size %d is smaller than ABI 1.0's %d or runs past the ROM"
               % (h["header_size"], HEADER_SIZE))
    if h["arch"] not in ARCHES.values():
        refuse("header", "arch %d is neither i386 (1) nor x86_64 (2)" % h["arch"])
    elif arch and h["arch"] != ARCHES[arch]:
        refuse("arch", "arch %d is not %s's %d" % (h["arch"], arch, ARCHES[arch]))
    if h["features"] & ~abi.FEATURES_KNOWN:
        warnings.append("features 0x%x: bits 0x%x are not defined in %d.%d (a kernel ignores them)"
                        % (h["features"], h["features"] & ~abi.FEATURES_KNOWN, abi.ABI_MAJOR,
                           abi.ABI_MINOR))

    image, text = h["image_size"], h["text_size"]
    table_end = h["calls_offset"] + h["ncalls"] * (6 + abi.INLINE_MAX)
    if image > length:
        refuse("truncated", "image_size 0x%x reaches beyond the ROM's 0x%x bytes" % (image, length))
    if table_end > length:
        refuse("truncated", "the call table [0x%x, 0x%x) reaches beyond the ROM's 0x%x bytes"
               % (h["calls_offset"], table_end, length))
    if not 0 < text <= image:
        refuse("header", "text_size 0x%x is not within image_size 0x%x" % (text, image))
    if h["data_offset"] % PAGE or h["data_offset"] < text:
        refuse("header", "data_offset 0x%x is not a page boundary at or after text_size 0x%x"
               % (h["data_offset"], text))
    if h["data_size"] % PAGE:
        warnings.append("data_size 0x%x is not whole pages" % h["data_size"])
    if h["data_offset"] + h["data_size"] > image:
        refuse("header", "data [0x%x, 0x%x) reaches beyond image_size 0x%x"
               % (h["data_offset"], h["data_offset"] + h["data_size"], image))
    if not 0 < h["init_offset"] < text:
        refuse("header", "init_offset 0x%x is not in the code (0x%x bytes)"
               % (h["init_offset"], text))
    if table_end > image and table_end <= length:
        refuse("truncated", "the call table ends at 0x%x, beyond image_size 0x%x"
               % (table_end, image))
    fix_end = h["fixups_offset"] + h["nfixups"] * 8
    if fix_end > text:
        refuse("header", "the fixup table [0x%x, 0x%x) reaches beyond the code (0x%x bytes)"
               % (h["fixups_offset"], fix_end, text))
    else:
        for i in range(h["nfixups"]):
            insn, resume = struct.unpack_from("<II", rom, h["fixups_offset"] + 8 * i)
            if insn >= text or resume >= text:
                refuse("header", "fixup %d (0x%x -> 0x%x) is outside the code" % (i, insn, resume))
    for field, limit in (("name_offset", 31), ("license_offset", 63)):
        s, err = c_string(rom[:min(image, length)], h[field], limit)
        if err:
            refuse("header", "%s: %s" % (field, err))

    present = set()
    for n, entry, kind, ln, raw in calls_of(rom, h, abi):
        name, flags = abi.calls.get(n, ("#%d" % n, 0))
        if n not in abi.calls:
            if kind != 0:
                warnings.append("call %d is not in ABI %d.%d's list (ignored)"
                                % (n, abi.ABI_MAJOR, abi.ABI_MINOR))
            continue
        if since_minor(flags, abi) > h["abi_minor"]:
            if kind != 0:
                warnings.append("call %d %s came in %d.%d; in a %d.%d ROM its slot means "
                                "nothing (ignored)" % (n, name, abi.ABI_MAJOR,
                                                       since_minor(flags, abi), h["abi_major"],
                                                       h["abi_minor"]))
            continue
        if kind not in KINDS:
            refuse("call", "call %d %s: kind %d is not defined" % (n, name, kind))
            continue
        if kind == 0:
            continue
        present.add(n)
        if kind in (1, 2) and not 0 < entry < text:
            refuse("call", "call %d %s: entry 0x%x is not in the code" % (n, name, entry))
        if kind == 2 and not 1 <= ln <= abi.INLINE_MAX:
            refuse("call", "call %d %s: %d inline bytes (1-%d)" % (n, name, ln, abi.INLINE_MAX))
        if kind == 3 and flags & (abi.RESULT | abi.NORETURN):
            refuse("call", "call %d %s returns a value or does not return: it cannot be a NOP"
                   % (n, name))
    for n, (name, flags) in sorted(abi.calls.items()):
        if flags & abi.REQUIRED and n not in present:
            refuse("missing", "required call %d %s is ABSENT" % (n, name))
    return refusals, warnings


def show(rom, abi):
    h = header_of(rom, abi)
    print("length %d blocks (%d bytes), byte sum 0x%02x"
          % (rom[2], rom[2] * abi.ROM_BLOCK, sum(rom[:rom[2] * abi.ROM_BLOCK]) & 0xff))
    if h is None:
        return
    for k in HEADER_FIELDS:
        if k != "reserved0":
            print("  %-15s 0x%x" % (k, h[k]))
    for field in ("name_offset", "license_offset"):
        s, err = c_string(rom, h[field], 63)
        print("  %-15s %s" % (field.split("_")[0], repr(s) if s is not None else "(%s)" % err))
    if h["magic"] != abi.MAGIC or h["abi_major"] != abi.ABI_MAJOR:
        return
    print("  calls:")
    for n, entry, kind, ln, raw in calls_of(rom, h, abi):
        if n not in abi.calls and kind == 0:
            continue
        name, flags = abi.calls.get(n, ("?", 0))
        note = " ".join(w for w, bit in (("required", abi.REQUIRED), ("result", abi.RESULT),
                                        ("noreturn", abi.NORETURN), ("1.2", abi.SINCE_1_2))
                        if flags & bit)
        what = KINDS.get(kind, "kind %d" % kind)
        if kind in (1, 2):
            what += " 0x%04x" % entry
        if kind == 2:
            what += " [%s]" % " ".join("%02x" % b for b in raw[:ln])
        print("    %2d %-22s %-36s %s" % (n, name, what, note))


def report(path, rom, abi, arch, expect, quiet):
    refusals, warnings = check(rom, abi, arch)
    if not quiet:
        show(rom, abi)
    for w in warnings:
        print("mkrom: %s: warning: %s" % (path, w), file=sys.stderr)
    reasons = {r for r, _ in refusals}
    if expect:
        if reasons == {expect}:
            if not quiet:
                for r, msg in refusals:
                    print("mkrom: %s: refused (%s): %s" % (path, r, msg))
                print("mkrom: %s: refused for %s, as it should be" % (path, expect))
            return 0
        for r, msg in refusals:
            print("mkrom: %s: refused (%s): %s" % (path, r, msg), file=sys.stderr)
        print("mkrom: %s: expected a refusal for %s only, got %s"
              % (path, expect, ", ".join(sorted(reasons)) or "none"), file=sys.stderr)
        return 1
    for r, msg in refusals:
        print("mkrom: %s: refused (%s): %s" % (path, r, msg), file=sys.stderr)
    if not refusals and not quiet:
        print("mkrom: %s: acceptable to the kernel" % path)
    return 1 if refusals else 0


def fix_checksum(rom):
    rom[CHECKSUM_BYTE] = 0
    rom[CHECKSUM_BYTE] = -sum(rom) & 0xff


def build(binary, arch, abi):
    rom = bytearray(binary)
    h = header_of(rom, abi)
    if h is None or h["magic"] != abi.MAGIC:
        sys.exit("mkrom: the input has no VMI header at 0x%x" % abi.HEADER_OFFSET)
    if h["image_size"] != len(rom):
        sys.exit("mkrom: image_size 0x%x is not the %d bytes of the input (shim.ld keeps "
                 "the whole image in the file)" % (h["image_size"], len(rom)))
    if rom[2] or rom[CHECKSUM_BYTE]:
        sys.exit("mkrom: bytes 2 and 0x%x must be left 0 for the length and checksum"
                 % CHECKSUM_BYTE)
    blocks = -(-len(rom) // abi.ROM_BLOCK)
    if blocks > 255:
        sys.exit("mkrom: %d bytes do not fit in an option ROM (255 blocks)" % len(rom))
    rom += bytes(blocks * abi.ROM_BLOCK - len(rom))
    rom[2] = blocks
    fix_checksum(rom)
    # vmi-native's own promise: an inline call's entry does the same.
    for n, entry, kind, ln, raw in calls_of(rom, h, abi):
        if kind == 2 and bytes(rom[entry:entry + ln + 1]) != raw[:ln] + bytes([RET]):
            sys.exit("mkrom: call %d %s: the entry at 0x%x is %s, not the inline bytes and ret"
                     % (n, abi.calls[n][0], entry, rom[entry:entry + ln + 1].hex()))
    refusals, _ = check(rom, abi, arch)
    for r, msg in refusals:
        print("mkrom: refused (%s): %s" % (r, msg), file=sys.stderr)
    if refusals:
        sys.exit("mkrom: not writing a ROM the kernel would refuse")
    return rom


def damage(rom, how, abi):
    rom = bytearray(rom)
    hdr = abi.HEADER_OFFSET
    if how == "checksum":
        rom[CHECKSUM_BYTE] = (rom[CHECKSUM_BYTE] + 1) & 0xff
        return rom
    if how == "truncated":
        struct.pack_into("<I", rom, hdr + field_offset("image_size"),
                         rom[2] * abi.ROM_BLOCK + abi.ROM_BLOCK)
    elif how == "major":
        struct.pack_into("<H", rom, hdr + field_offset("abi_major"), abi.ABI_MAJOR + 1)
    elif how == "missing":
        h = header_of(rom, abi)
        slot = h["calls_offset"] + abi.by_name["SAVE_FLAGS"] * (6 + abi.INLINE_MAX)
        rom[slot:slot + 6 + abi.INLINE_MAX] = bytes(6 + abi.INLINE_MAX)
    fix_checksum(rom)
    return rom


def no_inline(rom, abi):
    rom = bytearray(rom)
    h = header_of(rom, abi)
    size = 6 + abi.INLINE_MAX
    for n in range(h["ncalls"]):
        slot = h["calls_offset"] + n * size
        if rom[slot + 4] == abi.CALL_INLINE:
            rom[slot + 4] = abi.CALL_CALL
            rom[slot + 5:slot + size] = bytes(size - 5)
    fix_checksum(rom)
    return rom


def no_guest_clock(rom, abi):
    rom = bytearray(rom)
    at = abi.HEADER_OFFSET + field_offset("features")
    (features,) = struct.unpack_from("<I", rom, at)
    struct.pack_into("<I", rom, at, features & ~abi.FEATURE_GUEST_CLOCK)
    fix_checksum(rom)
    return rom


def old_abi(rom, version, abi):
    major, minor = (int(x) for x in version.split("."))
    if major != abi.ABI_MAJOR or minor >= abi.ABI_MINOR:
        sys.exit("mkrom: --old-abi %s is not an older minor version of %d.%d"
                 % (version, abi.ABI_MAJOR, abi.ABI_MINOR))
    rom = bytearray(rom)
    hdr = abi.HEADER_OFFSET
    struct.pack_into("<H", rom, hdr + field_offset("abi_minor"), minor)
    if minor == 0:
        struct.pack_into("<I", rom, hdr + field_offset("features"), 0)
    h = header_of(rom, abi)
    size = 6 + abi.INLINE_MAX
    for n, (name, flags) in abi.calls.items():
        if since_minor(flags, abi) > minor and n < h["ncalls"]:
            slot = h["calls_offset"] + n * size
            rom[slot:slot + size] = bytes(size)
    fix_checksum(rom)
    return rom


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("input", nargs="?", help="the shim binary, or the ROM to damage")
    p.add_argument("-o", "--output")
    p.add_argument("--arch", choices=sorted(ARCHES))
    p.add_argument("--damage", choices=DAMAGES)
    p.add_argument("--no-inline", action="store_true", help="make every inline call a plain call")
    p.add_argument("--no-guest-clock", action="store_true",
                   help="clear VMI_FEATURE_GUEST_CLOCK (the shim keeps time itself)")
    p.add_argument("--old-abi", metavar="VERSION", choices=("1.0", "1.1"),
                   help="say this older minor version, without the calls it lacks")
    p.add_argument("--check", metavar="FILE")
    p.add_argument("--expect", help="with --check: the one reason the ROM must be refused for")
    p.add_argument("--quiet", action="store_true", help="with --check: print only refusals")
    args = p.parse_args()
    abi = Abi()

    if args.check:
        with open(args.check, "rb") as f:
            rom = f.read()
        sys.exit(report(args.check, rom, abi, args.arch, args.expect, args.quiet))
    if not args.input or not args.output:
        p.error("an input and -o are needed (or --check FILE)")
    with open(args.input, "rb") as f:
        data = f.read()
    if args.damage:
        out = damage(data, args.damage, abi)
    elif args.no_inline:
        out = no_inline(data, abi)
    elif args.no_guest_clock:
        out = no_guest_clock(data, abi)
    elif args.old_abi:
        out = old_abi(data, args.old_abi, abi)
    else:
        if not args.arch:
            p.error("--arch is needed to build a ROM")
        out = build(data, args.arch, abi)
    with open(args.output, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
