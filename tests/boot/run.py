#!/usr/bin/env python3
"""Proteus boot-test runner.

Boots every run of the table (tests/boot/tests.cfg) under QEMU, then checks the
serial console against the row's regexes and the guest exit status, which the
guest reports by writing N to the isa-debug-exit port 0xf4 (QEMU then exits
with 2N+1). It is the one runner for `make check`, CI and manual use, so that a
test is added by adding a row, never by writing shell. Python 3 stdlib only.
"""
import argparse
import dataclasses
import importlib.util
import configparser
import os
import re
import shlex
import signal
import socket
import struct
import subprocess
import sys
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLE = os.path.join(REPO, 'tests', 'boot', 'tests.cfg')

# Field defaults; cpu defaults per arch. The table documents the fields.
DEFAULTS = {'machine': 'pc', 'boot': 'multiboot', 'mem': '64', 'accel': 'tcg',
            'append': '', 'extra': '', 'timeout': '20', 'expect_status': '0',
            'expect': '', 'reject': '', 'platform': '', 'end': 'status',
            'input': '', 'input_file': '', 'input_eof': 'yes', 'input_delay': '0',
            'input_chunk': '0', 'input_ack': '',
            'clock_tolerance_ms': '',
            'qemu': 'system', 'hypervisor': 'none', 'xen_args': '',
            'option_rom': '', 'rom_checksum': 'checked',
            'expect_tcg': '', 'expect_kvm': '', 'loader': '',
            'patch': '', 'gdb': '', 'cdrom': '', 'command': '', 'smp': '1',
            'xl_memory': '64', 'xl_vcpus': '1', 'xl_actions': '', 'xl_end': 'poweroff',
            'xl_config': '', 'xl_vif': 'no', 'xl_disk': '0', 'xl_disk_mode': 'w',
            'xl_disk_check': 'no'}
FIELDS = set(DEFAULTS) | {'image', 'arch', 'cpu', 'input_after'}
DEFAULT_CPU = {'x86_64': 'qemu64', 'i386': 'qemu32'}
# When a row's input is typed if the row sets no input_after: once the
# kernel's boot line is out, so its console input is live. Under Xen, also
# only after Xen has handed serial input to dom0 (before that, bytes go to
# Xen's debug keys); dom0 prints its boot line after binding VIRQ_CONSOLE and
# enabling events, so from then on it empties Xen's 128-byte ring as bytes
# come (docs/console.md).
INPUT_AFTER = r'^proteus: platform='
# scripts/run.py (make run) is the one home of what an image says and
# expects on its console and of how Xen boots it: its status line, its end
# of input, when a Xen dom0 takes input, Xen's QEMU arguments.
_spec = importlib.util.spec_from_file_location('proteus_run', os.path.join(REPO, 'scripts', 'run.py'))
proteus_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proteus_run)
INPUT_AFTER_XEN = proteus_run.XEN_INPUT_READY
QEMU = proteus_run.QEMU
COMMON = ['-display', 'none', '-serial', 'stdio']
# A reset ends QEMU (it looks like a crash, never a pass) except in poweroff
# runs: there QEMU's exit 0 must mean power-off, so a reset reboots instead
# and the run times out.
NO_REBOOT = ['-no-reboot']
EXIT_DEVICE = ['-device', 'isa-debug-exit,iobase=0xf4,iosize=4']
# How a run must end (field `end`):
#   status    the guest writes its status to isa-debug-exit (QEMU exits 2N+1)
#             and prints it whole (guest_status())
#   poweroff  no exit device: the guest must turn the machine off itself
#             (ACPI S5), so QEMU exits 0
#   halt      no exit device and no way to power off: the guest must print
#             its last words and stay halted; the runner ends it at the
#             timeout, and that is the pass condition here alone
ENDS = ('status', 'poweroff', 'halt', 'reset')
# hypervisor = xl rows: Proteus as a domU under Debian's xl on a Linux dom0
# (tests/boot/xl_host.py), every row of an arch in one dom0 boot. xl_end
# is how the domain's first life ends, as xl reports it: "has shut down,
# reason code R" (poweroff 0, reboot 1, crash 3) or "has been destroyed".
XL_ENDS = ('poweroff', 'reboot', 'suspend', 'crash', 'destroy')
XL_REASON = {'poweroff': 0, 'reboot': 1, 'suspend': 2, 'crash': 3}
XL_ACTIONS = ('wait', 'xl', 'console', 'store', 'sleep', 'elapsed', 'sh')
XL_XEN = {'x86_64': 'xen-4.17.elf', 'i386': 'xen-4.17-pv32.elf'}
# Under this nested KVM, -cpu host and -cpu max fail ("failed to set MSR 0x10a").
KVM_CPU = {'max': 'host,-arch-capabilities'}
# The hostile test loader (tests/boot/loader/): QEMU boots it, and it boots
# the image with crafted boot information. Its own failures end the machine
# with this status, which no kernel result uses.
LOADER = os.path.join('loader', 'hostile-loader.elf')
LOADER_FAIL_STATUS = 77
# QEMU's own start-up errors (it then exits 1, which looks like guest status 0).
QEMU_ERROR = re.compile(r'^qemu(-system-\S+)?: (?!(.*: )?warning: )', re.M)
TAIL = 40
LIVE = set()               # QEMUs running now: killed if the runner is stopped


class TableError(Exception):
    pass


@dataclass
class Run:
    name: str
    arch: str
    image: str
    accel: str
    cmd: list
    timeout: float
    status: int
    expect: list
    reject: list
    end: str = 'status'
    console_input: bytes = b''
    input_after: object = None   # None: typed as soon as QEMU starts
    input_delay: float = 0
    clock_tolerance_ms: float = None
    env: dict = None
    loader: bool = False   # booted through the hostile test loader
    patch: tuple = None    # (image, what, symbol): boot a patched copy (PATCHES)
    gdb: str = None        # gdb script run against QEMU's gdb server (boot_gdb)
    cdrom: tuple = None    # (app, `make iso` variables): boot the GRUB ISO it makes (build_isos)
    command: str = None    # a host command instead of QEMU (run_command)
    input_ack: tuple = None   # (piece size, regex): input flow-controlled by the guest
    xl: dict = None        # hypervisor = xl: the domU's config and dom0's actions (run_xl)


@dataclass
class Result:
    result: str            # PASS, FAIL, TIMEOUT or SKIP
    secs: float = None     # None: QEMU never ran
    reason: str = ''
    output: str = ''
    broken: bool = False   # the test could not run at all


def regexes(name, key, text):
    """One regex per non-blank line of a field."""
    try:
        return [re.compile(l, re.M) for l in text.splitlines() if l.strip()]
    except re.error as e:
        raise TableError(f'[{name}]: {key}: bad regex: {e}')


# Fields a section may give several blank-separated values, one row each.
EXPANDED = ('arch', 'smp')


def rows_per_arch(cp):
    """The table's rows: a section whose arch names several arches
    (arch = x86_64 i386) is one row per arch, and one whose smp names
    several CPU counts (smp = 2 4 8) one row per count. {arch} and {smp}
    in the section name and in any field become that row's value, so its
    runs are named and built exactly as one section each would make them;
    a section naming several values must hold {arch} or {smp} in its name.
    Yields (row name, the row as messages name it, its fields)."""
    names = set()
    for section in cp.sections():
        values = {}
        for key in EXPANDED:
            values[key] = cp[section].get(key, DEFAULTS.get(key, '')).split()
            if len(values[key]) > 1 and '{' + key + '}' not in section:
                raise TableError(f'[{section}]: {key} names {len(values[key])} values, so the '
                                 f'section name must hold {{{key}}}, which each replaces '
                                 f'(e.g. [hello-{{{key}}}])')
            if len(set(values[key])) < len(values[key]):
                raise TableError(f'[{section}]: {key} names a value twice')
        for arch in values['arch'] or ['']:   # no arch: the row's checks say so
            for smp in values['smp'] or ['1']:
                def fill(v):
                    return v.replace('{arch}', arch).replace('{smp}', smp)
                name = fill(section)
                if name in names:
                    raise TableError(f'[{section}]: makes the row {name}, which an earlier section '
                                     f'makes too')
                names.add(name)
                t = {k: fill(v) for k, v in dict(DEFAULTS, **cp[section]).items()}
                t['arch'] = arch
                t['smp'] = smp
                yield name, f'{section} as {name}' if arch and name != section else section, t


