#!/usr/bin/env python3
"""A disk image for the block rows, and the check of what the guest wrote
into it (selftest's blk.write_read and blk.dev_node, apps/selftest/
test_blk.c): 160 sectors from sector 2048, byte j of sector s being
(s * 31 + j) & 0xff, the first 16 bytes "proteus-blk-test"; and, through
/dev/blk0, 3000 bytes from 100 bytes into the next sector, byte k being
(k * 7 + 3) & 0xff, the first 16 "proteus-dev-node"; every other byte
still zero.

    usage: blk_image.py make PATH [MiB]   a zeroed raw image (default 4 MiB)
           blk_image.py check PATH        exit 0 if the pattern is there
"""
import sys

BASE, COUNT, SECTOR, MARK = 2048, 160, 512, b'proteus-blk-test'
DEV_OFF, DEV_LEN, DEV_MARK = (BASE + COUNT) * SECTOR + 100, 3000, b'proteus-dev-node'


def expected():
    out = bytearray((s * 31 + j) & 0xff for s in range(BASE, BASE + COUNT) for j in range(SECTOR))
    out[:len(MARK)] = MARK
    return bytes(out)


def dev_expected():
    out = bytearray((k * 7 + 3) & 0xff for k in range(DEV_LEN))
    out[:len(DEV_MARK)] = DEV_MARK
    return bytes(out)


def image(size):
    """A whole disk of `size` bytes as the guest leaves it: zeroes, and
    both patterns (the xl rows compare dom0's sha256 of the disk with
    this one's)."""
    disk = bytearray(size)
    disk[BASE * SECTOR:(BASE + COUNT) * SECTOR] = expected()
    disk[DEV_OFF:DEV_OFF + DEV_LEN] = dev_expected()
    return bytes(disk)


def main(argv):
    if len(argv) >= 3 and argv[1] == 'make':
        with open(argv[2], 'wb') as f:
            f.truncate((int(argv[3]) if len(argv) > 3 else 4) << 20)
        return 0
    if len(argv) == 3 and argv[1] == 'check':
        data = open(argv[2], 'rb').read()
        got = data[BASE * SECTOR:(BASE + COUNT) * SECTOR]
        if got != expected():
            bad = next(i for i, (a, b) in enumerate(zip(got, expected())) if a != b) if len(got) == COUNT * SECTOR else 0
            print(f'blk_image: the pattern differs from byte {bad} of sector {BASE} on')
            return 1
        if data[DEV_OFF:DEV_OFF + DEV_LEN] != dev_expected():
            print(f'blk_image: the bytes written through /dev/blk0 at {DEV_OFF} differ')
            return 1
        rest = data[:BASE * SECTOR] + data[(BASE + COUNT) * SECTOR:DEV_OFF] + data[DEV_OFF + DEV_LEN:]
        if rest.count(0) != len(rest):
            print('blk_image: bytes outside the pattern were written')
            return 1
        print(f'blk_image: {COUNT} sectors at {BASE} hold the pattern, {DEV_LEN} bytes at {DEV_OFF} '
              f'the /dev/blk0 one; nothing else was written')
        return 0
    print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
