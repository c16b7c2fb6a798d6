#!/usr/bin/env python3
"""Boot one Proteus image in QEMU with the console on this terminal, and
exit with the guest's status: what `make run` calls (docs/apps.md, "Running").

Why a wrapper and not a bare QEMU command line:
  * the status. QEMU's isa-debug-exit turns the byte the guest writes into
    the exit code (byte << 1) | 1, of which the host keeps 8 bits: 7 bits of
    the status. The kernel prints the whole status as its last line,
    "proteus: exit status N" (kernel_exit(), include/proteus/panic.h); this
    script watches the console for it.
  * the arguments. ARGS is taken from the environment (make exports a
    variable set on its command line), split with the shell's quoting rules
    and re-quoted for the kernel's parser (double quotes only,
    kernel/cmdline.c), so `ARGS='quiet -- a "b c"'` gives argv {app, a, b c}.
  * the end of input. Piped input is copied to the console and followed by
    Ctrl-D, the console's end of input (docs/console.md), so that an app
    reading stdin to its end ends too. A terminal is handed to QEMU as it is
    (QEMU puts it in raw mode; Ctrl-D typed at the start of a line is then
    the end of input, Ctrl-A X quits QEMU).

Exit codes (docs/apps.md, "Exit statuses"):
  0-255  the app's exit status
  134    a fatal error in the guest (status 256: a panic, a fault, abort()),
         as a shell reports a process that died of SIGABRT; the last line
         printed says which it was
  125    no guest status: the image is missing, QEMU could not start or
         failed (its own message is on stderr), QEMU was quit (Ctrl-A X), the
         machine reset or hung past --timeout
make itself exits 2 whenever a recipe fails, so `make run` can only say
0 or 2; the status is printed by this script either way.
"""
import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time

FATAL_STATUS = 256          # PANIC_EXIT_STATUS, include/proteus/panic.h
FATAL_EXIT = 128 + signal.SIGABRT
NO_STATUS_EXIT = 125
EOF_BYTE = b'\x04'          # Ctrl-D
STATUS_LINE = re.compile(rb'^proteus: exit status (\d+)', re.M)
# Xen reads serial input for its own debug keys until it hands the console
# to dom0 (xen/drivers/char/console.c, console_endboot()), and then holds it
# in a 128-byte ring until dom0 reads it, dropping what does not fit; piped
# input waits for that line and then for dom0's own boot line, and goes in
# pieces of 64 bytes 50 ms apart (docs/console.md, "Xen"). That keeps a
# busy host's dom0 ahead of it, but Xen gives no way to be sure: bulk input
# to a dom0 wants flow control by the app.
XEN_INPUT_READY = (re.compile(rb'\*\*\* Serial input to DOM0'), re.compile(rb'proteus: platform='))
XEN_PIECE, XEN_PIECE_GAP = 64, 0.05
QEMU = {'x86_64': 'qemu-system-x86_64', 'i386': 'qemu-system-i386'}


def kernel_words(args):
    """ARGS, split as a shell would, re-quoted for the kernel's command line."""
    try:
        words = shlex.split(args)
    except ValueError as e:
        raise SystemExit(f'run: ARGS: {e} in {args!r}')
    out = []
    for w in words:
        if '"' in w:
            raise SystemExit(f'run: ARGS: the kernel command line cannot hold a double quote '
                             f'inside a word ({w!r})')
        out.append(f'"{w}"' if not w or any(c.isspace() for c in w) else w)
    return ' '.join(out)


def qemu_command(opts, image, cmdline):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = os.path.join(root, opts.build)
    cmd = [QEMU[opts.arch], '-display', 'none', '-serial', 'stdio', '-no-reboot',
           '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-m', opts.mem]
    needed = [image]
    if opts.platform == 'xen':
        # The real Xen as QEMU's -kernel (Multiboot) and the image as dom0,
        # its first module; an i386 dom0 needs Xen rebuilt with 32-bit PV
        # (scripts/build-xen-pv32.sh). Xen is a 64-bit guest either way.
        xen = os.path.join(build, 'xen', 'xen-4.17-pv32.elf' if opts.arch == 'i386'
                           else 'xen-4.17.elf')
        needed.append(xen)
        # QEMU splits -initrd at commas; a doubled comma is a comma.
        module = ' '.join(filter(None, (image, cmdline))).replace(',', ',,')
        cmd[0] = QEMU['x86_64']
        cmd += ['-cpu', 'qemu64', '-kernel', xen, '-append', 'console=com1', '-initrd', module]
    else:
        cmd += ['-kernel', image]
        if cmdline:
            cmd += ['-append', cmdline]
        if opts.platform == 'vmi':
            rom = os.path.join(build, opts.arch, 'vmi-native.rom')
            needed.append(rom)
            cmd += ['-option-rom', rom]
    for f in needed:
        if not os.path.isfile(f):
            raise SystemExit(f'run: {f} is missing (not built?)')
    return cmd + shlex.split(opts.qemu_args)


