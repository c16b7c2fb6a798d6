#!/usr/bin/env python3
"""The disk of the file rows: a ustar archive (POSIX.1-2017, XCU pax, "ustar
Interchange Format"), as a user makes one with `tar --format=ustar`, for
the read-only file system apps see at / (kernel/libc/files.c). Its members
are the ones selftest's files.* cases (apps/selftest/test_files.c) and
http_check.py's disk checks expect:

    hello.txt                 HELLO
    docs/                     a directory
    docs/pattern.bin          PATTERN_SIZE bytes of pattern()
    www/index.html            PAGE
    deep/<60 d>/<60 e>.txt    "deep\\n" (its path needs the header's prefix field)
    link -> hello.txt         a symbolic link, which the file system skips

    usage: tar_image.py PATH [MiB]    (default 4 MiB, zeros after the archive)
"""
import io
import sys
import tarfile

HELLO = b'Hello from a ustar disk.\n'
PATTERN_SIZE = 200000
PAGE = b'<!DOCTYPE html>\n<title>from the disk</title>\n<p>Served from the ustar file system.</p>\n'
DEEP = 'deep/' + 'd' * 60 + '/' + 'e' * 60 + '.txt'


def pattern():
    return bytes((i * 13 + i // 509) & 0xff for i in range(PATTERN_SIZE))


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().split('\n\n')[-1], file=sys.stderr)
        return 2
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.USTAR_FORMAT) as t:
        def add(name, data=None, kind=tarfile.REGTYPE, target=''):
            info = tarfile.TarInfo(name)
            info.type, info.mtime, info.mode = kind, 1700000000, 0o755 if kind == tarfile.DIRTYPE else 0o644
            info.linkname = target
            info.size = len(data) if data is not None else 0
            t.addfile(info, io.BytesIO(data) if data is not None else None)
        add('hello.txt', HELLO)
        add('docs', kind=tarfile.DIRTYPE)
        add('docs/pattern.bin', pattern())
        add('www/index.html', PAGE)
        add(DEEP, b'deep\n')
        add('link', kind=tarfile.SYMTYPE, target='hello.txt')
    data = buf.getvalue()
    size = (int(argv[2]) if len(argv) > 2 else 4) << 20
    with open(argv[1], 'wb') as f:
        f.write(data)
        f.truncate(max(size, len(data)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