def load_table(path, build_dir):
    """Parse the table and expand each row into its runs (one per arch and
    per accel)."""
    cp = configparser.ConfigParser(interpolation=None, empty_lines_in_values=False)
    try:
        if not cp.read(path):
            raise TableError(f'cannot read {path}')
    except configparser.Error as e:
        raise TableError(str(e))
    runs = []
    for name, where, t in rows_per_arch(cp):

        def check(ok, msg):
            if not ok:
                raise TableError(f'[{where}]: {msg}')
        check(not set(t) - FIELDS, f'unknown field(s) {sorted(set(t) - FIELDS)}')
        check(t.get('image'), 'no image')
        check(t.get('arch') in QEMU, f"arch must be one or more of {sorted(QEMU)}")
        machine = t['machine'].split(',')[0]   # options may follow: microvm,rtc=on
        check(machine in ('pc', 'q35', 'microvm'), 'machine must be pc, q35 or microvm')
        check(t['boot'] in ('multiboot', 'pvh'), 'boot must be multiboot or pvh')
        check(machine != 'microvm' or t['boot'] == 'pvh', 'microvm needs boot = pvh')
        check(t['accel'] in ('tcg', 'kvm', 'both'), 'accel must be tcg, kvm or both')
        check(t['end'] in ENDS, f'end must be one of {", ".join(ENDS)}')
        check(t['qemu'] in ('system', 'backport'), 'qemu must be system or backport')
        check(t['hypervisor'] in ('none', 'xen', 'xl'), 'hypervisor must be none, xen or xl')
        check(t['xl_end'] in XL_ENDS, f'xl_end must be one of {", ".join(XL_ENDS)}')
        check(t['hypervisor'] == 'xl' or not any(t[k] != DEFAULTS[k] for k in DEFAULTS if k.startswith('xl_')),
              'the xl_ fields are for hypervisor = xl rows')
        check(t['rom_checksum'] in ('checked', 'unchecked'), 'rom_checksum must be checked or unchecked')
        check(not t['loader'] or (machine == 'pc' and t['hypervisor'] == 'none'),
              'a loader row needs machine = pc and no hypervisor')
        check(not t['command'] or not (t['gdb'] or t['cdrom']), 'a command row boots nothing: no gdb or cdrom')
        check(not t['gdb'] or (t['hypervisor'] == 'none' and not t['loader'] and not t['cdrom']),
              'a gdb row boots the image itself: no hypervisor, loader or cdrom')
        check(not t['cdrom'] or (machine == 'pc' and not t['loader'] and not t['append'] and not t['patch']),
              'a cdrom row needs machine = pc, no loader, patch or append '
              '(the ISO holds the command lines: cdrom = ARGS=...)')
        try:
            cdrom = shlex.split(t['cdrom']) if t['cdrom'] not in ('', 'default') else []
        except ValueError as e:
            raise TableError(f'[{where}]: cdrom: {e}')
        check(all(re.fullmatch(r'(ARGS|ISO_TIMEOUT)=.*', v, re.S) for v in cdrom),
              'cdrom takes the make iso variables ARGS= and ISO_TIMEOUT= (hypervisor = xen '
              'chooses the Xen entry, xen_args its command line)')
        if t['cdrom'] and t['hypervisor'] == 'xen':   # the ISO's Xen entry boots by default
            cdrom += ['ISO_DEFAULT=xen'] + ([f"XEN_ARGS={t['xen_args']}"] if t['xen_args'] else [])
        try:
            timeout, status = float(t['timeout']), int(t['expect_status'], 0)
            input_delay = float(t['input_delay'])
        except ValueError:
            raise TableError(f'[{where}]: timeout, expect_status and input_delay must be numbers')
        check(0 <= input_delay < timeout, 'input_delay must be at least 0 and below the timeout')
        console_input, input_after = console_input_of(where, t)
        try:
            chunk = int(t['input_chunk'])
        except ValueError:
            chunk = -1
        check(chunk >= 0, 'input_chunk must be a number of bytes')
        check(bool(chunk) == bool(t['input_ack']), 'input_chunk and input_ack go together')
        input_ack = (chunk, regexes(where, 'input_ack', t['input_ack'])[0]) if chunk else None
        reject = regexes(where, 'reject', t['reject'])
        arch = t['arch']
        # With a loader the scenario picks the entry, from the full image.
        image = os.path.join(build_dir, arch, t['image'] + (
            '.pvh.elf' if t['boot'] == 'pvh' and not t['loader'] else '.elf'))
        if t['cdrom']:   # one ISO per row, made once before the runs
            image = os.path.join(build_dir, 'test-images', arch, f"{t['image']}-{name}.iso")
        patch = None
        if t['patch']:
            what, _, symbol = t['patch'].partition('@')
            check(what in PATCHES and symbol, f'patch must be {" or ".join(PATCHES)}@SYMBOL')
            patch = (image, what, symbol)
            image = os.path.join(build_dir, 'test-images', arch,
                                 f"{os.path.basename(image)[:-4]}-{what}-{symbol}.elf")
        if t['hypervisor'] == 'xl':
            check(t['accel'] == 'tcg' and not (t['loader'] or t['cdrom'] or t['patch'] or t['gdb']
                                               or t['command'] or t['input'] or t['input_file']),
                  'an xl row runs under the dom0 host (TCG): no loader, cdrom, patch, gdb, '
                  'command or input (type with a console action)')
            check(t['xl_memory'].isdigit() and 8 <= int(t['xl_memory']) <= 1024,
                  'xl_memory must be 8-1024 (MiB)')
            check(t['xl_vcpus'].isdigit() and int(t['xl_vcpus']) >= 1, 'xl_vcpus must be a count')
            actions = [l.strip() for l in t['xl_actions'].splitlines() if l.strip()]
            check(not t['xl_config'] or (os.path.isfile(os.path.join(REPO, t['xl_config'])) and
                                         t['xl_memory'] == DEFAULTS['xl_memory'] and
                                         t['xl_vcpus'] == DEFAULTS['xl_vcpus'] and not t['append']),
                  'xl_config names a file in the repository, which says memory, vcpus and extra')
            check(all(a.split()[0] in XL_ACTIONS for a in actions),
                  f'xl_actions: each line one of {", ".join(XL_ACTIONS)}')
            check(t['xl_vif'] in ('yes', 'no') or re.fullmatch(r'ip=\d+\.\d+\.\d+\.\d+', t['xl_vif']),
                  'xl_vif must be yes, no or ip=A.B.C.D')
            check(t['xl_disk'].isdigit() and int(t['xl_disk']) <= 256, 'xl_disk must be 0-256 (MiB)')
            check(t['xl_disk_mode'] in ('w', 'r'), 'xl_disk_mode must be w or r')
            check(t['xl_disk_check'] in ('pattern', 'zero', 'no') and
                  (t['xl_disk_check'] == 'no' or int(t['xl_disk']) >= 2),
                  'xl_disk_check must be pattern, zero or no, and a check needs an xl_disk of '
                  '2 MiB or more')
            expect = regexes(where, 'expect', t['expect'] + '\n' + t['expect_tcg'])
            runs.append(Run(f'{name}-tcg', arch, image, 'tcg', [], timeout, status, expect, reject,
                            xl={'name': 'px-' + name, 'memory': t['xl_memory'],
                                'vcpus': t['xl_vcpus'], 'args': t['append'],
                                'actions': actions, 'end': t['xl_end'],
                                'config': t['xl_config'],
                                'vif': t['xl_vif'] if t['xl_vif'].startswith('ip=') else t['xl_vif'] == 'yes',
                                'disk': int(t['xl_disk']), 'disk_mode': t['xl_disk_mode'],
                                'disk_check': t['xl_disk_check']}))
            continue
        for accel in ('tcg', 'kvm') if t['accel'] == 'both' else (t['accel'],):
            expect = regexes(where, 'expect', t['expect'] + '\n' + t['expect_' + accel])
            # Xen itself is the 64-bit guest of QEMU, whatever the image's arch
            cpu = t.get('cpu') or ('qemu64' if t['hypervisor'] == 'xen' else DEFAULT_CPU[arch])
            if accel == 'kvm':   # the model, not its flags: max,kvm=off
                model, _, flags = cpu.partition(',')
                cpu = ','.join(filter(None, (KVM_CPU.get(model, model), flags)))
            binary, data, env = QEMU[arch], [], None
            if t['qemu'] == 'backport':
                # QEMU 10 from bookworm-backports (scripts/fetch-qemu-backport.sh),
                # with its own firmware first and the system's (SeaBIOS) after.
                root = os.path.join(build_dir, 'qemu-backport', 'root', 'usr')
                binary = os.path.join(root, 'bin', QEMU[arch])
                data = ['-L', os.path.join(root, 'share', 'qemu'), '-L', '/usr/share/qemu']
                # its own modules folder, or it tries the system QEMU's modules
                # and complains that they come from another build
                env = dict(os.environ, QEMU_MODULE_DIR=os.path.join(root, 'lib', 'x86_64-linux-gnu', 'qemu'))
            cmd = [binary, *data, '-accel', accel, '-M', t['machine'], '-m', t['mem'],
                   '-cpu', cpu, *(['-smp', t['smp']] if t['smp'] != '1' else []), *COMMON,
                   *(NO_REBOOT if t['end'] != 'poweroff' else []),
                   *(EXIT_DEVICE if t['end'] == 'status' else [])]
            if t['cdrom']:
                # GRUB from the ISO boots the image or, with hypervisor =
                # xen, Xen (a 64-bit hypervisor, whatever the image's arch)
                if t['hypervisor'] == 'xen':
                    cmd[0] = QEMU['x86_64']
                cmd += ['-cdrom', image]
            elif t['hypervisor'] == 'xen':
                # Real Xen from QEMU's -kernel, the image as dom0 with its
                # own command line, Xen's from xen_args
                cmd[0] = QEMU['x86_64']
                cmd += proteus_run.xen_boot_args(build_dir, arch, image, t['append'], t['xen_args'])[0]
            elif t['loader']:
                # The image is the loader's first module; its command line
                # is the scenario, then the kernel's (commas doubled: QEMU
                # splits -initrd at single ones).
                line = ' '.join(filter(None, (image, t['loader'], t['append'])))
                cmd += ['-kernel', os.path.join(build_dir, LOADER),
                        '-initrd', line.replace(',', ',,')]
            else:
                cmd += ['-kernel', image]
                if t['append']:
                    cmd += ['-append', t['append']]
            if t['option_rom']:
                # SeaBIOS copies it into the option-ROM area (0xC0000-0xDFFFF).
                rom = t['option_rom'] if '/' in t['option_rom'] else f"{arch}/{t['option_rom']}"
                cmd += ['-option-rom', os.path.join(build_dir, rom + '.rom')]
            if t['rom_checksum'] == 'unchecked':
                # SeaBIOS drops a ROM whose checksum is wrong unless the
                # fw_cfg file etc/optionroms-checksum holds 0: then the
                # kernel must refuse it itself.
                zero = os.path.join(build_dir, 'seabios-optionroms-checksum-0')
                if not os.path.exists(zero):
                    with open(zero, 'wb') as f:
                        f.write(bytes(8))
                cmd += ['-fw_cfg', f'name=etc/optionroms-checksum,file={zero}']
            cmd += shlex.split(t['extra'])
            runs.append(Run(f'{name}-{accel}', arch, image, accel, cmd, timeout, status, expect,
                            reject, t['end'],
                            console_input, input_after, input_delay,
                            float(t['clock_tolerance_ms']) if t['clock_tolerance_ms'] else None,
                            env, bool(t['loader']), patch,
                            os.path.join(REPO, t['gdb']) if t['gdb'] else None,
                            (t['image'], cdrom) if t['cdrom'] else None, t['command'] or None,
                            input_ack=input_ack))
    return runs


