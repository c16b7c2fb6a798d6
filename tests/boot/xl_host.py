#!/usr/bin/env python3
"""Boot Proteus images as Xen PV domUs under the real toolstack: QEMU (TCG)
boots Xen 4.17 with Debian's Linux as dom0 (scripts/build-xen-dom0-host.sh),
and dom0's xl creates each domain from an xl config, as a user's
`xl create -F` would, one after the other in one dom0 boot. For each it
prints a header, xl's own output (how the domain ended: "Domain N has shut
down, reason code R": 0 poweroff, 1 reboot, 2 suspend, 3 crash) and the
domain's console as xenconsoled logged it. A boot row (tests/boot/tests.cfg,
`command`) matches that output.

    usage: xl_host.py ARCH CFG [CFG...]

The configs are `make xl`'s (scripts/mkxl.py); their kernel is copied into
the dom0's initramfs and the `kernel =` line pointed at the copy. i386
domUs need the hypervisor rebuilt with 32-bit PV (build/xen/xen-4.17-pv32.elf,
scripts/build-xen-pv32.sh); x86_64 ones run on Debian's. Exit status: 0
when dom0 ran every domain (whatever they did: the row judges that), 1 when
the host could not be built or dom0 did not get as far as the toolstack.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, 'build')
HOST = os.path.join(BUILD, 'xen-dom0')
XEN = {'x86_64': 'xen-4.17.elf', 'i386': 'xen-4.17-pv32.elf'}
DOMAIN_SECS = 60        # one domain's life, xl create to its end
BOOT_SECS = 120         # dom0's own boot, under TCG


def batch_archive(cfgs, root):
    """The second initramfs archive: /batch/run.sh, the images, the configs."""
    b = os.path.join(root, 'batch')
    os.makedirs(b)
    lines = ['#!/bin/sh']
    for i, cfg in enumerate(cfgs):
        text = open(cfg).read()
        m = re.search(r'^kernel\s*=\s*"([^"]+)"', text, re.M)
        if not m:
            raise SystemExit(f'xl_host: {cfg} names no kernel')
        shutil.copy(m.group(1), os.path.join(b, f'{i}.elf'))
        text = text[:m.start(1)] + f'/batch/{i}.elf' + text[m.end(1):]
        name = re.search(r'^name\s*=\s*"([^"]+)"', text, re.M)
        name = name.group(1) if name else f'domu{i}'
        with open(os.path.join(b, f'{i}.cfg'), 'w') as f:
            f.write(text)
        lines += [f'echo "== domU {i}: {os.path.basename(cfg)} ({name})"',
                  f'timeout {DOMAIN_SECS} xl create -F /batch/{i}.cfg 2>&1',
                  'echo "xl: exit status $?"',
                  f'echo "== console of {name}"',
                  f'cat /var/log/xen/console/guest-{name}.log 2>&1',
                  f'rm -f /var/log/xen/console/guest-{name}.log']
    with open(os.path.join(b, 'run.sh'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.chmod(os.path.join(b, 'run.sh'), 0o755)
    archive = os.path.join(root, 'batch.cpio')
    with open(archive, 'wb') as out:
        names = subprocess.run(['find', 'batch'], cwd=root, capture_output=True, check=True).stdout
        subprocess.run([os.path.join(HOST, 'busybox'), 'cpio', '-o', '-H', 'newc'], cwd=root,
                       input=names, stdout=out, stderr=subprocess.DEVNULL, check=True)
    return archive


def main(argv):
    if len(argv) < 3 or argv[1] not in XEN:
        print(__doc__.strip().splitlines()[-12], file=sys.stderr)
        return 2
    arch, cfgs = argv[1], argv[2:]
    xen = os.path.join(BUILD, 'xen', XEN[arch])
    if not os.path.isfile(xen):
        print(f'xl_host: {xen} is not built (make check builds it)')
        return 1
    p = subprocess.run([os.path.join(REPO, 'scripts', 'build-xen-dom0-host.sh'), HOST])
    if p.returncode:
        return 1
    with tempfile.TemporaryDirectory(prefix='proteus-dom0-') as root:
        initrd = os.path.join(root, 'initrd.cpio')
        with open(initrd, 'wb') as out:
            for part in (os.path.join(HOST, 'base.cpio'), batch_archive(cfgs, root)):
                with open(part, 'rb') as f:
                    shutil.copyfileobj(f, out)
        # QEMU's multiboot modules are a comma-separated list: Linux with its
        # command line, then the initramfs
        cmd = ['qemu-system-x86_64', '-accel', 'tcg', '-cpu', 'qemu64', '-m', '1536',
               '-display', 'none', '-no-reboot', '-serial', 'stdio', '-kernel', xen,
               '-append', 'console=com1 dom0_mem=512M,max:512M dom0_max_vcpus=1',
               '-initrd', f"{os.path.join(HOST, 'vmlinuz')} console=hvc0 panic=-1,{initrd}"]
        try:
            out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                 timeout=BOOT_SECS + DOMAIN_SECS * len(cfgs)).stdout
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b'') + b'\nxl_host: dom0 did not finish in time\n'
    # the serial console's line ends, doubled where a log file's pass through it
    text = re.sub(r'\r+\n', '\n', out.decode('utf-8', 'replace'))
    if 'dom0-host: toolstack ready' not in text:
        print('xl_host: dom0 did not reach its toolstack; its last lines:')
        print('\n'.join(text.strip().splitlines()[-15:]))
        return 1
    start = text.index('dom0-host: toolstack ready')
    end = text.find('dom0-host: done', start)
    print(text[start:end if end >= 0 else len(text)].rstrip())
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
