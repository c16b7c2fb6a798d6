#!/usr/bin/env python3
"""make bench's KVM section: the kvmcheck image under KVM, as platform=kvm,
with kvmclock mixed into the VMI personality, and with KVM hidden (the
native TSC clock, its rate measured against the PIT or the RTC); pvbench's
SMP figures on 2 vCPUs with and without PV IPI and PV TLB flush; then the
whole QEMU run of microvm + PVH to main and out, against the empty kernel.

It runs on this machine's KVM where that runs the images (the boot runner's
probe, tests/boot/run.py), else on the nested KVM host (a real KVM nested
under TCG, docs/testing.md), all in one boot of it. Figures from the nested
host are instruction counts and times under emulation, not hardware costs:
compare them with each other, within one run.

    usage: tests/bench/kvm.py [RUNS]     (RUNS: whole-run pairs, default 5)
"""
import importlib.util
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location('proteus_boot', os.path.join(REPO, 'tests', 'boot', 'run.py'))
boot = importlib.util.module_from_spec(_spec)
sys.modules['proteus_boot'] = boot   # dataclasses look their module up by name
_spec.loader.exec_module(boot)

BUILD = os.path.join(REPO, 'build')
QEMU = [boot.QEMU['x86_64'], '-accel', 'kvm', *boot.COMMON, *boot.NO_REBOOT, *boot.EXIT_DEVICE,
        '-m', '64']
CPU = boot.KVM_CPU['max']
SHOWN = ('kvmbench: ', 'time: TSC ', 'PANIC: ', 'pvbench: ipi_round_trip', 'pvbench: wakeup_cross_cpu',
         'pvbench: shootdown_', 'pvbench: vcpu_start', 'pvbench: irq_save_restore', 'pvbench: pte_write ',
         'pvbench: clock_read', 'pvbench: eoi', 'pvbench: arm_oneshot', 'pvbench: ldt_load',
         'pvbench: frame_send')


def image(name, machine):
    """microvm boots the PVH entry, pc the Multiboot one."""
    return os.path.join(BUILD, 'x86_64', f'{name}.pvh.elf' if machine.startswith('microvm') else f'{name}.elf')


def cmd(name, machine, cpu, args, *extra):
    return QEMU + ['-M', machine, '-cpu', cpu, *extra, '-kernel', image(name, machine), '-append', args]


FIGURES = [
    ('kvmclock (platform=kvm, microvm)', cmd('kvmcheck', 'microvm', CPU, 'quiet -- bench')),
    ('kvmclock mixed into the VMI personality (pc, vmi-native ROM)',
     cmd('kvmcheck', 'pc', CPU, 'quiet -- bench', '-option-rom', os.path.join(BUILD, 'x86_64', 'vmi-native.rom'))),
    ('TSC, KVM hidden, rate measured against the PIT (pc, kvm=off)',
     cmd('kvmcheck', 'pc', CPU + ',kvm=off', '-- bench')),
    # microvm has an RTC under KVM only when asked for it
    ('TSC, KVM hidden, rate measured against the RTC (microvm,rtc=on has no PIT, kvm=off)',
     cmd('kvmcheck', 'microvm,rtc=on', CPU + ',kvm=off', '-- bench')),
    # The ops one at a time (TSC cycles, best of 5 rounds), then SMP: CPU 1
    # started by pvbench itself (maxcpus=1: vcpu_start, to online), IPIs by
    # KVM_HC_SEND_IPI and the shootdown with PV TLB flush, then both left
    # out; docs/side-by-side.md quotes these
    # romfile= : the nested host carries no iPXE ROM for the NIC (nor
    # needs one: the kernel is given with -kernel)
    ('pvbench on 2 vCPUs, PV IPI and PV TLB flush, a virtio-net NIC (pc)',
     cmd('pvbench', 'pc', CPU, 'quiet maxcpus=1', '-smp', '2', '-netdev', 'user,id=n0',
         '-device', 'virtio-net-pci,netdev=n0,romfile=')),
    ('SMP, pvbench on 2 vCPUs, the native IPIs and shootdown (pc, kvm-pv-ipi=off, kvm-pv-tlb-flush=off)',
     cmd('pvbench', 'pc', CPU + ',kvm-pv-ipi=off,kvm-pv-tlb-flush=off', 'quiet maxcpus=1', '-smp', '2')),
]