def console_input_of(name, t):
    """The bytes a row types (field input, with backslash escapes, or
    input_file, a file in the repository), ended as input_eof says, and
    the regex to wait for (None: type at once)."""
    if t['input'] and t['input_file']:
        raise TableError(f'[{name}]: input and input_file exclude each other')
    if t['input_eof'] not in ('yes', 'no'):
        raise TableError(f'[{name}]: input_eof must be yes or no')
    if t['input_file']:
        try:
            with open(os.path.join(REPO, t['input_file']), 'rb') as f:
                data = f.read()
        except OSError as e:
            raise TableError(f'[{name}]: input_file: {e.strerror}: {t["input_file"]}')
    else:
        # latin-1: each escape (\x04, \xff) is the one byte it names
        data = t['input'].encode().decode('unicode_escape').encode('latin-1')
    if data and t['input_eof'] == 'yes':
        data += proteus_run.end_of_input(data)
    after = t.get('input_after', INPUT_AFTER_XEN if t['hypervisor'] == 'xen' else INPUT_AFTER)
    return data, regexes(name, 'input_after', after)[0] if after.strip() else None


def kill(p):
    """SIGKILL a QEMU and anything in its process group."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def qemu(cmd, timeout, console_input=None, input_after=None, env=None, input_delay=0,
         input_ack=None):
    """Run QEMU; kill its whole process group at the timeout. With
    `console_input`, those bytes are typed on the serial console once the
    console has printed something matching `input_after` (so the guest's
    UART is ready and listening), or at once if it is None (so they wait
    in the UART and in QEMU before the guest runs), and then `input_delay`
    seconds have passed (so the guest sits idle in read() first), and
    stdin is closed after them. With `input_ack` = (n, regex) they go in
    pieces of n bytes, each after the console has matched regex once more
    for every piece before it: flow control by the guest, for a console
    that drops what it cannot hold (Xen dom0's).
    Returns (returncode or None on timeout, console text, stderr text)."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE if console_input else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                         env=env)
    LIVE.add(p)
    out, err = bytearray(), bytearray()
    # (host monotonic s, host Unix time s, line) for each console line, taken
    # when its FIRST byte arrived: QEMU's UART model can deliver the rest of a
    # line milliseconds later (seen after the guest was idle), while the
    # guest has already moved on.
    stamps = []
    first = [None]
    output = threading.Condition()   # notified as console output arrives

    def acks():
        return len(input_ack[1].findall(out.decode('utf-8', 'replace').replace('\r', '')))

    def type_input():
        step = input_ack[0] if input_ack else len(console_input)
        try:
            for k, i in enumerate(range(0, len(console_input), step)):
                if input_ack:
                    with output:
                        while acks() < k and p.poll() is None:
                            output.wait(1)
                p.stdin.write(console_input[i:i + step])
                p.stdin.flush()
            p.stdin.close()
        except (OSError, ValueError):   # QEMU gone already
            pass

    def start_typing():
        # In a thread of its own: QEMU takes input only as fast as the guest
        # reads it, and the console must be read meanwhile.
        typer = threading.Timer(input_delay, type_input)
        typer.daemon = True
        typer.start()

    def pump(src, dst, watch):
        typed = False
        while True:
            chunk = os.read(src.fileno(), 4096)
            if not chunk:
                return
            if watch is not None:
                now = (time.monotonic(), time.time())
                start = dst.rfind(b'\n') + 1   # where the unfinished line began
                dst += chunk
                pos = start
                while True:
                    nl = dst.find(b'\n', pos)
                    if first[0] is None and pos < len(dst):
                        first[0] = now
                    if nl < 0:
                        break
                    t = first[0] or now
                    stamps.append((t[0], t[1], bytes(dst[pos:nl]).decode('utf-8', 'replace').rstrip('\r')))
                    first[0] = None
                    pos = nl + 1
            else:
                dst += chunk
            if watch is not None and input_ack:
                with output:
                    output.notify_all()
            if console_input and input_after and watch and not typed and \
                    input_after.search(dst.decode('utf-8', 'replace')):
                typed = True
                start_typing()

    readers = [threading.Thread(target=pump, args=(p.stdout, out, True), daemon=True),
               threading.Thread(target=pump, args=(p.stderr, err, None), daemon=True)]
    for r in readers:
        r.start()
    if console_input and not input_after:
        start_typing()
    # A blocking wait with a timer to kill at the timeout: Popen.wait(timeout)
    # polls, and its wakeups delay the reader threads' timestamps.
    timed_out = threading.Event()

    def expire():
        timed_out.set()
        kill(p)
    killer = threading.Timer(timeout, expire)
    killer.start()
    try:
        rc = p.wait()
    finally:
        killer.cancel()
        LIVE.discard(p)
    if timed_out.is_set():
        rc = None
    for r in readers:
        r.join(5)
    text = lambda b: bytes(b).decode('utf-8', errors='replace').replace('\r', '')
    return rc, text(out), text(err), stamps


def rejected(run, text):
    """A reason per reject pattern found, quoting the whole lines of its
    first three matches: the summary line is what a truncated log keeps, and
    it should name the failing case (a selftest's FAIL line), not only the
    pattern."""
    why = []
    for rx in run.reject:
        found = list(rx.finditer(text))
        if not found:
            continue
        quoted = []
        for m in found[:3]:
            start = text.rfind('\n', 0, m.start()) + 1
            end = text.find('\n', m.start())
            quoted.append(text[start:end if end >= 0 else len(text)].strip()[:200])
        more = f' and {len(found) - 3} more' if len(found) > 3 else ''
        why.append(f'rejected /{rx.pattern}/ found: ' + ' | '.join(quoted) + more)
    return why


CLOCK_MARK = re.compile(r'^clock: (start|end)$')
CLOCK_LINE = re.compile(r'^clock: (start|end) mono=(\d+) real=(\d+) tod=(\d+)$')


def check_clock(stamps, tol_ms):
    """Compare the guest's clocks with the host's over each `clock: start` ..
    `clock: end` round of apps/clockcheck. The guest prints each marker line
    and then reads its clocks (their values follow on the next line); the
    host takes the time the marker's first byte arrived. Each clock's
    elapsed time must be within tol_ms of the host's in the median round
    (one round disturbed on the host does not decide), and the wall clock
    within 2 s of the host's (the CMOS clock it starts from counts seconds)."""
    marks, rounds, start = {}, [], None
    for mono_host, wall_host, line in stamps:
        m = CLOCK_MARK.match(line)
        if m:
            marks[m.group(1)] = (mono_host, wall_host)
            continue
        m = CLOCK_LINE.match(line)
        if not m or m.group(1) not in marks:
            continue
        sample = (*marks[m.group(1)], *(int(g) for g in m.groups()[1:]))
        if m.group(1) == 'start':
            start = sample
        elif start:
            rounds.append((start, sample))
            start = None
    if not rounds:
        return ['clock lines missing']
    why = []
    names = ('CLOCK_MONOTONIC', 'CLOCK_REALTIME', 'gettimeofday')
    for i, name in enumerate(names):
        offs = sorted(((e[2 + i] - s[2 + i]) - (e[0] - s[0]) * 1e9) / 1e6 for s, e in rounds)
        median = offs[len(offs) // 2]
        if abs(median) > tol_ms:
            why.append(f'{name} differs from the host by {median:+.3f} ms over '
                       f'{(rounds[0][1][0] - rounds[0][0][0]):.3f} s (median of '
                       f'{", ".join(f"{o:+.3f}" for o in offs)}; tolerance {tol_ms} ms)')
    s0 = rounds[0][0]
    if abs(s0[3] / 1e9 - s0[1]) > 2:
        why.append(f'the wall clock is {s0[3] / 1e9 - s0[1]:+.1f} s off the host\'s')
    return why


# What the `patch` field writes over a function's first bytes, per ELF
# class: ud2, or a read of address 0 (mov 0x0,%eax).
PATCHES = {'ud2': {1: b'\x0f\x0b', 2: b'\x0f\x0b'},
           'nullread': {1: b'\xa1\x00\x00\x00\x00', 2: b'\x8b\x04\x25\x00\x00\x00\x00'},
           # xor %eax,%eax; ret: a predicate that always answers false
           'false': {1: b'\x31\xc0\xc3', 2: b'\x31\xc0\xc3'}}


def write_patched(src, what, symbol, dst):
    """Copy the ELF image `src` to `dst` with PATCHES[what] over the first
    bytes of function `symbol`: a stand-in for a bug in code that runs
    before anything else could report it. None, or why it failed."""
    try:
        with open(src, 'rb') as f:
            elf = bytearray(f.read())
        out = subprocess.run(['nm', src], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return f'cannot read {src}: {e}'
    addrs = [int(l.split()[0], 16) for l in out.splitlines()
             if len(l.split()) == 3 and l.split()[2] == symbol and l.split()[1] in 'tT']
    if len(addrs) != 1:
        return f'{src} has no single function {symbol}'
    is64 = elf[4] == 2
    phoff, = struct.unpack_from('<Q' if is64 else '<I', elf, 32 if is64 else 28)
    phentsize, phnum = struct.unpack_from('<HH', elf, 54 if is64 else 42)
    for i in range(phnum):
        ph = phoff + i * phentsize
        if is64:
            ptype, _, off, vaddr, _, filesz = struct.unpack_from('<IIQQQQ', elf, ph)
        else:
            ptype, off, vaddr, _, filesz = struct.unpack_from('<IIIII', elf, ph)
        code = PATCHES[what][elf[4]]
        if ptype == 1 and vaddr <= addrs[0] and addrs[0] + len(code) <= vaddr + filesz:
            at = off + addrs[0] - vaddr
            elf[at:at + len(code)] = code
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, 'wb') as f:
                f.write(elf)
            return None
    return f'{symbol} at 0x{addrs[0]:x} is in no loaded segment of {src}'


def guest_status(rc, console):
    """The guest's status from its console and QEMU's exit code, or None and
    why not. The kernel's last line says the whole status (0-255 an app's,
    256 a fatal error); QEMU's exit code keeps only 7 bits of the byte the
    guest wrote to isa-debug-exit ((byte << 1) | 1, cut to 8 bits), so it
    serves only when there is no line (the test loader's own failures) and
    otherwise has to agree with the line."""
    if rc < 0:
        return None, f'QEMU killed by signal {-rc}: no guest status'
    if rc % 2 == 0:
        return None, f'QEMU exited {rc}: no guest status (reset or halt without a port 0xf4 write?)'
    status = proteus_run.last_status(console)
    if status is None:
        return (rc - 1) // 2, None
    want_rc = ((proteus_run.port_byte(status) << 1) | 1) & 0xff
    if want_rc != rc:
        return None, (f'the kernel said status {status} but QEMU exited {rc}, not {want_rc}: '
                      'the port write is wrong')
    return status, None


GDB_ARCH = {'x86_64': 'i386:x86-64', 'i386': 'i386'}
SKIP_STATUS = 77           # a command row's "cannot check here" (as automake's tests)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel picks
    it). QEMU binds it a moment later; should another process take it in
    between, QEMU fails to start and says so, which the row reports."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def boot_gdb(run):
    """A `gdb` row: QEMU stopped at the first instruction (-S) with its gdb
    server on a free port, and Debian's gdb running the row's script against
    it in batch mode, connected as `make debug` connects (scripts/debug.sh:
    the architecture set first). The script must end the guest (`kill`).
    expect and reject are matched against gdb's output; gdb must exit 0 and
    QEMU must end with it. A gdb that never connects, or a guest that never
    reaches the breakpoint, runs into the timeout."""
    port = free_port()
    cmd = run.cmd + ['-S', '-gdb', f'tcp:127.0.0.1:{port}']
    gdb = ['gdb', '-batch', '-nx', '-ex', f'set architecture {GDB_ARCH[run.arch]}',
           '-ex', f'target remote 127.0.0.1:{port}', '-x', run.gdb, run.image]
    t0 = time.monotonic()
    try:
        q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        return Result('FAIL', reason=f'cannot start {cmd[0]}: {e.strerror}', broken=True)
    LIVE.add(q)
    console = []
    reader = threading.Thread(target=lambda: console.append(q.stdout.read()), daemon=True)
    reader.start()
    why, rc = [], None
    try:
        g = subprocess.Popen(gdb, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO)
        LIVE.add(g)
        try:
            out, _ = g.communicate(timeout=run.timeout)
            rc = g.returncode
        except subprocess.TimeoutExpired:
            kill(g)
            out, _ = g.communicate()
        LIVE.discard(g)
    except OSError as e:
        kill(q)
        return Result('FAIL', reason=f'cannot start gdb: {e.strerror} (scripts/install-deps.sh installs it)',
                      broken=True)
    finally:
        if rc is None:
            kill(q)
    try:   # gdb's kill ends QEMU at once ("Terminated via GDBstub")
        q.wait(5)
    except subprocess.TimeoutExpired:
        kill(q)
        q.wait()
        why.append('QEMU still ran after gdb ended (the script must end with kill)')
    LIVE.discard(q)
    reader.join(5)
    secs = time.monotonic() - t0
    out = out.decode('utf-8', 'replace')
    text = (console[0] if console else b'').decode('utf-8', 'replace').replace('\r', '')
    output = (f'$ {shlex.join(gdb)}\n{out}--- console and QEMU messages of '
              f'{shlex.join(cmd[-3:])} ---\n{text}')
    if rc is None:
        return Result('TIMEOUT', secs, f'killed after {run.timeout:g} s', output)
    qemu_error = QEMU_ERROR.search(text)
    if q.returncode != 0 and qemu_error:
        line = text[qemu_error.start():].splitlines()[0]
        return Result('FAIL', secs, f'QEMU failed: {line}', output, broken=True)
    if rc != 0:
        why.append(f'gdb exited {rc}')
    if not why and (q.returncode != 0 or 'Terminated via GDBstub' not in text):
        why.append(f'QEMU exited {q.returncode}, not through gdb\'s kill')
    why += [f'missing /{rx.pattern}/' for rx in run.expect if not rx.search(out)]
    why += rejected(run, out)
    return Result('FAIL' if why else 'PASS', secs, '; '.join(why), output)


def run_command(run):
    """A `command` row: a host command (sh -c, in the repository) instead of
    a boot, for the deploy checks that run a real tool (xl's parser, virsh).
    Its exit status must be expect_status and its output (stdout and stderr)
    must match expect and reject; exit status 77 is a SKIP whose reason is
    the command's last output line, so a check that cannot run here says why
    instead of passing. Command rows run one at a time (COMMAND_LOCK): they
    call make, which must never run twice at once in one tree."""
    with COMMAND_LOCK:
        return _run_command(run)


COMMAND_LOCK = threading.Lock()


def _run_command(run):
    t0 = time.monotonic()
    p = subprocess.Popen(['sh', '-c', run.command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO)
    LIVE.add(p)
    try:
        out, _ = p.communicate(timeout=run.timeout)
    except subprocess.TimeoutExpired:
        kill(p)
        out, _ = p.communicate()
        return Result('TIMEOUT', time.monotonic() - t0, f'killed after {run.timeout:g} s',
                      out.decode('utf-8', 'replace'))
    finally:
        LIVE.discard(p)
    # a serial console through QEMU's stdio ends lines with \r\n
    secs, out = time.monotonic() - t0, re.sub(r'\r+\n', '\n', out.decode('utf-8', 'replace'))
    if p.returncode == SKIP_STATUS != run.status:
        last = out.strip().splitlines()[-1] if out.strip() else 'no reason given'
        last = last[len('SKIP: '):] if last.startswith('SKIP: ') else last
        return Result('SKIP', secs, last, out)
    why = [f'exit status {p.returncode}, expected {run.status}'] if p.returncode != run.status else []
    why += [f'missing /{rx.pattern}/' for rx in run.expect if not rx.search(out)]
    why += rejected(run, out)
    return Result('FAIL' if why else 'PASS', secs, '; '.join(why), out)


def build_isos(runs, build_dir):
    """Make the ISO of each `cdrom` run with `make iso` and the row's
    variables, one after another before any run starts (make must not run
    twice at once in one tree). Returns {run name: Result} for those that
    could not be made."""
    failed = {}
    for run in runs:
        if not run.cdrom or run.name in failed:
            continue
        app, variables = run.cdrom
        if 'ISO_DEFAULT=xen' in variables:
            xen = os.path.join(build_dir, 'xen', 'xen-4.17-pv32.elf') if run.arch == 'i386' \
                else '/boot/xen-4.17-amd64.gz'
            if not os.path.isfile(xen):
                failed[run.name] = Result('SKIP', reason=f'{xen} missing (make check makes it: '
                                          + ('scripts/build-xen-pv32.sh build/xen)' if run.arch == 'i386'
                                             else 'xen-hypervisor-4.17-amd64, scripts/install-deps.sh)'))
                continue
        cmd = ['make', '-C', REPO, '--no-print-directory', '-s', 'iso', f'APP={app}', f'ARCH={run.arch}',
               f'ISO={run.image}', f'BUILD={build_dir}', *variables]
        t0 = time.monotonic()
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if p.returncode:
            tail = (p.stdout + p.stderr).strip().splitlines()[-1:] or ['no message']
            failed[run.name] = Result('FAIL', reason=f'{shlex.join(cmd)} failed: {tail[0]}', broken=True,
                                      output=p.stdout + p.stderr)
        else:
            print(f'ISO   {os.path.relpath(run.image)} ({time.monotonic() - t0:.1f} s)', flush=True)
    return failed


def patch_failed(run):
    """Write a `patch` row's patched copy of its image; a FAIL Result if
    that cannot be done, else None."""
    why = write_patched(*run.patch, run.image) if run.patch else None
    return Result('FAIL', reason=why, broken=True) if why else None


def boot(run):
    """Boot one run and judge it. What it boots from is there: main() built
    it or skipped the run (build_missing, build_isos)."""
    if run.command:
        return run_command(run)
    failed = patch_failed(run)
    if failed:
        return failed
    if run.gdb:
        return boot_gdb(run)
    t0 = time.monotonic()
    try:
        rc, console, err, stamps = qemu(run.cmd, run.timeout, run.console_input, run.input_after,
                                        run.env, run.input_delay, run.input_ack)
    except OSError as e:
        return Result('FAIL', reason=f'cannot start {run.cmd[0]}: {e.strerror}', broken=True)
    return judge(run, rc, console, err, stamps, time.monotonic() - t0)


def judge(run, rc, console, err, stamps, secs):
    """The verdict on one boot: QEMU's exit code (None: killed at the
    timeout), the guest's console, QEMU's stderr and the console's
    timestamps (None where the host did not see the lines as they came)."""
    output = console + (f'--- QEMU stderr ---\n{err}' if err else '')
    why = []
    if run.end == 'halt':
        if rc is not None:
            why.append(f'QEMU exited {rc}: the machine did not stay halted')
        why += [f'missing /{rx.pattern}/' for rx in run.expect if not rx.search(console)]
        why += rejected(run, console)
        return Result('FAIL' if why else 'PASS', secs, '; '.join(why), output)
    if rc is None:
        return Result('TIMEOUT', secs, f'killed after {run.timeout:g} s', output)
    # QEMU 10 (qemu = backport) finds the system QEMU 7.2's loadable modules
    # and says it cannot use them; it needs none of them, so that is no error.
    serious = '\n'.join(l for l in err.splitlines()
                        if not (run.env and ('module' in l)))
    qemu_error = QEMU_ERROR.search(serious)
    if rc == 1 and qemu_error:
        line = serious[qemu_error.start():].splitlines()[0]
        return Result('FAIL', secs, f'QEMU failed: {line}', output, broken=True)
    if run.end in ('poweroff', 'reset'):
        if rc != 0:
            why.append(f'QEMU exited {rc}, expected 0 (a guest {"power-off" if run.end == "poweroff" else "reset"})')
    else:
        status, why_not = guest_status(rc, console)
        if status is None:
            why.append(why_not)
        elif status != run.status:
            why.append(f'status {status}, expected {run.status}' +
                       (' (the test loader failed, not the kernel)'
                        if run.loader and status == LOADER_FAIL_STATUS else ''))
    why += [f'missing /{rx.pattern}/' for rx in run.expect if not rx.search(console)]
    why += rejected(run, console)
    if run.clock_tolerance_ms is not None:
        why += check_clock(stamps, run.clock_tolerance_ms) if stamps is not None else \
            ['no host timestamps for the console lines (a nested run)']
    return Result('FAIL' if why else 'PASS', secs, '; '.join(why), output)


def pvh_stub():
    """A minimal 32-bit ELF with only a PVH entry note. Its code turns on SSE
    (CR0.EM off, CR0.MP and NE on, CR4.OSFXSR and OSXMMEXCPT on), moves 0x21
    through %xmm0 and writes it to port 0xf4. It proves that KVM runs what
    every Proteus image needs (ring-0 control-register writes and SSE, which
    newlib uses) without relying on the kernel under test: a broken kernel
    must fail its kvm rows, not skip them. Some hosts' KVM emulates guest
    ring-0 code instead of running it (kvm-pvm does) and cannot emulate SSE;
    there the rows go to the nested KVM host, or are skipped with that
    reason."""
    base, note_off = 0x100000, 52 + 2 * 32          # after the ELF and program headers
    code_off = note_off + 20
    entry = base + code_off
    code = bytes([
        0x0f, 0x20, 0xc0,                   # mov %cr0,%eax
        0x83, 0xe0, 0xfb,                   # and $~CR0.EM,%eax
        0x83, 0xc8, 0x22,                   # or $(CR0.MP|CR0.NE),%eax
        0x0f, 0x22, 0xc0,                   # mov %eax,%cr0
        0x0f, 0x20, 0xe0,                   # mov %cr4,%eax
        0x0d, 0x00, 0x06, 0x00, 0x00,       # or $(OSFXSR|OSXMMEXCPT),%eax
        0x0f, 0x22, 0xe0,                   # mov %eax,%cr4
        0xb8, 0x21, 0x00, 0x00, 0x00,       # mov $0x21,%eax
        0x66, 0x0f, 0x6e, 0xc0,             # movd %eax,%xmm0
        0x31, 0xc0,                         # xor %eax,%eax
        0x66, 0x0f, 0x7e, 0xc0,             # movd %xmm0,%eax
        0xe6, 0xf4,                         # out %al,$0xf4
        0xf4, 0xeb, 0xfd,                   # 1: hlt; jmp 1b
    ])
    size = code_off + len(code)
    ehdr = struct.pack('<4s5B7xHHIIIIIHHHHHH', b'\x7fELF', 1, 1, 1, 0, 0,
                       2, 3, 1, entry, 52, 0, 0, 52, 32, 2, 0, 0, 0)
    load = struct.pack('<8I', 1, 0, base, base, size, size, 5, 0x1000)        # PT_LOAD
    note = struct.pack('<8I', 4, note_off, base + note_off, base + note_off, 20, 20, 4, 4)  # PT_NOTE
    xen = struct.pack('<3I4sI', 4, 4, 18, b'Xen\0', entry)   # XEN_ELFNOTE_PHYS32_ENTRY
    return ehdr + load + note + xen + code


def probe_kvm():
    """Return None if KVM boots a guest that uses SSE in ring 0, else the
    reason it cannot be used."""
    if not os.path.exists('/dev/kvm'):
        return '/dev/kvm missing'
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        return '/dev/kvm not accessible'
    with tempfile.NamedTemporaryFile(suffix='.elf') as f:
        f.write(pvh_stub())
        f.flush()
        cmd = [QEMU['x86_64'], '-accel', 'kvm', '-M', 'microvm', '-m', '64',
               '-cpu', KVM_CPU['max'], *COMMON, *NO_REBOOT, *EXIT_DEVICE, '-kernel', f.name]
        try:
            rc, _, err, _ = qemu(cmd, 5)
        except OSError as e:
            return f'cannot start {cmd[0]}: {e.strerror}'
    if rc == 2 * 0x21 + 1:
        return None
    if 'KVM internal error' in err:
        return ('this KVM cannot run SSE in guest ring 0 (it emulates ring-0 code and its '
                'emulator stops with "KVM internal error, emulation failure"; kvm-pvm does this)')
    detail = err.strip().splitlines()[-1] if err.strip() else 'no message'
    return 'probe timed out' if rc is None else f'probe boot failed (exit {rc}: {detail})'


def needed_files(run, build_dir):
    """The files a run boots from: the image (the one a patched copy or an
    ISO is made from), Xen or the test loader, a shim ROM, a QEMU of our
    own. A command row needs what its command builds itself."""
    if run.command:
        return []
    if run.xl:
        return [run.image, os.path.join(build_dir, 'xen', XL_XEN[run.arch])]   # xl_config's kernel too
    if run.cdrom:
        xen = [os.path.join(build_dir, 'xen', 'xen-4.17-pv32.elf')] \
            if run.arch == 'i386' and 'ISO_DEFAULT=xen' in run.cdrom[1] else []
        return [os.path.join(build_dir, run.arch, f'{run.cdrom[0]}.elf'), *xen]
    files = [run.patch[0] if run.patch else run.image]
    if '-initrd' in run.cmd:
        files.append(run.cmd[run.cmd.index('-kernel') + 1])
    if '-option-rom' in run.cmd:
        files.append(run.cmd[run.cmd.index('-option-rom') + 1])
    if os.path.isabs(run.cmd[0]):
        files.append(run.cmd[0])
    return files


def build_missing(runs, build_dir):
    """Build what the selected runs need and is not there yet (README: the
    runner may be started on a fresh build), each kind the way `make check`
    builds it. Returns {file: why it is still missing} for what could not be
    built; those runs are skipped with that reason."""
    missing = sorted({f for r in runs for f in needed_files(r, build_dir) if not os.path.isfile(f)})
    if not missing:
        return {}
    rel = os.path.relpath(build_dir, REPO)
    make = ['make', '--no-print-directory', '-C', REPO, f'BUILD={rel}', f'-j{os.cpu_count() or 1}']
    steps = {}
    for f in missing:
        r = os.path.relpath(f, build_dir)
        if r.startswith('qemu-backport' + os.sep):
            steps.setdefault(('./scripts/fetch-qemu-backport.sh', os.path.join(rel, 'qemu-backport')), []).append(f)
        elif r == os.path.join('xen', XL_XEN['i386']):
            steps.setdefault(('./scripts/build-xen-pv32.sh', os.path.join(rel, 'xen')), []).append(f)
        elif not r.startswith('..'):
            steps.setdefault(tuple(make), []).append(os.path.join(rel, r))
    why = {}
    for cmd, targets in steps.items():
        full = list(cmd) + (targets if cmd[0] == 'make' else [])
        print(f'building what the selected runs need: {shlex.join(full)}', flush=True)
        p = subprocess.run(full, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode:
            tail = p.stdout.decode('utf-8', 'replace').strip().splitlines()[-3:]
            print('\n'.join('    | ' + l for l in tail), flush=True)
    for f in missing:
        if not os.path.isfile(f):
            why[f] = f'{os.path.relpath(f, REPO)} is not built and building it failed (see above)'
    return why


# -- the nested KVM host -------------------------------------------------------
# Where this machine's /dev/kvm cannot run the images (kvm-pvm emulates guest
# ring 0 and stops on SSE), --nested-kvm runs the kvm rows on a real KVM
# nested under TCG: Debian's Linux with kvm_amd on QEMU's emulated SVM
# (scripts/build-kvm-host.sh, docs/testing.md). The rows go in batches, one
# Linux boot (the slow part) for many guest boots, each guest's console and
# QEMU's exit code framed on the host's serial console by marker lines.
KVM_HOST = 'kvm-host'
L0 = ['qemu-system-x86_64', '-accel', 'tcg', '-cpu', 'qemu64,+svm,+npt', '-m', '2048',
      '-smp', '1', '-display', 'none', '-serial', 'stdio', '-no-reboot']
# tsc=reliable: the host keeps the TSC as its clock. Its watchdog would
# otherwise, now and then under TCG's uneven pace, call the TSC unstable and
# switch to another clock, and then KVM_HC_CLOCK_PAIRING (which the rows
# assert) answers EOPNOTSUPP: KVM pairs only a TSC-based host clock.
L1_APPEND = 'console=ttyS0 quiet loglevel=1 panic=-1 tsc=reliable'
L1_BOOT_SECS = 120         # the host's own boot and unpacking, under TCG
NESTED_SLOWER = 3          # a nested guest's timeout: the row's, this many times
# The clock rows' tolerance there. The nested host is itself a TCG guest,
# and its stamps (tests/boot/kvm-host/stamp.c) wait for its scheduler: with
# two nested hosts running, one round of 2 s measured -11.6, -5.0 and -1.2 ms
# against a guest clock that did not drift. 15 ms over a round of 1-2 s
# still catches a rate off by 1 % (the RTC-measured rates the issue saw were
# off by up to 26 %).
NESTED_CLOCK_MS = 15.0
PATH_ARG = re.compile(r'/[^\s,\'"]+')


def nested_problem(run):
    """Why a kvm run cannot go to the nested host, or None."""
    if run.gdb or run.cdrom or run.command:
        return 'a gdb, cdrom or command row runs on this machine only'
    if os.path.isabs(run.cmd[0]):
        return f'{run.cmd[0]} is a QEMU of this machine, not of the nested host'
    if run.input_ack or (run.console_input and run.input_after is not None and run.input_delay):
        return 'typed input with flow control or a delay needs the console live, not a batch'
    return None


@dataclass
class NestedJob:
    """One QEMU command for the nested KVM host. Its paths to files of this
    machine are copied into the batch and rewritten to the copies."""
    cmd: list
    timeout: float            # this machine's timeout; there NESTED_SLOWER times it
    stdin: bytes = b''
    stamped: bool = False     # each console line stamped with the host's clocks


@dataclass
class NestedOutcome:
    """What the nested host reported for one job. rc is None when the job
    was killed at its limit; a stamped job has stamps, (monotonic s, Unix
    time s, line) for each console line, and started and stopped, the
    host's monotonic time just before QEMU started and just after it ended;
    failed says why there is no outcome."""
    rc: object = None
    console: str = ''
    stderr: str = ''
    secs: int = 0
    stamps: list = None
    started: float = None
    stopped: float = None
    failed: str = None


def nested_batch(jobs, build_dir, token, root):
    """Write the batch archive for `jobs` under `root`: /batch/run.sh and the
    files it boots. Returns the cpio's path."""
    files = os.path.join(root, 'batch', 'files')
    os.makedirs(files)
    lines = ['#!/bin/sh', '# written by tests/boot/run.py: one guest boot per block']
    for i, job in enumerate(jobs):
        cmd = []
        for arg in job.cmd:
            def inside(m):
                f = m.group(0)
                if not os.path.isfile(f):
                    return f
                dst = f'{i}-{os.path.basename(f)}'
                shutil.copyfile(f, os.path.join(files, dst))
                return f'/batch/files/{dst}'
            cmd.append(PATH_ARG.sub(inside, arg))
        stdin = '/dev/null'
        if job.stdin:
            with open(os.path.join(files, f'{i}.input'), 'wb') as f:
                f.write(job.stdin)
            stdin = f'/batch/files/{i}.input'
        limit = int(job.timeout * NESTED_SLOWER) + 1
        boot = f'timeout -s KILL {limit} {shlex.join(cmd)} <{stdin} 2>/tmp/err.{i}'
        if job.stamped:
            # the nested host's clock is the reference: each line stamped
            # there as its first byte arrives (tests/boot/kvm-host/stamp.c),
            # and a line just before QEMU starts and just after it ends
            boot = (f'{{ echo "=== {token} start"; {boot}; echo $? >/tmp/rc.{i}; echo "=== {token} stop"; }}'
                    f' | stamp {token}; rc=$(cat /tmp/rc.{i})')
        else:
            boot += '; rc=$?'
        lines += [f'echo "=== {token} {i} begin"',
                  'start=$(date +%s)',
                  boot,
                  f'echo; echo "=== {token} {i} end rc=$rc secs=$(( $(date +%s) - start ))"',
                  f'cat /tmp/err.{i}',
                  f'echo "=== {token} {i} stderr end"']
    script = os.path.join(root, 'batch', 'run.sh')
    with open(script, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.chmod(script, 0o755)
    busybox = os.path.join(build_dir, KVM_HOST, 'busybox')
    archive = os.path.join(root, 'batch.cpio')
    names = subprocess.run(['find', 'batch'], cwd=root, capture_output=True, check=True).stdout
    with open(archive, 'wb') as out:
        subprocess.run([busybox, 'cpio', '-o', '-H', 'newc'], cwd=root, input=names, stdout=out,
                       stderr=subprocess.DEVNULL, check=True)
    return archive


def build_kvm_host(build_dir):
    """Build (or find cached) the nested KVM host. None, or why not."""
    p = subprocess.run(['./scripts/build-kvm-host.sh', os.path.join(build_dir, KVM_HOST)], cwd=REPO,
                       capture_output=True, text=True)
    if p.returncode:
        return f'the nested KVM host could not be built: {(p.stdout + p.stderr).strip()[-200:]}'
    return None


def nested_host_run(jobs, build_dir, batches=1, say=print, host_cpus=1):
    """Run `jobs` on the nested KVM host (built already: build_kvm_host),
    in `batches` boots of it side by side, each with `host_cpus` vCPUs (the
    rows use one; make bench's SMP speed-up needs two). Returns a
    NestedOutcome per job, in order."""
    host = os.path.join(build_dir, KVM_HOST)
    outcomes = [None] * len(jobs)
    order = list(range(len(jobs)))
    groups = [order[k::batches] for k in range(batches) if order[k::batches]]

    def one_batch(group):
        token = os.urandom(6).hex()
        mine = [jobs[i] for i in group]
        with tempfile.TemporaryDirectory(prefix='proteus-kvm-batch-') as root:
            archive = nested_batch(mine, build_dir, token, root)
            initrd = os.path.join(root, 'initrd.cpio')
            with open(initrd, 'wb') as out:
                for part in (os.path.join(host, 'base.cpio'), archive):
                    with open(part, 'rb') as f:
                        shutil.copyfileobj(f, out)
            limit = L1_BOOT_SECS + sum(j.timeout * NESTED_SLOWER for j in mine)
            t0 = time.monotonic()
            l0 = list(L0)
            l0[l0.index('-smp') + 1] = str(host_cpus)
            rc, console, err, _ = qemu(l0 + ['-kernel', os.path.join(host, 'vmlinuz'), '-initrd', initrd,
                                             '-append', L1_APPEND], limit)
        secs = time.monotonic() - t0
        say(f'KVM   nested host: {len(mine)} run(s) in one boot, {secs:.1f} s')
        if 'kvm-host: /dev/kvm ready' not in console:
            tail = console.strip().splitlines()[-3:] + err.strip().splitlines()[-2:]
            for i in group:
                outcomes[i] = NestedOutcome(console=console, secs=int(secs), failed=(
                    'the nested KVM host did not offer /dev/kvm: ' + ' | '.join(tail)))
            return
        for k, (i, job) in enumerate(zip(group, mine)):
            m = re.search(rf'^=== {token} {k} begin\n(.*?)\n?=== {token} {k} end rc=(\d+) secs=(\d+)\n'
                          rf'(.*?)=== {token} {k} stderr end$', console, re.S | re.M)
            if not m:
                outcomes[i] = NestedOutcome(console=console, secs=int(secs), failed=(
                    'no result from the nested host (it stopped before this run ended)'))
                continue
            guest_rc, guest_secs = int(m.group(2)), int(m.group(3))
            # busybox timeout kills with SIGKILL: 137, after the whole limit
            if guest_rc == 137 and guest_secs >= int(job.timeout * NESTED_SLOWER):
                guest_rc = None
            text, stamps, started, stopped = m.group(1) + '\n', None, None, None
            if job.stamped:
                marked = re.findall(rf'^@{token}@ (\d+) (\d+) (.*)$', text, re.M)
                stamps = [(int(mono) / 1e9, int(wall) / 1e9, line) for mono, wall, line in marked]
                if stamps and stamps[0][2] == f'=== {token} start':
                    started = stamps.pop(0)[0]
                if stamps and stamps[-1][2] == f'=== {token} stop':
                    stopped = stamps.pop()[0]
                text = ''.join(line + '\n' for _, _, line in stamps)
            outcomes[i] = NestedOutcome(guest_rc, text, m.group(4), guest_secs, stamps, started, stopped)

    threads = [threading.Thread(target=one_batch, args=(g,)) for g in groups]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def run_xl(runs, build_dir):
    """The hypervisor = xl runs: one dom0 boot per arch (the arches side by
    side), each run a domain created from its own xl config (scripts/mkxl.py,
    as `make xl` writes it), judged from its part of the host's output.
    Returns {run name: Result}."""
    spec = importlib.util.spec_from_file_location('xl_host', os.path.join(REPO, 'tests', 'boot', 'xl_host.py'))
    xl_host = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(xl_host)
    results = {}

    def one_arch(arch, group):
        cfg_dir = os.path.join(build_dir, 'test-images', arch, 'xl')
        os.makedirs(cfg_dir, exist_ok=True)
        jobs = []
        for r in group:
            if r.xl['config']:   # a file of the repository, used as written
                jobs.append({'cfg': os.path.join(REPO, r.xl['config']), 'actions': r.xl['actions'],
                             'timeout': int(r.timeout)})
                continue
            cfg = os.path.join(cfg_dir, r.xl['name'] + '.cfg')
            p = subprocess.run([sys.executable, os.path.join(REPO, 'scripts', 'mkxl.py'), '--arch', arch,
                                '--image', r.image, '--out', cfg, '--name', r.xl['name'],
                                '--memory', r.xl['memory'], '--vcpus', r.xl['vcpus'],
                                '--args', r.xl['args']], capture_output=True, text=True)
            if p.returncode:
                raise TableError(f'{r.name}: mkxl failed: {(p.stdout + p.stderr).strip()}')
            jobs.append({'cfg': cfg, 'actions': r.xl['actions'], 'timeout': int(r.timeout),
                         'vif': r.xl['vif'], 'disk': r.xl['disk'], 'disk_mode': r.xl['disk_mode']})
        print(f'XL    dom0 host ({arch}): {len(group)} domain(s) in one boot', flush=True)
        t0 = time.monotonic()
        rc, text = xl_host.run_host(arch, jobs)
        secs = (time.monotonic() - t0) / len(group)
        if rc:
            for r in group:
                results[r.name] = Result('FAIL', secs, 'the dom0 host failed', text, broken=True)
            return
        for r, part in zip(group, xl_host.split_domains(text, len(group))):
            results[r.name] = judge_xl(r, part, secs)

    by_arch = {}
    for r in runs:
        by_arch.setdefault(r.arch, []).append(r)
    # the host once, before the arches' boots share it
    subprocess.run([os.path.join(REPO, 'scripts', 'build-xen-dom0-host.sh'), xl_host.HOST])
    threads = [threading.Thread(target=one_arch, args=(a, g)) for a, g in by_arch.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in runs:
        results.setdefault(r.name, Result('FAIL', None, 'no result from the dom0 host', broken=True))
    return results


def fold_counting(lines):
    """Runs of more than four lines that differ only in their numbers
    ("tick 17", "tick 18", ...) as their first and last line and a count."""
    out, i = [], 0
    shape = lambda l: re.sub(r'\d+', '#', l)
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and shape(lines[j + 1]) == shape(lines[i]) and re.search(r'\d', lines[i]):
            j += 1
        if j - i >= 4:
            out += [lines[i], f'... ({j - i - 1} more like it) ...', lines[j]]
        else:
            out += lines[i:j + 1]
        i = j + 1
    return out


def disk_sha256(mib, pattern):
    """The sha256 of a zeroed disk of `mib` MiB, holding blk_image.py's
    patterns and nothing else if `pattern` (what selftest's blk.write_read
    and blk.dev_node leave)."""
    import hashlib
    spec = importlib.util.spec_from_file_location('blk_image', os.path.join(REPO, 'tests', 'boot', 'blk_image.py'))
    blk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(blk)
    return hashlib.sha256(blk.image(mib << 20) if pattern else bytes(mib << 20)).hexdigest()


def judge_xl(run, part, secs):
    """An xl run's verdict from its part of the dom0 host's output: how
    the domain ended (xl_end), the exit status it left in xenstore
    (expect_status; 256, a crash, leaves none), expect and reject, and no
    complaint from the host (a wait that timed out, a domain that did not
    end)."""
    if not part:
        return Result('FAIL', secs, 'the dom0 host stopped before this domain', part)
    why = []
    ends = re.findall(r'^Domain \d+ (has shut down, reason code (\d+)|has been destroyed)', part, re.M)
    want = run.xl['end']
    if not ends:
        why.append(f'xl reported no end of the domain (expected {want})')
    elif want == 'destroy' and ends[0][1]:
        why.append(f'the domain shut down (reason code {ends[0][1]}) before it was destroyed')
    elif want != 'destroy' and ends[0][1] != str(XL_REASON[want]):
        why.append(f'the domain ended with {ends[0][0]!r}, expected reason code {XL_REASON[want]} ({want})')
    m = re.search(r'^exit-status: (\S+)', part, re.M)
    got = m.group(1) if m else None
    if run.status == 256 or want == 'destroy':
        if got not in ('none', 'gone') and not (want == 'destroy' and got is None):
            why.append(f'data/exit-status is {got}, expected none')
    elif got != str(run.status):
        why.append(f'data/exit-status is {got}, expected {run.status}')
    why += [f'host: {l}' for l in re.findall(r'^xl_host: (?:no \d+ line|the domain did not end).*$', part, re.M)]
    if run.xl['disk_check'] != 'no':   # the disk against what the row says it must hold
        pattern = run.xl['disk_check'] == 'pattern'
        what = "blk_image.py's pattern and nothing else" if pattern else 'zeroes only'
        m = re.search(r'^disk-sha256: ([0-9a-f]{64})$', part, re.M)
        if not m:
            why.append('dom0 printed no disk-sha256 of the domain\'s disk')
        elif m.group(1) != disk_sha256(run.xl['disk'], pattern):
            why.append(f'the {run.xl["disk"]} MiB disk does not hold {what} (sha256 {m.group(1)})')
        else:
            part += f'\nblk_image: the {run.xl["disk"]} MiB disk holds {what} (sha256 matches)'
    why += [f'missing /{rx.pattern}/' for rx in run.expect if not rx.search(part)]
    why += rejected(run, part)
    return Result('FAIL' if why else 'PASS', secs, '; '.join(why), part)


def run_nested(runs, build_dir, batches):
    """Boot the nested host once per batch and judge each run from its part
    of the host's console. Returns {run name: Result}."""
    why = build_kvm_host(build_dir)
    if why:
        return {r.name: Result('SKIP', reason=why) for r in runs}
    results = {}
    for r in runs:
        failed = patch_failed(r)
        if failed:
            results[r.name] = failed
    runs = [r for r in runs if r.name not in results]
    jobs = [NestedJob(r.cmd, r.timeout, r.console_input, r.clock_tolerance_ms is not None) for r in runs]
    for r, o in zip(runs, nested_host_run(jobs, build_dir, batches, lambda line: print(line, flush=True))):
        if o.failed:
            results[r.name] = Result('FAIL', o.secs, o.failed, o.console, broken=True)
            continue
        judged = r
        if o.stamps is not None:
            judged = dataclasses.replace(r, clock_tolerance_ms=max(r.clock_tolerance_ms, NESTED_CLOCK_MS))
        results[r.name] = judge(judged, o.rc, o.console, o.stderr, o.stamps, o.secs)
    return results


def prepare(runs, build_dir, jobs, nested_kvm):
    """Everything decided before the local boots: builds what the runs need,
    runs the kvm runs this machine's KVM cannot run on the nested host (or
    skips them without nested_kvm) and the xl runs on the dom0 host. Returns
    decided(run): its Result, or None for a run to boot here (boot)."""
    kvm_problem = None
    if any(r.accel == 'kvm' for r in runs):
        kvm_problem = probe_kvm()
        print('KVM: usable' if kvm_problem is None else
              f'KVM: not usable here ({kvm_problem}); kvm runs go to the nested KVM host'
              if nested_kvm else f'KVM: not usable here ({kvm_problem}); kvm runs are skipped',
              flush=True)

    unbuilt = build_missing(runs, build_dir)
    iso_failures = build_isos(runs, build_dir)
    nested = {}
    if kvm_problem:
        local_kvm_cannot = [r for r in runs if r.accel == 'kvm'
                            and not any(f in unbuilt for f in needed_files(r, build_dir))]
        if nested_kvm:
            for r in local_kvm_cannot:
                why = nested_problem(r)
                if why:
                    nested[r.name] = Result('SKIP', reason=f'KVM not usable here, and not nested: {why}')
            nested.update(run_nested([r for r in local_kvm_cannot if r.name not in nested],
                                     build_dir, max(1, jobs)))
    xl = run_xl([r for r in runs if r.xl and not any(f in unbuilt for f in needed_files(r, build_dir))],
                build_dir) if any(r.xl for r in runs) else {}

    def decided(run):
        gone = [unbuilt[f] for f in needed_files(run, build_dir) if f in unbuilt]
        if gone:
            return Result('SKIP', reason=gone[0])
        for done in (iso_failures, nested, xl):
            if run.name in done:
                return done[run.name]
        if run.accel == 'kvm' and kvm_problem:
            return Result('SKIP', reason=f'KVM not usable: {kvm_problem} (and --no-nested-kvm)')
        return None
    return decided


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--arch', choices=sorted(QEMU), help='only runs of this arch')
    ap.add_argument('--filter', metavar='REGEX', help='only runs whose name matches REGEX')
    ap.add_argument('--list', action='store_true', help='list the selected runs and exit')
    ap.add_argument('-j', type=int, default=2, metavar='N', help='parallel runs (default 2)')
    ap.add_argument('--build-dir', default=os.path.join(REPO, 'build'),
                    help='where build/<arch>/<app>.elf live (default: build)')
    ap.add_argument('--table', default=TABLE, help='test table (default: tests/boot/tests.cfg)')
    ap.add_argument('--nested-kvm', action=argparse.BooleanOptionalAction, default=True,
                    help='run the kvm rows this machine\'s KVM cannot run on a real KVM nested '
                         'under TCG (scripts/build-kvm-host.sh; default on; --no-nested-kvm '
                         'skips them instead)')
    ap.add_argument('--verbose', action='store_true',
                    help='print the whole console output of failures (and commands with --list)')
    args = ap.parse_args()

    try:
        runs = load_table(args.table, args.build_dir)
    except TableError as e:
        print(f'{args.table}: {e}', file=sys.stderr)
        return 2
    runs = [r for r in runs
            if (not args.arch or r.arch == args.arch)
            and (not args.filter or re.search(args.filter, r.name))]
    if args.list:
        for r in runs:
            print(f'{r.name:32} {shlex.join(r.cmd)}' if args.verbose else r.name)
        return 0
    if not runs:
        print('no tests selected', file=sys.stderr)
        return 2

    decided = prepare(runs, args.build_dir, args.j, args.nested_kvm)
    lock = threading.Lock()
    stopping = threading.Event()

    def one(run):
        res = decided(run)
        if res is None:
            res = boot(run)
        if stopping.is_set():
            return res
        with lock:   # one block per run, even with -j
            line = f'{res.result:5} {run.name}' + (f' ({res.secs:.2f} s)' if res.secs is not None else '')
            print(line + (f': {res.reason}' if res.reason else ''))
            if res.result in ('FAIL', 'TIMEOUT') and res.secs is not None:
                print(f'    $ {shlex.join(run.cmd)}' if run.cmd else
                      f'    xl domain {run.xl["name"]} under the dom0 host' if run.xl else
                      f'    $ {run.command}')
                lines = res.output.rstrip('\n').split('\n') if res.output else []
                if run.xl:   # a domain's whole story, its long runs of counting folded
                    lines = fold_counting(lines)
                shown = lines if args.verbose or run.xl else lines[-TAIL:]
                # A failed case's own verdict may lie above the tail (selftest
                # prints FAIL lines as it goes): show those first.
                early = [l for l in lines[:len(lines) - len(shown)] if l.startswith('FAIL ')]
                for l in early:
                    print('    | ' + l)
                print(f'    output ({"all" if len(shown) == len(lines) else "last %d" % len(shown)}'
                      f' of {len(lines)} lines):')
                # Indented, so that a guest's own "N passed" line never looks like ours.
                for l in shown:
                    print('    | ' + l)
            sys.stdout.flush()
        return res

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    pool = ThreadPoolExecutor(max_workers=max(1, args.j))
    try:
        results = list(pool.map(one, runs))
    except KeyboardInterrupt:   # Ctrl-C or SIGTERM: stop QEMUs, start no more
        stopping.set()
        pool.shutdown(wait=False, cancel_futures=True)
        for p in list(LIVE):
            kill(p)
        print('interrupted', file=sys.stderr)
        return 130
    pool.shutdown()

    out_dir = os.path.join(args.build_dir, 'test-results')
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'boot.txt'), 'w') as f:
        f.writelines(f'{r.name} {res.result} {res.secs or 0:.2f}\n' for r, res in zip(runs, results))

    count = lambda *kinds: sum(res.result in kinds for res in results)
    passed, failed, skipped = count('PASS'), count('FAIL', 'TIMEOUT'), count('SKIP')
    print(f'{passed} passed, {failed} failed' + (f', {skipped} skipped' if skipped else ''))
    if any(res.broken for res in results):
        return 2
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
