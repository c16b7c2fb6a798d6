#!/usr/bin/env python3
"""make compare: one monitor image, booted with `pvstats -- ops` on all four
personalities (native under QEMU TCG, Xen PV dom0, the VMI shim ROM, KVM),
and their `ops` tables merged side by side: one row per op, a column per
personality with what its call sites run (the directive: inline bytes, a
call to which function, a NOP) and the calls counted, with the hypercalls
made in them where there were any.

The boots are the boot runner's own (tests/boot/run.py): a table of four
rows in its format, expanded, built and booted by its functions, KVM on
this machine or on the nested KVM host as the runner decides. A platform
that could not run is named, with why, on the last line.

    usage: scripts/compare.py [--arch x86_64|i386] [--filter OPS]
"""
import argparse
import importlib.util
import os
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_spec = importlib.util.spec_from_file_location('proteus_boot', os.path.join(REPO, 'tests', 'boot', 'run.py'))
boot = importlib.util.module_from_spec(_spec)
sys.modules['proteus_boot'] = boot   # dataclasses look their module up by name
_spec.loader.exec_module(boot)

BUILD = os.path.join(REPO, 'build')
# The four boots, as rows of the boot table (tests/boot/tests.cfg documents
# the fields): the same image and command line on each platform.
TABLE = '''
[DEFAULT]
image = monitor
arch = {arch}
append = pvstats -- ops
expect = ^op +implementation
timeout = 60

[native]
platform = native

[xen-pv]
hypervisor = xen
mem = 512
xen_args = dom0_mem=64M
timeout = 120

[vmi]
option_rom = vmi-native

[kvm]
accel = kvm
'''
PLATFORMS = ('native', 'xen-pv', 'vmi', 'kvm')
# A row of `ops` (apps/monitor/show.c): op, implementation, runs, sites,
# inline, direct, nop, calls, hcalls, then the directive
ROW = re.compile(r'^(\S+\.\S+) +(\S+) +(kernel|inline|no-op|shim call) +(\d+) +(\d+) +(\d+) +(\d+) +(\S+) +(\S+)  (.*)$',
                 re.M)


def boot_all(runs):
    """{run name: Result}, each run booted as the boot runner would
    (tests/boot/run.py, prepare and boot)."""
    decided = boot.prepare(runs, BUILD, 2, nested_kvm=True)

    def one(r):
        res = decided(r)
        return boot.boot(r) if res is None else res
    with ThreadPoolExecutor(max_workers=2) as pool:
        return {r.name: res for r, res in zip(runs, pool.map(one, runs))}


def cell(m):
    """What one personality's sites of the op run, and what they cost:
    "   447 inline cli", "     9 call xen_lazy_leave (6 hc)"."""
    directive = re.sub(r'^(counting|pvpatch=off); would be ', '', m.group(10))
    directive = directive.replace('the shim at ', '')
    named = re.match(r'inline (?:[0-9a-f]{2} ?)+ \((.*)\)$', directive)   # "inline fa (cli)"
    if named:
        directive = f'inline {named.group(1)}'
    text = f'{m.group(8):>6} {directive}'
    if m.group(9) not in ('0', '-'):
        text += f' ({m.group(9)} hc)'
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--arch', default='x86_64', choices=sorted(boot.QEMU))
    ap.add_argument('--filter', metavar='TEXT', help='only ops whose name contains TEXT')
    args = ap.parse_args()
    with tempfile.NamedTemporaryFile('w', suffix='.cfg', prefix='proteus-compare-') as f:
        f.write(TABLE.replace('{arch}', args.arch))
        f.flush()
        runs = boot.load_table(f.name, BUILD)
    # The runner names runs <section>-<accel>; map them back to the platforms.
    by_platform = {}
    for r in runs:
        by_platform[r.name[:r.name.rindex('-')]] = r
    booted = boot_all(list(by_platform.values()))
    results = {p: booted.get(r.name) for p, r in by_platform.items()}
    tables, missing = {}, []
    for p in PLATFORMS:
        res = results.get(p)
        rows = {m.group(1): m for m in ROW.finditer(res.output)} if res and res.output else {}
        if res and res.result == 'PASS' and rows:
            tables[p] = rows
        else:
            why = res.reason if res else 'not booted'
            missing.append(f'{p} ({res.result if res else "SKIP"}: {why or "no ops table"})')
    names = []
    for p in tables:
        names += [n for n in tables[p] if n not in names]
    names = [n for n in names if not args.filter or args.filter in n]
    cols = [p for p in PLATFORMS if p in tables]
    cells = {n: [cell(tables[p][n]) if n in tables[p] else '-' for p in cols] for n in names}
    width = [max([len(p)] + [len(cells[n][i]) for n in names]) for i, p in enumerate(cols)]
    name_w = max([len('op')] + [len(n) for n in names])
    print(f'{args.arch}, pvstats, `monitor -- ops`: what each op\'s call sites run, then its calls '
          '(and the hypercalls made in them, hc)')
    print('  '.join([f'{"op":{name_w}}'] + [f'{p:{w}}' for p, w in zip(cols, width)]).rstrip())
    for n in names:
        print('  '.join([f'{n:{name_w}}'] + [f'{c:{w}}' for c, w in zip(cells[n], width)]).rstrip())
    for p in cols:   # what `ops` adds below its table: KVM's PV EOI
        for line in re.findall(r'^apic\.eoi under PV EOI: .*$', results[p].output, re.M):
            print(f'{p}: {line}')
    print('platforms that could not run: ' + ('; '.join(missing) if missing else 'none'))
    return 0 if tables else 1


if __name__ == '__main__':
    sys.exit(main())