def run_here(cmds):
    """[(console, seconds)] for each command, run on this machine's KVM."""
    out = []
    for c in cmds:
        t0 = time.monotonic()
        try:
            p = subprocess.run(c, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
            console = p.stdout
        except subprocess.TimeoutExpired:
            console = 'PANIC: (bench) QEMU did not end within 60 s\n'
        out.append((console, time.monotonic() - t0))
    return out


def run_nested(cmds):
    """The same, all in one boot of the nested KVM host; seconds are the
    host's own clock from just before QEMU started to just after it ended."""
    jobs = [boot.NestedJob(c, 60, stamped=True) for c in cmds]
    out = []
    for o in boot.nested_host_run(jobs, BUILD, 1, say=lambda line: print('  ' + line.strip(), flush=True)):
        if o.failed:
            out.append((f'PANIC: (bench) {o.failed}\n', None))
        else:
            secs = o.stopped - o.started if o.started is not None and o.stopped is not None else None
            out.append((o.console, secs))
    return out


def primes_cmd(cpus):
    return cmd('primes', 'pc', CPU, 'quiet -- limit=10000000', '-smp', str(cpus))


def speed_up(nested):
    """apps/primes on 1 and 2 vCPUs under KVM, 3 of each alternating; the
    nested host gets two vCPUs of its own for this (the rows use one)."""
    cmds = [primes_cmd(n) for _ in range(3) for n in (1, 2)]
    if nested:
        jobs = [boot.NestedJob(c, 60, stamped=True) for c in cmds]
        outs = [o.console if not o.failed else '' for o in
                boot.nested_host_run(jobs, BUILD, 1, say=lambda line: print('  ' + line.strip(), flush=True),
                                     host_cpus=2)]
    else:
        outs = [c for c, _ in run_here(cmds)]
    secs = {1: [], 2: []}
    for c, out in zip(cmds, outs):
        n = int(c[c.index('-smp') + 1])
        for line in out.splitlines():
            if 'seconds=' in line:
                secs[n].append(float(line.split('seconds=')[1].split()[0]))
    print('  speed-up of apps/primes (four threads, primes below 10,000,000) on 2 vCPUs over 1,'
          ' median of 3:')
    if secs[1] and secs[2]:
        one, two = statistics.median(secs[1]), statistics.median(secs[2])
        print(f'        1 vCPU {one:.3f} s, 2 vCPUs {two:.3f} s, speed-up {one / two:.2f}')
    else:
        print('        (no timings)')


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    problem = boot.probe_kvm()
    if problem is None:
        where, run = "this machine's KVM", run_here
    else:
        why = boot.build_kvm_host(BUILD)
        if why:
            print(f'KVM not usable here ({problem}), and {why}: no KVM figures')
            return 0
        where, run = ('a real KVM nested under TCG (docs/testing.md): emulated instructions and '
                      'times, NOT hardware costs', run_nested)
    timing = []
    for _ in range(runs):   # alternating, so a slow spell hits both alike
        timing.append(('kvmcheck', cmd('kvmcheck', 'microvm', CPU, 'quiet -- exit')))
        timing.append(('empty', cmd('empty', 'microvm', CPU, 'quiet -- exit')))
    print(f'  on {where}')
    results = run([c for _, c in FIGURES] + [c for _, c in timing])
    for (label, _), (console, _) in zip(FIGURES, results):
        print(f'  {label}:')
        lines = [l for l in console.splitlines() if l.startswith(SHOWN) or 'implausible' in l]
        for l in lines or ['(no figures: the guest printed none)']:
            for prefix in ('kvmbench: ', 'pvbench: '):
                if l.startswith(prefix):
                    l = l[len(prefix):]
            print('        ' + l)
    secs = {'kvmcheck': [], 'empty': []}
    for (which, _), (_, s) in zip(timing, results[len(FIGURES):]):
        if s is not None:
            secs[which].append(s)
    print(f'  whole QEMU run, microvm + PVH under KVM, median of {runs} alternating runs:')
    if secs['kvmcheck'] and secs['empty']:
        k, e = statistics.median(secs['kvmcheck']), statistics.median(secs['empty'])
        print(f'        kvmcheck (boot to main, then exit) {k:.4f} s, empty kernel {e:.4f} s, '
              f'ratio {k / e:.3f}')
    else:
        print('        (no timings)')
    speed_up(run == run_nested)
    return 0


if __name__ == '__main__':
    sys.exit(main())