def feed_input(proc, wait_for, ready):
    """Copy our stdin (a pipe or a file) to the console, then end it as
    docs/console.md asks: one Ctrl-D after nothing or a line end, two after
    an unfinished line (the first hands the line over, the second ends)."""
    try:
        if wait_for is not None:
            ready.wait()
        fd = sys.stdin.fileno()
        last = b'\n'
        piece = XEN_PIECE if wait_for is not None else 4096
        while True:
            chunk = os.read(fd, piece)
            if not chunk:
                break
            proc.stdin.write(chunk)
            proc.stdin.flush()
            last = chunk[-1:]
            if wait_for is not None:
                time.sleep(XEN_PIECE_GAP)
        proc.stdin.write(EOF_BYTE if last in (b'\n', b'\r', EOF_BYTE) else EOF_BYTE * 2)
        proc.stdin.flush()
    except (BrokenPipeError, ValueError, OSError):
        pass        # QEMU has gone: nothing left to type into


def main():
    ap = argparse.ArgumentParser(description='Boot a Proteus image in QEMU; exit with its status.')
    ap.add_argument('image', nargs='?', help='build/<arch>/<app>.elf')
    ap.add_argument('--print-cmdline', action='store_true',
                    help="print ARGS as the kernel's command line and exit (make debug, iso, "
                         "xl and libvirt bake in what make run would pass)")
    ap.add_argument('--arch', choices=sorted(QEMU), default='x86_64')
    ap.add_argument('--platform', choices=('native', 'vmi', 'xen'), default='native',
                    help='native: QEMU alone; vmi: with the vmi-native shim ROM; '
                         'xen: under the real Xen 4.17, as dom0')
    ap.add_argument('--mem', default='128', help='QEMU -m (default 128)')
    ap.add_argument('--args', default=os.environ.get('ARGS', ''),
                    help='kernel options -- app arguments, with shell quoting (default: $ARGS)')
    ap.add_argument('--qemu-args', default=os.environ.get('QEMU_ARGS', ''),
                    help='more QEMU arguments, shell-quoted (default: $QEMU_ARGS)')
    ap.add_argument('--build', default='build', help='the build folder (default build)')
    ap.add_argument('--timeout', type=float, default=0, help='seconds before QEMU is stopped (0: never)')
    opts = ap.parse_args()
    if opts.print_cmdline:
        try:
            print(kernel_words(opts.args))
        except SystemExit as e:
            print(e, file=sys.stderr)
            return 2
        return 0
    if not opts.image:
        ap.error('the image is needed')

    try:
        cmd = qemu_command(opts, opts.image, kernel_words(opts.args))
    except SystemExit as e:
        print(e, file=sys.stderr)
        return NO_STATUS_EXIT
    piped = not os.isatty(sys.stdin.fileno())
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if piped else None,
                                stdout=subprocess.PIPE)
    except OSError as e:
        print(f'run: cannot start {cmd[0]}: {e.strerror}', file=sys.stderr)
        return NO_STATUS_EXIT

    ready = threading.Event()
    wait_for = XEN_INPUT_READY if opts.platform == 'xen' else None
    if piped:
        threading.Thread(target=feed_input, args=(proc, wait_for, ready), daemon=True).start()
    timer = None
    if opts.timeout:
        timer = threading.Timer(opts.timeout, proc.kill)
        timer.start()
    # Ctrl-C reaches QEMU too (same process group); QEMU ends and so do we.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    tail = b''
    out = sys.stdout.buffer
    while True:
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        out.write(chunk)
        out.flush()
        tail = (tail + chunk)[-65536:]
        if wait_for is not None and not ready.is_set():
            # the two lines in order: dom0's boot line after Xen's hand-over
            handed = wait_for[0].search(tail)
            if handed and wait_for[1].search(tail, handed.end()):
                ready.set()
    ready.set()
    rc = proc.wait()
    if timer:
        timer.cancel()

    lines = STATUS_LINE.findall(tail)
    if rc < 0:
        why = f'QEMU was stopped by signal {-rc}' + (f' after {opts.timeout:g} s' if opts.timeout else '')
    elif rc == 1 and not lines:
        why = 'QEMU failed (its message is above)'
    elif rc == 0 and not lines:
        why = 'QEMU ended without a guest status (quit with Ctrl-A X, or the machine reset)'
    elif not lines:
        why = f'QEMU exited {rc} but the guest printed no status line'
    else:
        status = int(lines[-1])
        if status == FATAL_STATUS:
            print(f'  EXIT    fatal error in the guest (status {status}); exit code {FATAL_EXIT}',
                  file=sys.stderr)
            return FATAL_EXIT
        print(f'  EXIT    guest status {status}', file=sys.stderr)
        return status if 0 <= status <= 255 else NO_STATUS_EXIT
    print(f'  EXIT    {why}; exit code {NO_STATUS_EXIT}', file=sys.stderr)
    return NO_STATUS_EXIT


if __name__ == '__main__':
    sys.exit(main())
