"""What make bench's Proteus-against-Linux figures share (issue 17; http.py
and blk.py import it): one QEMU machine for both sides, the Linux peer VM
(Debian's kernel and busybox, scripts/build-linux-bench-vm.sh), and which
accelerators to measure under. A ratio only means something when the two
guests ran on the same emulated machine: everything but the kernel, its
initramfs and its command line is in MACHINE here, for both.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, 'build')
_spec = importlib.util.spec_from_file_location('proteus_boot', os.path.join(REPO, 'tests', 'boot', 'run.py'))
boot = importlib.util.module_from_spec(_spec)
sys.modules['proteus_boot'] = boot   # dataclasses look their module up by name
_spec.loader.exec_module(boot)

LINUX_VM = os.path.join(BUILD, 'linux-bench')
# Debian's kernel with its initramfs does not boot in 64 MiB (nothing on the
# console at all); it does in 96. Both sides get 128.
MEM = '128'
CPU = {'tcg': 'qemu64', 'kvm': boot.KVM_CPU['max']}
LINUX_APPEND = 'console=ttyS0 quiet panic=-1'


class BenchError(Exception):
    """A figure could not be measured; the message says why."""


def accels():
    """[(accel, None)] to measure under, TCG always; KVM too where this
    machine's KVM runs the images (the boot runner's probe), else
    ('kvm', why not), which the caller reports."""
    problem = boot.probe_kvm()
    return [('tcg', None), ('kvm', problem)]


def machine(accel, *devices):
    """The QEMU command both sides boot with, up to the kernel."""
    return [boot.QEMU['x86_64'], '-accel', accel, '-M', 'pc', '-cpu', CPU[accel], '-m', MEM, '-smp', '1',
            *boot.COMMON, *boot.NO_REBOOT, *boot.EXIT_DEVICE, *devices]


def proteus(image, args):
    return ['-kernel', image, '-append', args]


def linux_vm():
    """Build (or find cached) the Linux peer; BenchError if it cannot be."""
    p = subprocess.run(['./scripts/build-linux-bench-vm.sh', LINUX_VM], cwd=REPO, capture_output=True,
                       text=True)
    if p.returncode:
        raise BenchError('the Linux peer VM could not be built: '
                         + (p.stdout + p.stderr).strip()[-300:])


def linux(bench, files=None, workdir=None):
    """The Linux peer's -kernel/-initrd/-append for bench= `bench`; `files`
    ({path in the guest: file here}) go into an archive appended to
    base.cpio under `workdir`, which Linux unpacks over the first."""
    linux_vm()
    initrd = os.path.join(LINUX_VM, 'base.cpio')
    if files:
        root = os.path.join(workdir, 'extra')
        for inside, here in files.items():
            dst = os.path.join(root, inside.lstrip('/'))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(here, dst)
        names = subprocess.run(['find', '.'], cwd=root, capture_output=True, check=True).stdout
        extra = subprocess.run([os.path.join(LINUX_VM, 'busybox'), 'cpio', '-o', '-H', 'newc'], cwd=root,
                               input=names, capture_output=True, check=True).stdout
        initrd = os.path.join(workdir, 'initrd.cpio')
        with open(initrd, 'wb') as out, open(os.path.join(LINUX_VM, 'base.cpio'), 'rb') as base:
            shutil.copyfileobj(base, out)
            out.write(extra)
    return ['-kernel', os.path.join(LINUX_VM, 'vmlinuz'), '-initrd', initrd,
            '-append', f'{LINUX_APPEND} bench={bench}']


def workdir():
    """A scratch folder under build/ (not /tmp, which may be a tmpfs:
    the disk images want a real file system under them)."""
    os.makedirs(BUILD, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix='bench-', dir=BUILD)


def tail(text, n=8):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return '\n'.join('        | ' + l for l in lines[-n:]) or '        | (nothing on the console)'
