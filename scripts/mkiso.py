#!/usr/bin/env python3
"""`make iso`: a GRUB ISO that boots one Proteus image on real hardware (or
any PC emulator) from a CD or USB stick, so that an appliance ships as one
file. It writes a GRUB configuration and runs grub-mkrescue (GRUB manual,
"Making a GRUB bootable CD-ROM"; Debian's grub-pc-bin, xorriso and mtools).

The menu has the image booted natively through Multiboot (GRUB manual,
"multiboot"), and, when a Xen hypervisor is given, the same image as Xen's
dom0: Xen through Multiboot2 with the image as its first module (GRUB
manual, "multiboot2" and "module2"; Xen's docs/misc/xen-command-line.pandoc
for its options). GRUB talks on the first serial port and on the screen, so
a headless machine and the boot tests see the menu and the boot.

BIOS boot only (i386-pc): the kernel has no UEFI entry.
"""
import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

from mkxl import app_name   # <app>.elf or <app>.deploy.elf -> <app>

GRUB_PC = '/usr/lib/grub/i386-pc'
# What the menu needs, so that grub-mkrescue copies only these modules (and
# their dependencies) into the ISO: a smaller, faster ISO than all of GRUB's.
MODULES = 'normal serial terminal multiboot multiboot2 gzio iso9660 part_msdos'


def kernel_words(line):
    """The kernel's own split (kernel/cmdline.c): words separated by blanks,
    double quotes group blanks into a word and are removed."""
    words, word, quoted, any_ = [], '', False, False
    for c in line:
        if c == '"':
            quoted, any_ = not quoted, True
        elif c in ' \t\n\r' and not quoted:
            if word or any_:
                words.append(word)
            word, any_ = '', False
        else:
            word += c
    if quoted:
        raise ValueError(f'unbalanced double quote in {line!r}')
    if word or any_:
        words.append(word)
    return words


def grub_quote(word):
    """One word for GRUB's script lexer (GRUB manual, "Shell-like scripting":
    single quotes keep every character literal). GRUB joins a command's
    words into the kernel's command line again, putting double quotes around
    a word with blanks and a backslash before \\, ' and " (grub-core/lib/
    cmdline.c); the kernel knows no backslash escapes, so those three
    characters cannot pass through GRUB intact and are refused here."""
    if re.search(r'[\\\'"]', word):
        raise ValueError(f'{word!r}: a backslash or quote cannot reach the kernel through GRUB')
    return word if re.fullmatch(r'[A-Za-z0-9_.,:=+/@%-]+', word) else f"'{word}'"


