#!/usr/bin/env python3
"""Write tests/boot/input/text-6k.txt, the known text the inputcheck rows
(tests/boot/tests.cfg) type on the console, and print the line apps/inputcheck
must answer with. The text is deterministic (a fixed linear congruential
generator, not the `random` module, whose sequence may change between Python
versions). It holds every printable ASCII byte (0x20-0x7e) on its second
line, and lines from empty to over 200 bytes long. It is larger than the
kernel's input queue (INPUT_QUEUE_SIZE, 4096 bytes), so that a row whose app
waits before reading shows that the UART holds input back rather than losing
it. Run it again only to change the text, then update the rows."""
import os
import zlib

SIZE = 6144
HERE = os.path.dirname(os.path.abspath(__file__))
PRINTABLE = bytes(range(0x20, 0x7f))


def text():
    out = bytearray(b'Proteus console input check, 6 KiB\n' + PRINTABLE + b'\n')
    state = 12345

    def rand(n):
        nonlocal state
        state = (state * 1103515245 + 12345) % 2**31
        return (state >> 16) % n   # the high bits: an LCG's low bits repeat quickly
    while True:
        # mostly short lines, now and then an empty or a long one
        kind = rand(10)
        length = 0 if kind == 0 else 120 + rand(100) if kind == 9 else rand(60)
        line = bytes(PRINTABLE[rand(len(PRINTABLE))] for _ in range(length)) + b'\n'
        if len(out) + len(line) > SIZE:
            # pad the last line so that the text is exactly SIZE bytes
            out += (PRINTABLE * 3)[:SIZE - len(out) - 1] + b'\n'
            return bytes(out)
        out += line


def main():
    data = text()
    with open(os.path.join(HERE, 'text-6k.txt'), 'wb') as f:
        f.write(data)
    print(f'inputcheck: {len(data)} bytes in N reads, crc32 0x{zlib.crc32(data):08x}, '
          f'first 0x{data[0]:02x}, last 0x{data[-1]:02x}')


if __name__ == '__main__':
    main()
