#!/usr/bin/env python3
"""`make bench`'s Xen domU figures, from one boot of the Linux dom0 test
host per arch (tests/boot/xl_host.py): what a user of `xl` waits for.

  - xl create to main: dom0's seconds from `xl create` to the console line
    hello prints first in main (polled every 50 ms, /proc/uptime's 10 ms
    clock), and the guest's own count of TSC cycles from its first
    instruction to main (`bench` option);
  - pvbench as a domU: a xenstore read and its reply, a grant and its end,
    one Ethernet frame sent through netfront on dom0's bridge (TSC cycles,
    best of 5 rounds);
  - xl save and xl restore of a 32 MiB domain (apps/ticker): dom0's seconds
    for `xl save` to return, and from `xl restore` to the guest's
    "resumed" line.

Figures, not tests: nothing passes or fails here. Everything runs under
TCG, so the absolute numbers say little about hardware; compare them with
each other and with the dom0 rows of `make bench` from the same run.

    usage: tests/bench/xl.py [ARCH...]   (default: x86_64 i386)
"""
import os
import re
import subprocess
import sys
import importlib.util

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location('xl_host', os.path.join(REPO, 'tests', 'boot', 'xl_host.py'))
xl_host = importlib.util.module_from_spec(spec)
spec.loader.exec_module(xl_host)


def config(arch, app, name, memory, args):
    out = os.path.join(REPO, 'build', 'test-images', arch, 'xl', f'{name}.cfg')
    subprocess.run([sys.executable, os.path.join(REPO, 'scripts', 'mkxl.py'), '--arch', arch,
                    '--image', os.path.join(REPO, 'build', arch, f'{app}.elf'), '--out', out,
                    '--name', name, '--memory', str(memory), '--args', args],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def figure(part, rx, default='?'):
    m = re.search(rx, part, re.M)
    return m.group(1) if m else default


def elapsed(part, label):
    return float(figure(part, rf'^xl_host: elapsed {label} ([\d.]+)', 'nan'))


def bench(arch):
    jobs = [
        {'cfg': config(arch, 'hello', 'bench-hello', 64, 'quiet bench'), 'timeout': 60,
         'actions': ['wait ^Hello from Proteus', 'elapsed main']},
        {'cfg': config(arch, 'pvbench', 'bench-pvbench', 64, 'quiet'), 'timeout': 120, 'vif': True},
        {'cfg': config(arch, 'ticker', 'bench-save', 32, 'quiet'), 'timeout': 120,
         'actions': ['wait 3 ^tick [0-9]+$', 'elapsed before-save',
                     'xl save {name} /var/lib/xen/{name}.save', 'elapsed saved',
                     'xl restore /var/lib/xen/{name}.save', 'wait ^xen: resumed', 'elapsed resumed',
                     'xl shutdown -w {name}']},
    ]
    rc, text = xl_host.run_host(arch, jobs)
    if rc:
        print(f'{arch}: the dom0 host failed: {text.splitlines()[-1] if text else ""}')
        return
    hello, pvb, save = xl_host.split_domains(text, len(jobs))
    cycles = figure(hello, r'cycles from the first instruction to main: (\d+)')
    print(f'{arch:7} xl create to main: {elapsed(hello, "main"):.2f} s of dom0 time; '
          f'the guest counts {cycles} TSC cycles from its first instruction')
    xs = figure(pvb, r'^pvbench: xenstore_read ([\d.]+)')
    gnt = figure(pvb, r'^pvbench: grant_end ([\d.]+)')
    frame = figure(pvb, r'^pvbench: frame_send ([\d.]+)')
    print(f'{"":7} xenstore read round trip: {xs} cycles; grant + end: {gnt} cycles; '
          f'one frame sent through netfront: {frame} cycles')
    b, s, r = elapsed(save, 'before-save'), elapsed(save, 'saved'), elapsed(save, 'resumed')
    ok = 'xen: resumed (restored)' in save
    print(f'{"":7} 32 MiB domain: xl save {s - b:.2f} s, xl restore to resumed {r - s:.2f} s'
          + ('' if ok else ' (the restore did not resume: see the host output)'))


def main(argv):
    for arch in argv[1:] or ['x86_64', 'i386']:
        bench(arch)


if __name__ == '__main__':
    main(sys.argv)
