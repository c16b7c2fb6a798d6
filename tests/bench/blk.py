#!/usr/bin/env python3
"""make bench's block throughput (issue 17): 64 MiB written sequentially to
a virtio-blk disk and read back, 1 MiB per request, by Proteus (apps/blkbench,
through the kernel's block layer) and by Linux (busybox dd with O_DIRECT, so
that neither side's figure is a page cache's), in the same QEMU machine
(tests/bench/peer.py) and with the same disk: a raw file, preallocated anew
for each side, cache=writeback (QEMU's default: reads come from the host's
page cache, each side's closing flush reaches the host's disk). The write's
time includes that flush on both sides. Each boot makes ROUNDS rounds; the
median is shown, so the first round's translation of cold code weighs no
more than noise.

Figures only: nothing here passes or fails on a number. It exits 1 when a
figure could not be measured (a VM did not boot, the disk was refused, the
console said nothing parsable), saying why.

    usage: tests/bench/blk.py [--rounds N] [--image build/x86_64/blkbench.elf]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

import peer

MIB = 64
TIMEOUT = 300
DISK = ['-drive', 'file={disk},if=none,id=d0,format=raw,cache=writeback', '-device', 'virtio-blk-pci,drive=d0']
PROTEUS_LINE = re.compile(r'^blkbench: (write|read) (\d+) MiB in ([\d.]+) ms', re.M)
LINUX_LINE = re.compile(r'^bench-linux: (write|read) (\d+) MiB in (\d+) ns', re.M)


def run(cmd):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors='replace',
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors='replace') if isinstance(e.stdout, bytes) else (e.stdout or '')
        raise peer.BenchError(f'QEMU did not end within {TIMEOUT} s:\n{peer.tail(out)}')
    return p.returncode, p.stdout + p.stderr


def seconds(console, line, unit, rounds):
    """{'write': [s...], 'read': [s...]} from the console, or BenchError."""
    got = {'write': [], 'read': []}
    for what, mib, t in line.findall(console):
        if int(mib) != MIB:
            raise peer.BenchError(f'the guest moved {mib} MiB, not {MIB}')
        got[what].append(float(t) / unit)
    if len(got['write']) != rounds or len(got['read']) != rounds:
        raise peer.BenchError(f'{len(got["write"])} write and {len(got["read"])} read figures of '
                              f'{rounds}:\n{peer.tail(console)}')
    return got


def one_side(side, accel, image, rounds, work):
    disk = os.path.join(work, f'{side}.img')
    with open(disk, 'wb') as f:   # preallocated: neither side pays for the host's block allocation
        f.write(bytes((MIB + 1) << 20))
    devices = [a.format(disk=disk) for a in DISK]
    if side == 'proteus':
        cmd = peer.machine(accel, *devices) + peer.proteus(image, f'quiet -- mib={MIB} rounds={rounds}')
        ok, unit, line = 1, 1e3, PROTEUS_LINE   # isa-debug-exit: status 0 ends QEMU with 1
    else:
        cmd = peer.machine(accel, *devices) + peer.linux(f'blk blkrounds={rounds}')
        ok, unit, line = 0, 1e9, LINUX_LINE     # power-off
    rc, console = run(cmd)
    if rc != ok:
        raise peer.BenchError(f'QEMU ended with {rc}, not {ok}:\n{peer.tail(console)}')
    return seconds(console, line, unit, rounds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--image', default=os.environ.get('BENCH_BLK_IMAGE',
                                                      os.path.join(peer.BUILD, 'x86_64', 'blkbench.elf')),
                    help='the Proteus image (default build/x86_64/blkbench.elf; env BENCH_BLK_IMAGE)')
    args = ap.parse_args()
    failed = False
    for accel, problem in peer.accels():
        if problem:
            print(f'  KVM: not available here ({problem})')
            continue
        print(f'  under {accel.upper()}: -M pc -cpu {peer.CPU[accel]} -m {peer.MEM} -smp 1, virtio-blk-pci, raw '
              f'file, cache=writeback; {MIB} MiB in 1 MiB requests, median of {args.rounds} rounds')
        print(f'        {"side":<9} {"write MiB/s":>12} {"read MiB/s":>12}')
        rates = {}
        with peer.workdir() as work:
            for side in ('proteus', 'linux'):
                try:
                    if side == 'proteus' and not os.path.isfile(args.image):
                        raise peer.BenchError(f'{args.image} missing (make builds it)')
                    secs = one_side(side, accel, args.image, args.rounds, work)
                except peer.BenchError as e:
                    print(f'        {side:<9} not measured: {e}')
                    failed = True
                    continue
                rates[side] = {k: MIB / statistics.median(v) for k, v in secs.items()}
                print(f'        {side:<9} {rates[side]["write"]:12.1f} {rates[side]["read"]:12.1f}')
        if len(rates) == 2:
            w = rates['proteus']['write'] / rates['linux']['write']
            r = rates['proteus']['read'] / rates['linux']['read']
            print(f'        Proteus/Linux: write {w:.2f}, read {r:.2f}')
    print('  (goal: Proteus/Linux at least 1.0 under TCG, at least 2.0 on a hardware KVM)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
