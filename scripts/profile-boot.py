#!/usr/bin/env python3
"""Where the boot's instructions go, by function: `make profile-boot`.

make bench says how many guest instructions each boot step takes (the
`bench` option); this says which functions they are spent in, which is
what a change to the boot needs to know first. QEMU runs the image under
TCG with -icount shift=0 and logs every translation block it translates
(-d in_asm: its instructions) and every one it runs (-d exec, with
nochain so that a chained jump is logged too). Instructions per block
times runs, summed per function of the image's symbol table, from the
first instruction until the app's main is entered (the firmware before
the kernel, and everything after main, are left out).

A `rep` string instruction counts once per repetition, as -icount counts
it: QEMU runs it as a block of its own, once per repetition.

usage: profile-boot.py [--arch x86_64|i386] [--mem 64] [--append "..."]
                       [--top N] IMAGE.elf
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

ADDR = re.compile(r'^0x([0-9a-f]+):')


def symbols(elf):
    out = subprocess.run(['nm', '-n', elf], check=True, capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in 'tTwW':
            syms.append((int(p[0], 16), p[2]))
    text_end = next((a for a, n in syms if n == '__text_end'), None)
    return syms, text_end


def profile(log, syms, stop, text_end):
    """Instructions per function from a -d in_asm,exec,nochain log, and
    how often each was entered (runs of the block at its first address);
    '?' for code outside the image's text (the firmware, option ROMs)."""
    addrs = [a for a, _ in syms]
    size = {}                      # block start -> instructions in it
    runs = collections.Counter()   # block start -> times run
    start = None
    count = 0
    with open(log, errors='replace') as f:
        for line in f:
            if line.startswith('IN:'):
                start, count = None, 0
            elif line.startswith('Trace '):
                # Trace <cpu>: <host ptr> [<cs base>/<pc>/<flags>/<cflags>] <symbol>
                pc = int(line.split('[', 1)[1].split('/')[1], 16)
                if pc == stop:
                    break
                runs[pc] += 1
            else:
                m = ADDR.match(line)
                if m:
                    if start is None:
                        start = int(m.group(1), 16)
                    count += 1
                elif not line.strip() and start is not None:
                    size[start] = count   # the last translation of a block counts
                    start = None
    per_fn = collections.Counter()
    entered = collections.Counter()
    for pc, n in runs.items():
        i = bisect.bisect_right(addrs, pc) - 1
        fn = syms[i][1] if i >= 0 and pc < text_end else '?'
        per_fn[fn] += size.get(pc, 1) * n
        if i >= 0 and pc == syms[i][0]:
            entered[fn] += n
    return per_fn, entered


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('image')
    ap.add_argument('--arch', choices=['x86_64', 'i386'])
    ap.add_argument('--mem', default='64')
    ap.add_argument('--append', default='quiet')
    ap.add_argument('--top', type=int, default=30)
    a = ap.parse_args()
    arch = a.arch or ('i386' if '/i386/' in a.image else 'x86_64')
    syms, text_end = symbols(a.image)
    stop = next((addr for addr, n in syms if n == 'main'), None)
    if stop is None or text_end is None:
        sys.exit(f'profile-boot: {a.image} has no main or __text_end symbol (a stripped image?)')
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, 'qemu.log')
        cmd = [f'qemu-system-{arch}', '-display', 'none', '-no-reboot', '-serial', 'null',
               '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-m', a.mem,
               '-icount', 'shift=0', '-kernel', a.image, '-append', a.append,
               '-d', 'in_asm,exec,nochain', '-D', log]
        try:
            subprocess.run(cmd, stdin=subprocess.DEVNULL, timeout=300, check=False)
        except subprocess.TimeoutExpired:
            sys.exit('profile-boot: QEMU did not end within 300 s')
        per_fn, entered = profile(log, syms, stop, text_end)
    # The firmware and option ROMs before the kernel: make bench's
    # figures do not count them either.
    per_fn.pop('?', None)
    total = sum(per_fn.values())
    print(f'{a.image}, -m {a.mem}, "{a.append}": {total:,} guest instructions in the '
          f'image before main')
    # calls: entries at the function's first instruction (a loop that
    # jumps back to it counts too; a function that is only jumped into
    # part-way, like an assembly entry, counts 0)
    print(f'{"instructions":>12} {"share":>6} {"calls":>6}  function')
    for f, n in per_fn.most_common(a.top):
        print(f'{n:>12,} {100 * n / total if total else 0:>5.1f}% {entered[f]:>6}  {f}')


if __name__ == '__main__':
    main()
