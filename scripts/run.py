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
import socket
import signal
import subprocess
import sys
import threading
import time

# What a booted image says and expects on its console, and how Xen boots
# it, in one place: this script and the boot tests (tests/boot/run.py
# imports it) read statuses, end input and start Xen alike.
FATAL_STATUS = 256          # PANIC_EXIT_STATUS, include/proteus/panic.h
FATAL_EXIT = 128 + signal.SIGABRT
NO_STATUS_EXIT = 125
EOF_BYTE = b'\x04'          # Ctrl-D
# The kernel's last line (kernel_exit(), include/proteus/panic.h).
STATUS_LINE = re.compile(r'^proteus: exit status (\d+)', re.M)
# Xen reads serial input for its own debug keys until it hands the console
# to dom0 (xen/drivers/char/console.c, console_endboot()), and then holds it
# in a 128-byte ring until dom0 reads it, dropping what does not fit; input
# waits for that line and then for dom0's own boot line (multiline regex).
# Piped input then goes in pieces of 64 bytes 50 ms apart (docs/console.md,
# "Xen"). That keeps a busy host's dom0 ahead of it, but Xen gives no way to
# be sure: bulk input to a dom0 wants flow control by the app.
XEN_INPUT_READY = r'(?s)^\(XEN\) \*\*\* Serial input to DOM0.*^proteus: platform='
XEN_PIECE, XEN_PIECE_GAP = 64, 0.05
QEMU = {'x86_64': 'qemu-system-x86_64', 'i386': 'qemu-system-i386'}


def last_status(console):
    """The status in the kernel's last status line, or None without one."""
    lines = STATUS_LINE.findall(console)
    return int(lines[-1]) if lines else None


def port_byte(status):
    """What the guest wrote to isa-debug-exit for `status`
    (exit_port_byte(), include/proteus/panic.h)."""
    return status if 0 <= status <= 255 else 0xff


def end_of_input(typed):
    """The Ctrl-Ds that end input after `typed` (docs/console.md): one at
    the start of a line (nothing typed, or after a line end or a Ctrl-D),
    two after an unfinished line (the first hands the line over)."""
    return EOF_BYTE if not typed or typed.endswith((b'\n', b'\r', EOF_BYTE)) else 2 * EOF_BYTE


def xen_boot_args(build, arch, image, cmdline, xen_cmdline=''):
    """QEMU arguments that boot the real Xen 4.17 with `image` as dom0: Xen
    as QEMU's -kernel (Multiboot), the image its first module. An i386 dom0
    needs Xen rebuilt with 32-bit PV (scripts/build-xen-pv32.sh); Xen is a
    64-bit guest either way (qemu-system-x86_64). Returns (args, xen)."""
    xen = os.path.join(build, 'xen', 'xen-4.17-pv32.elf' if arch == 'i386' else 'xen-4.17.elf')
    # QEMU splits -initrd at commas; a doubled comma is a comma.
    module = ' '.join(filter(None, (image, cmdline))).replace(',', ',,')
    return ['-kernel', xen, '-append', f'console=com1 {xen_cmdline}'.strip(), '-initrd', module], xen


def kernel_cmdline(args):
    """ARGS, split as a shell would, re-quoted as the kernel's command line."""
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
        args, xen = xen_boot_args(build, opts.arch, image, cmdline)
        needed.append(xen)
        cmd[0] = QEMU['x86_64']
        cmd += ['-cpu', 'qemu64', *args]
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
    if opts.forward:
        if opts.platform == 'xen':
            raise SystemExit('run: --forward: a network device under Xen is the dom0\'s '
                             'business (docs/xen-pv.md); boot natively for a forwarded port')
        # QEMU's user networking (the guest gets 10.0.2.15 by DHCP) and a
        # host port forwarded to the app's
        cmd += ['-netdev', f'user,id=n0,hostfwd=tcp:127.0.0.1:{opts.host_port}-:{opts.forward}',
                '-device', 'virtio-net-pci,netdev=n0']
    return cmd + shlex.split(opts.qemu_args)


def free_port(want):
    """want if nothing on this host listens there, else any free port."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(('127.0.0.1', want))
        except OSError:
            s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def feed_input(proc, wait_for, ready):
    """Copy our stdin (a pipe or a file) to the console, then end it as
    docs/console.md asks: one Ctrl-D after nothing or a line end, two after
    an unfinished line (the first hands the line over, the second ends)."""
    try:
        if wait_for is not None:
            ready.wait()
        fd = sys.stdin.fileno()
        last = b''
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
        proc.stdin.write(end_of_input(last))
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
    ap.add_argument('--forward', type=int, default=0, metavar='PORT',
                    help="give the guest a virtio-net device on QEMU's user network and forward "
                         "a host port to the guest's PORT (an app's RUN_FORWARD_<app>)")
    ap.add_argument('--host-port', type=int, default=int(os.environ.get('HOST_PORT') or 8080),
                    help='the host port for --forward (default $HOST_PORT or 8080; '
                         'another free one if that is taken)')
    opts = ap.parse_args()
    if opts.print_cmdline:
        try:
            print(kernel_cmdline(opts.args))
        except SystemExit as e:
            print(e, file=sys.stderr)
            return 2
        return 0
    if not opts.image:
        ap.error('the image is needed')

    try:
        cmd = qemu_command(opts, opts.image, kernel_cmdline(opts.args))
    except SystemExit as e:
        print(e, file=sys.stderr)
        return NO_STATUS_EXIT
    if opts.forward:
        opts.host_port = free_port(opts.host_port)
        cmd = qemu_command(opts, opts.image, kernel_cmdline(opts.args))
        print(f'  URL     http://127.0.0.1:{opts.host_port}/ (the host\'s port {opts.host_port} '
              f'is the guest\'s {opts.forward})', file=sys.stderr, flush=True)
    piped = not os.isatty(sys.stdin.fileno())
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if piped else None,
                                stdout=subprocess.PIPE)
    except OSError as e:
        print(f'run: cannot start {cmd[0]}: {e.strerror}', file=sys.stderr)
        return NO_STATUS_EXIT

    ready = threading.Event()
    wait_for = re.compile(XEN_INPUT_READY, re.M) if opts.platform == 'xen' else None
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
        if wait_for is not None and not ready.is_set() and \
                wait_for.search(tail.decode('utf-8', 'replace')):
            ready.set()
    ready.set()
    rc = proc.wait()
    if timer:
        timer.cancel()

    status = last_status(tail.decode('utf-8', 'replace'))
    if rc < 0:
        why = f'QEMU was stopped by signal {-rc}' + (f' after {opts.timeout:g} s' if opts.timeout else '')
    elif rc == 1 and status is None:
        why = 'QEMU failed (its message is above)'
    elif rc == 0 and status is None:
        why = 'QEMU ended without a guest status (quit with Ctrl-A X, or the machine reset)'
    elif status is None:
        why = f'QEMU exited {rc} but the guest printed no status line'
    else:
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
