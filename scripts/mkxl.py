#!/usr/bin/env python3
"""`make xl`: an xl.cfg(5) file that runs one Proteus image as a Xen PV domU
(`xl create -c build/<arch>/<app>.xl.cfg` in a dom0 with Xen's toolstack),
so that nobody has to copy config/xen/hello.cfg and edit paths by hand.

`--check FILE` reads a file back through libxlutil, the configuration
parser xl itself uses (xlu_cfg_readfile, from Debian's libxen-dev), and
prints what xl would read for each setting we write. xl cannot be asked:
it opens Xen's privileged interface before it reads a configuration, even
for a dry run (`xl -N create` stops at "cannot init xl context" without a
running Xen), so its own parser is the real tool that runs here.
"""
import argparse
import ctypes
import os
import sys

# The settings we write, in xl.cfg(5)'s words. Strings unless in LONGS.
KEYS = ('name', 'type', 'kernel', 'memory', 'vcpus', 'extra', 'on_poweroff', 'on_reboot', 'on_crash')
LONGS = ('memory', 'vcpus')



def app_name(image):
    """The app an image is of: build/<arch>/<app>.elf, or <app>.deploy.elf
    as make iso, xl and libvirt ship it (stripped; Makefile)."""
    base = os.path.basename(image)
    for tail in ('.deploy.elf', '.elf'):
        if base.endswith(tail):
            return base[:-len(tail)]
    return base

def xl_string(s):
    """A double-quoted xl.cfg string: libxlutil's lexer takes C-style
    backslash escapes inside quotes (tools/libs/util/libxlu_cfg.c,
    xlu__cfgl_dequote), so a backslash and a double quote are escaped."""
    if any(ord(c) < 0x20 for c in s):
        raise ValueError(f'{s!r}: control characters cannot be written')
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def write(a):
    kernel = os.path.abspath(a.image)
    if not os.path.isfile(kernel):
        sys.exit(f'mkxl: {a.image} missing (not built?)')
    app = app_name(kernel)
    lines = [
        f'# Written by make xl (scripts/mkxl.py): Proteus {app} ({a.arch}) as a Xen PV domU.',
        f'#     xl create -c {os.path.relpath(a.out)}',
        '# -c attaches the console (Ctrl-] detaches). The settings are xl.cfg(5)\'s.',
        '',
        '# `xl list` shows it; one running domain per name.',
        f'name = {xl_string(a.name or "proteus-" + app)}',
        '# Paravirtualised: Xen starts the kernel at the PV entry its ELF notes name.',
        'type = "pv"',
        '# The image, as it boots natively. An i386 image needs a hypervisor with',
        '# 32-bit PV, which Debian\'s is not (docs/xen-pv.md).',
        f'kernel = {xl_string(kernel)}',
        '# MiB; the kernel uses every page it is given.',
        f'memory = {int(a.memory)}',
        '# vCPUs: Proteus starts every one and runs threads on all (docs/smp.md).',
        f'vcpus = {int(a.vcpus)}',
        '# The kernel command line: kernel options -- app arguments.',
        f'extra = {xl_string(a.args)}',
        '# exit(n) and main returning power the domain off (the status is on the',
        '# console and in xenstore, data/exit-status: docs/xen-pv.md); a panic',
        '# crashes it; `xl reboot` tells the app (SIGTERM), and when it exits the',
        '# domain starts again. Write "preserve" in on_poweroff or on_crash to',
        '# keep the ended domain (`xl list`, `xenstore-read`, `xl dump-core`)',
        '# until `xl destroy`.',
        'on_poweroff = "destroy"',
        'on_reboot = "restart"',
        'on_crash = "destroy"',
    ]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'  XL      {a.out} (xl create -c {a.out})')