def grub_cfg(app, arch, args, default, timeout, xen_args, with_xen):
    words = ' '.join(grub_quote(w) for w in kernel_words(args))
    native = f'Proteus {app} ({arch})'
    lines = [
        f'# Written by make iso (scripts/mkiso.py) for {app} ({arch}).',
        '# GRUB on the first serial port (115200 8N1) and on the screen: a',
        '# key on either stops the countdown (GRUB manual, "serial").',
        'serial --unit=0 --speed=115200',
        'terminal_input serial console',
        'terminal_output serial console',
        f'set timeout={timeout}',
        f'set default={1 if default == "xen" else 0}',
        '',
        f"menuentry '{native}' {{",
        # GRUB 2's multiboot command line is the words after the file
        # alone; the kernel knows GRUB 2 by its name and takes the first
        # word as an option (kernel/bootinfo.c, cmdline_names_image).
        f'    multiboot /boot/{app}.elf {words}'.rstrip(),
        '}',
    ]
    if with_xen:
        lines += [
            '',
            f"menuentry 'Proteus {app} ({arch}) as Xen dom0' {{",
            f'    multiboot2 /boot/xen.gz {xen_args}'.rstrip(),
            # Xen gives dom0 the module's command line as it is when GRUB 2
            # loaded it (no path first: Xen's cmdline_cook()).
            f'    module2 /boot/{app}.elf {words}'.rstrip(),
            '}',
        ]
    return '\n'.join(lines) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--arch', required=True, choices=('x86_64', 'i386'))
    ap.add_argument('--image', required=True, help='build/<arch>/<app>.elf')
    ap.add_argument('--out', required=True, help='the ISO to write')
    ap.add_argument('--args', default='', help='kernel command line: kernel options -- app args')
    ap.add_argument('--default', default='native', choices=('native', 'xen'),
                    help='the entry booted when the countdown ends')
    ap.add_argument('--timeout', default='3', help='seconds the menu waits (0: none)')
    ap.add_argument('--xen', default='', help='Xen hypervisor (gzip or ELF); none: no Xen entry')
    ap.add_argument('--xen-args', default='', help="Xen's command line")
    a = ap.parse_args()

    def fail(msg):
        print(f'mkiso: {msg}', file=sys.stderr)
        sys.exit(1)
    if not os.path.isfile(a.image):
        fail(f'{a.image} missing (not built?)')
    if not a.timeout.isdigit():
        fail(f'ISO_TIMEOUT must be a number of seconds, not {a.timeout!r}')
    if a.xen and not os.path.isfile(a.xen):
        fail(f'Xen hypervisor {a.xen} missing')
    if a.default == 'xen' and not a.xen:
        fail('ISO_DEFAULT=xen needs a Xen hypervisor (ISO_XEN): ' + (
            'for i386, one built with 32-bit PV (scripts/build-xen-pv32.sh build/xen)'
            if a.arch == 'i386' else 'Debian\'s xen-hypervisor-4.17-amd64 gives /boot/xen-4.17-amd64.gz'))
    for tool in ('grub-mkrescue', 'xorriso', 'mformat'):
        if not shutil.which(tool):
            fail(f'{tool} missing: run scripts/install-deps.sh')
    if not os.path.isdir(GRUB_PC):
        fail(f'{GRUB_PC} missing (package grub-pc-bin): run scripts/install-deps.sh')
    app = app_name(a.image)
    try:
        cfg = grub_cfg(app, a.arch, a.args, a.default, a.timeout, a.xen_args, bool(a.xen))
    except ValueError as e:
        fail(f'ARGS: {e}')

    with tempfile.TemporaryDirectory(prefix='mkiso-') as root:
        os.makedirs(os.path.join(root, 'boot', 'grub'))
        shutil.copyfile(a.image, os.path.join(root, 'boot', f'{app}.elf'))
        with open(os.path.join(root, 'boot', 'grub', 'grub.cfg'), 'w') as f:
            f.write(cfg)
        if a.xen:   # GRUB's gzio unpacks it as it loads
            with open(a.xen, 'rb') as f:
                data = f.read()
            if data[:2] != b'\x1f\x8b':
                data = gzip.compress(data, 6)
            with open(os.path.join(root, 'boot', 'xen.gz'), 'wb') as f:
                f.write(data)
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        cmd = ['grub-mkrescue', '-d', GRUB_PC, '--locales=', '--fonts=', '--themes=',
               f'--install-modules={MODULES}', '-o', a.out + '.tmp', root]
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if p.returncode:
            sys.stderr.write(p.stdout + p.stderr)
            fail(f'grub-mkrescue failed (exit {p.returncode})')
    os.replace(a.out + '.tmp', a.out)
    entries = 'native' + (' and Xen dom0' if a.xen else '')
    print(f'  ISO     {a.out}: {entries}, default {a.default}, timeout {a.timeout} s')
    if not a.xen:
        print('  ISO     no Xen entry: ' + (
            'i386 needs a Xen with 32-bit PV (scripts/build-xen-pv32.sh build/xen)' if a.arch == 'i386'
            else 'no /boot/xen-4.17-amd64.gz (xen-hypervisor-4.17-amd64)'))


if __name__ == '__main__':
    main()
