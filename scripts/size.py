#!/usr/bin/env python3
"""What an image carries, by component (issue 18): the bytes of each part
of the kernel (core, arch, each personality, drivers), the libc glue,
lwIP, newlib and the app, as text, read-only data, data and BSS, from the
two GNU ld maps the build writes beside each image: the final link's
(<image>.elf.map) and that of the relocatable kernel.o it links
(kernel.o.map), which says what each kernel object put into kernel.o.

kernel.o keeps each function and object in a section of its own
(-ffunction-sections, -fdata-sections), and the final link drops those
nothing refers to (--gc-sections): each section kernel.o brings to the
image is traced by its name to the object it came from.

Loaded bytes are text + rodata + data: what the loader copies from the
file; BSS is zeroed memory on top. `make size` prints every built app's
image of both arches.

    usage: size.py [--check] IMAGE.elf [IMAGE.elf...]

--check also holds the sums against binutils' size(1) on the same file
(text = text + rodata there): exit 1, saying which, when they differ.
"""
import collections
import os
import re
import subprocess
import sys

# output section -> column
KIND = [(re.compile(r'^\.text'), 'text'), (re.compile(r'^\.rodata|^\.note'), 'rodata'),
        (re.compile(r'^\.data'), 'data'), (re.compile(r'^\.bss'), 'bss')]
COLUMNS = ('text', 'rodata', 'data', 'bss')

# an input section line: [name] address size file (the name may sit alone
# on the line before, when it is long)
INPUT = re.compile(r'^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$')
# sections whose equal entries ld merges across files (SHF_MERGE): the
# map lists them at their sizes before merging
MERGED = re.compile(r'^\.rodata\.(str|cst)')
NAME_ONLY = re.compile(r'^ (\S+)$')
OUTPUT = re.compile(r'^(\.\S+)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+))?')


def kind_of(section):
    for rx, k in KIND:
        if rx.search(section):
            return k
    return None


def read_map(path, whole=None, every=False):
    """{(file, kind, input section): bytes} of the sections a map's output
    sections hold; the output sections' own sizes added up by kind into
    `whole`. every: sections of any output section too (kind None): a
    relocatable link's output sections keep their inputs' names."""
    sizes = collections.Counter()
    out = None
    pending = None
    in_memory_map = False
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('Linker script and memory map'):
                in_memory_map = True
                continue
            if not in_memory_map:
                continue
            m = OUTPUT.match(line)
            if m and not line.startswith(' '):
                out = kind_of(m.group(1)) or (every and 'any')
                if out and m.group(3) and whole is not None:
                    whole[out] += int(m.group(3), 16)
                pending = None
                continue
            m = NAME_ONLY.match(line)
            if m and not m.group(1).startswith('0x') and not m.group(1).startswith('*'):
                pending = m.group(1)
                continue
            m = INPUT.match(line)
            if m and out:
                size = int(m.group(3), 16)
                what = m.group(4).strip()
                if size and not what.startswith(('load address', '[')):
                    sizes[(what, None if out == 'any' else out, m.group(1) or pending)] += size
                pending = None
    return sizes


def component(obj, app):
    """The part of the image an input file belongs to."""
    o = obj.replace('\\', '/')
    m = re.search(r'/obj/pv/(native|kvm|vmi|xen)/', o)
    if m:
        return f'personality {m.group(1)}'
    for pat, name in ((r'/obj/arch/', 'arch'), (r'/obj/drivers/|devclass\.a\(drivers__', 'drivers'),
                      (r'/obj/(kernel|lib|pv)/|devclass\.a\(kernel__', 'kernel core'),
                      (r'/kernel/libc/|libc-glue\.a', 'libc glue'),
                      (r'printf-integer\.a', 'newlib'),   # the jumps to its integer variants
                      (r'liblwip\.a', 'lwIP'), (r'lib(c|m)\.a', 'newlib'),
                      (rf'/apps/{re.escape(app)}/ksyms\.o', 'symbol table'),
                      (rf'/apps/{re.escape(app)}/', 'app'), (r'libgcc', 'libgcc')):
        if re.search(pat, o):
            return name
    return 'other'


def share_out(total, weights):
    """`total` split over [(key, weight)] in proportion, the rounding left
    to the last: [(key, share)]."""
    whole = sum(w for _, w in weights)
    out, left = [], total
    for i, (key, w) in enumerate(weights):
        share = left if i == len(weights) - 1 else total * w // whole
        out.append((key, share))
        left -= share
    return out