def check(path):
    """Print every setting as libxlutil reads it; exit 1 if the file does
    not parse, a setting is missing, or the kernel is no absolute path to a
    file."""
    try:
        lib = ctypes.CDLL('libxlutil.so')
        libc = ctypes.CDLL(None)
    except OSError as e:
        sys.exit(f'mkxl: cannot load libxlutil (libxen-dev, scripts/install-deps.sh): {e}')
    libc.fdopen.restype = ctypes.c_void_p
    libc.fdopen.argtypes = (ctypes.c_int, ctypes.c_char_p)
    lib.xlu_cfg_init.restype = ctypes.c_void_p
    lib.xlu_cfg_init.argtypes = (ctypes.c_void_p, ctypes.c_char_p)
    lib.xlu_cfg_readfile.argtypes = (ctypes.c_void_p, ctypes.c_char_p)
    lib.xlu_cfg_get_string.argtypes = (ctypes.c_void_p, ctypes.c_char_p,
                                       ctypes.POINTER(ctypes.c_char_p), ctypes.c_int)
    lib.xlu_cfg_get_long.argtypes = (ctypes.c_void_p, ctypes.c_char_p,
                                     ctypes.POINTER(ctypes.c_long), ctypes.c_int)
    lib.xlu_cfg_destroy.argtypes = (ctypes.c_void_p,)
    report = libc.fdopen(os.dup(2), b'w')   # libxlutil's error messages, on stderr
    cfg = lib.xlu_cfg_init(report, path.encode())
    if not cfg:
        sys.exit('mkxl: xlu_cfg_init failed')
    rc = lib.xlu_cfg_readfile(cfg, path.encode())
    libc.fflush(ctypes.c_void_p(report))
    if rc:
        sys.exit(f'mkxl: libxlutil cannot parse {path} (error {rc})')
    bad = []
    for key in KEYS:
        if key in LONGS:
            v = ctypes.c_long()
            ok = lib.xlu_cfg_get_long(cfg, key.encode(), ctypes.byref(v), 0) == 0
            value = v.value
        else:
            v = ctypes.c_char_p()
            ok = lib.xlu_cfg_get_string(cfg, key.encode(), ctypes.byref(v), 0) == 0
            value = v.value.decode() if ok else None
        if not ok:
            bad.append(f'{key} missing or not a {"number" if key in LONGS else "string"}')
            continue
        print(f'{key} = {value}')
        if key == 'kernel' and not (os.path.isabs(value) and os.path.isfile(value)):
            bad.append(f'kernel {value} is not an absolute path to a file')
    lib.xlu_cfg_destroy(cfg)
    libc.fflush(ctypes.c_void_p(report))
    if bad:
        sys.exit(f'mkxl: {path}: ' + '; '.join(bad))
    print(f'{path}: parsed by libxlutil (xl\'s parser), every setting present')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--check', metavar='FILE', help='read FILE back through libxlutil')
    ap.add_argument('--arch', choices=('x86_64', 'i386'))
    ap.add_argument('--image', help='build/<arch>/<app>.elf')
    ap.add_argument('--out', help='the xl.cfg to write')
    ap.add_argument('--name', default='', help='domain name (default proteus-<app>)')
    ap.add_argument('--memory', default='64', help='MiB')
    ap.add_argument('--vcpus', default='1', help='vCPUs')
    ap.add_argument('--args', default='', help='kernel command line: kernel options -- app args')
    a = ap.parse_args()
    if a.check:
        return check(a.check)
    if not (a.arch and a.image and a.out):
        ap.error('--arch, --image and --out are needed to write a file')
    if not a.memory.isdigit():
        sys.exit(f'mkxl: XL_MEMORY must be a number of MiB, not {a.memory!r}')
    if not a.vcpus.isdigit() or int(a.vcpus) < 1:
        sys.exit(f'mkxl: XL_VCPUS must be a count of vCPUs, not {a.vcpus!r}')
    try:
        write(a)
    except ValueError as e:
        sys.exit(f'mkxl: ARGS: {e}')


if __name__ == '__main__':
    main()
