#!/usr/bin/env python3
"""Make the PVH-only variant of an image: the same ELF with its Multiboot 1
header's magic cleared. QEMU's -kernel prefers Multiboot whenever a valid
header is in the first 8 KiB (QEMU hw/i386/x86-common.c), so without this copy the
PVH entry could never be tested under QEMU. Nothing else changes.

usage: mkpvh.py IN.elf OUT.elf"""
import struct
import sys

MB1_MAGIC = 0x1BADB002


def main():
    src, dst = sys.argv[1], sys.argv[2]
    data = bytearray(open(src, "rb").read())
    for off in range(0, min(len(data), 8192) - 12, 4):
        magic, flags, csum = struct.unpack_from("<III", data, off)
        if magic == MB1_MAGIC and (magic + flags + csum) & 0xFFFFFFFF == 0:
            struct.pack_into("<I", data, off, 0)
            break
    else:
        sys.exit(f"mkpvh: no Multiboot header in the first 8 KiB of {src}")
    with open(dst, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