def breakdown(image):
    app = os.path.basename(image)[:-len('.elf')]
    final = image + '.map'
    kmap = os.path.join(os.path.dirname(image), 'kernel.o.map')
    for p in (final, kmap):
        if not os.path.isfile(p):
            raise SystemExit(f'size: {p} is missing (built before maps were written? make clean && make)')
    parts = collections.defaultdict(collections.Counter)
    merged = collections.defaultdict(collections.Counter)   # string and constant pools
    whole = collections.Counter()
    # kernel.o's sections by name: the objects each came from, with their
    # sizes (sections of the same name from several objects, a static
    # function's, are one section in kernel.o: shared out by those sizes)
    origin = collections.defaultdict(list)
    for (what, kind, section), size in read_map(kmap, every=True).items():
        origin[section].append((what, size))
    for (what, kind, section), size in read_map(final, whole).items():
        into = merged if MERGED.match(section or '') else parts
        if not what.endswith('kernel.o'):
            into[component(what, app)][kind] += size
            continue
        for obj, share in share_out(size, origin.get(section) or [(what, 1)]):
            into[component(obj, app)][kind] += share
    for kind in COLUMNS:
        # The map gives a string pool's size before ld merged equal
        # strings across files: what the pools still hold (no more than
        # the output sections leave for them) is shared out over them by
        # their sizes.
        gap = whole[kind] - sum(c[kind] for c in parts.values())
        pools = [(comp, c[kind]) for comp, c in merged.items() if c[kind]]
        keep = max(0, min(sum(n for _, n in pools), gap))
        for comp, share in share_out(keep, pools):
            parts[comp][kind] += share
        # what the output sections hold beyond their inputs: alignment
        # padding, linker-made tables
        gap = whole[kind] - sum(c[kind] for c in parts.values())
        if gap > 0:
            parts['alignment, linker'][kind] += gap
    return parts


def check(image, sums):
    """The sums against size(1)'s Berkeley line: a list of differences."""
    out = subprocess.run(['size', image], capture_output=True, text=True, check=True).stdout
    text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
    ours = {'text': sums['text'] + sums['rodata'], 'data': sums['data'], 'bss': sums['bss']}
    theirs = {'text': text, 'data': data, 'bss': bss}
    return [f'{k}: {ours[k]:,} here, {theirs[k]:,} by size(1)' for k in ours if ours[k] != theirs[k]]


def given_back(image):
    """The BSS kernel_main gives to the frame allocator once it has left
    the boot stack (kernel.ld, .bss..boot_only)."""
    out = subprocess.run(['nm', image], check=True, capture_output=True, text=True).stdout
    sym = {p[2]: int(p[0], 16) for p in (l.split() for l in out.splitlines()) if len(p) == 3}
    lo, hi = sym.get('__boot_only_start'), sym.get('__boot_only_end')
    if lo is None or hi is None:
        return 0
    return hi - lo


def main(argv):
    checking = '--check' in argv[1:]
    images = [a for a in argv[1:] if a != '--check']
    if not images:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    status = 0
    for image in images:
        parts = breakdown(image)
        print(f'{image}')
        print(f'  {"component":<22}' + ''.join(f'{c:>10}' for c in COLUMNS) + f'{"loaded":>10}')
        sums = collections.Counter()
        for comp in sorted(parts, key=lambda c: -sum(parts[c][k] for k in COLUMNS)):
            c = parts[comp]
            loaded = c['text'] + c['rodata'] + c['data']
            sums.update({k: c[k] for k in COLUMNS})
            print(f'  {comp:<22}' + ''.join(f'{c[k]:>10,}' for k in COLUMNS) + f'{loaded:>10,}')
        loaded = sums['text'] + sums['rodata'] + sums['data']
        print(f'  {"all":<22}' + ''.join(f'{sums[k]:>10,}' for k in COLUMNS) + f'{loaded:>10,}')
        back = given_back(image)
        if back:
            print(f'  of the BSS, {back:,} bytes (the boot stack, the entry\'s page tables) go '
                  f'to the frame allocator after boot; {sums["bss"] - back:,} stay')
        shipped = image[:-len('.elf')] + '.deploy.elf'
        print(f'  file {os.path.getsize(image):,} bytes (symbols included)' +
              (f'; as shipped ({os.path.basename(shipped)}, symbols in .debug) '
               f'{os.path.getsize(shipped):,} bytes' if os.path.exists(shipped) else ''))
        if checking:
            wrong = check(image, sums)
            for w in wrong:
                print(f'size: {image}: the components do not add up to the file\'s sections: {w}')
            status |= bool(wrong)
            if not wrong:
                print(f'size: {image}: the components add up to size(1)\'s text, data and bss')
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))
