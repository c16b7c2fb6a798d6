#!/usr/bin/env python3
"""Boot Proteus images as Xen PV domUs under the real toolstack: QEMU (TCG)
boots Xen 4.17 with Debian's Linux as dom0 (scripts/build-xen-dom0-host.sh),
and dom0's xl creates each domain from an xl config, as a user's
`xl create -F` would, one after the other in one dom0 boot. While a domain
lives, dom0 can act on it as a user would (`xl shutdown`, `xl reboot`,
`xl pause`, typing on its console...). For each domain it prints a header,
the actions and their output, xl's own output (how the domain ended:
"Domain N has shut down, reason code R": 0 poweroff, 1 reboot, 2 suspend,
3 crash; "has been destroyed"), the app's exit status as the domain left
it in xenstore (data/exit-status), and the domain's console as
xenconsoled logged it.

    usage: xl_host.py ARCH CFG [CFG...]
           xl_host.py ARCH --jobs FILE

With CFGs, each domain is created and waited for. With --jobs, FILE is a
JSON list of {"cfg": path, "actions": [action...], "timeout": seconds,
"vif": bool or settings, "disk": MiB, "disk_mode": "w" or "r", "pre": [line...]};
tests/boot/run.py writes it from the boot table's xl rows. "vif" gives
the domain a network interface on dom0's bridge xenbr0 (dom0 is
10.0.0.1/24 there), with more of the vif's settings when it is a string
("ip=10.0.0.3"); "disk" a zeroed disk of that size as xvda
(read-only with "disk_mode": "r"), a loop device in dom0 (blkback
serves block devices only), whose sha256 is printed once the domain is
gone ("disk-sha256: H"); "pre", dom0's shell lines before the domain
is created, is for debugging by hand (set -x in a hotplug script). An
action is one of:

    wait [N] REGEX   until the console has N (default 1) lines matching
                     the extended regex (grep -E); if it never does
                     within the timeout, the domain is destroyed
    xl ARGS          run xl; {name} and {domid} are the domain's
    console TEXT     type TEXT on the domain's console (printf escapes:
                     \\n, \\003), through the pty xenconsoled gives it
    store KEY VALUE  xenstore-write KEY under the domain's own path
    sleep SECONDS
    sh COMMAND       run a shell command in dom0 (ping 10.0.0.2...); its
                     output, then "sh: exit status N"
    elapsed LABEL    print "xl_host: elapsed LABEL S": dom0's seconds since
                     the domain's `xl create` began (/proc/uptime: 10 ms)

The configs' kernels are copied into the dom0's initramfs and their
`kernel =` lines pointed at the copies; on_poweroff and on_crash become
"preserve", so that data/exit-status can be read before dom0 destroys the
domain. i386 domUs need the hypervisor rebuilt with 32-bit PV
(build/xen/xen-4.17-pv32.elf, scripts/build-xen-pv32.sh); x86_64 ones run
on Debian's. Exit status: 0 when dom0 ran every domain (whatever they did:
the rows judge that), 1 when the host could not be built or dom0 did not
get as far as the toolstack.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, 'build')
HOST = os.path.join(BUILD, 'xen-dom0')
XEN = {'x86_64': 'xen-4.17.elf', 'i386': 'xen-4.17-pv32.elf'}
DOMAIN_SECS = 60        # one domain's life, xl create to its end, by default
BOOT_SECS = 120         # dom0's own boot, under TCG
LOG = '/var/log/xen/console/guest-{name}.log'

# Shell functions the batch script's actions use ($1...: see action_lines).
FUNCTIONS = r'''
# lines of the console log matching ERE $2, at least $1 of them, within $3 s
wait_console() {
    n=0
    while [ $n -lt $(($3 * 20)) ]; do
        # the domain gone, and no xl create left to bring it (an xl save
        # ends xl create; xl restore brings the domain back): no use waiting
        if [ $((n % 20)) = 19 ] && ! kill -0 $xlpid 2>/dev/null && ! domid_of "$NAME" >/dev/null; then
            echo "xl_host: no $1 line(s) matching /$2/: the domain is gone"
            return 1
        fi
        c=$(tr -d '\r' 2>/dev/null < "$LOG" | grep -cE -- "$2")
        [ "${c:-0}" -ge "$1" ] && return 0
        sleep 0.05
        n=$((n + 1))
    done
    echo "xl_host: no $1 line(s) matching /$2/ on the console within $3 s"
    return 1
}
domid_of() {
    xl domid "$1" 2>/dev/null
}
uptime_now() {
    cut -d' ' -f1 /proc/uptime
}
'''


def action_lines(action, name, secs):
    """Shell lines for one action; a failed wait ends the actions."""
    verb, _, rest = action.strip().partition(' ')
    rest = rest.strip()
    sub = lambda s: s.replace('{name}', name).replace('{domid}', '$(domid_of ' + shlex.quote(name) + ')')
    if verb == 'wait':
        m = re.fullmatch(r'(\d+)\s+(.*)', rest)
        count, rx = (int(m.group(1)), m.group(2)) if m else (1, rest)
        return [f'echo "xl_host: wait {count} /"{shlex.quote(rx)}"/"',
                f'wait_console {count} {shlex.quote(rx)} {secs} || {{ xl destroy {shlex.quote(name)}; break; }}']
    if verb == 'xl':
        args = sub(rest)
        return [f'echo "\\$ xl {args}"', f'xl {args} 2>&1; echo "xl: exit status $?"']
    if verb == 'console':
        return [f'echo "xl_host: typing {shlex.quote(rest)}"',
                f'tty=$(xenstore-read /local/domain/$(domid_of {shlex.quote(name)})/console/tty)',
                f'printf {shlex.quote(rest)} > "$tty"']
    if verb == 'store':
        key, _, value = rest.partition(' ')
        return [f'echo "xl_host: xenstore-write {key} {value}"',
                f'xenstore-write "/local/domain/$(domid_of {shlex.quote(name)})/"{shlex.quote(key)} '
                f'{shlex.quote(value)}']
    if verb == 'sleep':
        return [f'sleep {float(rest):g}']
    if verb == 'sh':
        return [f'echo "\\$ "{shlex.quote(rest)}', f'( {rest} ) 2>&1; echo "sh: exit status $?"']
    if verb == 'elapsed':
        return [f'echo "xl_host: elapsed {rest} $(awk "BEGIN {{ print $(uptime_now) - $T0 }}")"']
    raise SystemExit(f'xl_host: unknown action {action!r}')


def batch_archive(jobs, root):
    """The second initramfs archive: /batch/run.sh, the images, the configs."""
    b = os.path.join(root, 'batch')
    os.makedirs(b)
    lines = ['#!/bin/sh', FUNCTIONS]
    for i, job in enumerate(jobs):
        text = open(job['cfg']).read()
        m = re.search(r'^kernel\s*=\s*"([^"]+)"', text, re.M)
        if not m:
            raise SystemExit(f"xl_host: {job['cfg']} names no kernel")
        # a relative path is relative to where xl would run: the repository
        shutil.copy(os.path.join(REPO, m.group(1)), os.path.join(b, f'{i}.elf'))
        text = text[:m.start(1)] + f'/batch/{i}.elf' + text[m.end(1):]
        text = re.sub(r'^(on_poweroff|on_crash)\s*=.*$', r'\1 = "preserve"', text, flags=re.M)
        name = re.search(r'^name\s*=\s*"([^"]+)"', text, re.M)
        name = name.group(1) if name else f'domu{i}'
        with open(os.path.join(b, f'{i}.cfg'), 'w') as f:
            f.write(text)
        secs = int(job.get('timeout', DOMAIN_SECS))
        log = LOG.format(name=name)
        q = shlex.quote(name)
        # devices, as xl create's overriding settings (xl.cfg(5): vif, disk)
        dev_vars = ''
        lines += [f'echo "== domU {i}: {os.path.basename(job["cfg"])} ({name})"']
        if job.get('vif'):
            # a string is more of the vif's settings (xl-network-configuration:
            # ip=, which libxl writes to the backend's xenstore directory)
            more = ',' + job['vif'] if isinstance(job['vif'], str) else ''
            dev_vars += f' \'vif=["bridge=xenbr0{more}"]\''
        if job.get('disk'):
            mib = int(job['disk'])
            lines += [f'truncate -s {mib}M /tmp/disk.{i}',
                      'loop=$(losetup -f) && losetup "$loop" ' + f'/tmp/disk.{i} && '
                      'echo "xl_host: disk xvda is $loop, ' + f'{mib} MiB" || echo "xl_host: no loop device"']
            mode = job.get('disk_mode', 'w')
            dev_vars += ' "disk=[\\"phy:$loop,xvda,' + mode + '\\"]"'
        lines += job.get('pre', [])   # dom0 commands before the domain (debugging)
        lines += [f'LOG={log}',
                  f'NAME={q}',
                  'T0=$(uptime_now)',
                  # xl create -F stays until the domain is gone (or preserved)
                  f'( timeout {secs} xl create -F /batch/{i}.cfg{dev_vars} > /tmp/xl.{i} 2>&1; '
                  f'echo "xl: exit status $?" >> /tmp/xl.{i} ) &',
                  'xlpid=$!',
                  'for attempt in 1; do', '    :']
        for a in job.get('actions', []):
            lines += ['    ' + l for l in action_lines(a, name, secs)]
        lines += ['done',
                  f'n=0; while kill -0 $xlpid 2>/dev/null && [ $n -lt {secs * 5} ]; do sleep 0.2; n=$((n + 1)); done',
                  f'kill -0 $xlpid 2>/dev/null && {{ echo "xl_host: the domain did not end within {secs} s: destroyed"; xl destroy {q}; }}',
                  'wait $xlpid',
                  f'cat /tmp/xl.{i}',
                  f'id=$(domid_of {q})',
                  'if [ -n "$id" ]; then',
                  '    echo "exit-status: $(xenstore-read /local/domain/$id/data/exit-status 2>/dev/null || echo none)"',
                  '    xl destroy "$id"',
                  'else',
                  '    echo "exit-status: gone (the domain was destroyed)"',
                  'fi']
        if job.get('disk'):   # what the domain left on its disk, once blkback let go
            lines += ['sleep 1; losetup -d "$loop" || echo "xl_host: $loop still busy"',
                      f'echo "disk-sha256: $(sha256sum < /tmp/disk.{i} | cut -d" " -f1)"',
                      f'rm -f /tmp/disk.{i}']
        lines += [
                  f'echo "== console of {name}"',
                  f'cat {log} 2>&1',
                  f'rm -f {log}',
                  f'echo "== end of domU {i}"']
    with open(os.path.join(b, 'run.sh'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.chmod(os.path.join(b, 'run.sh'), 0o755)
    # the dom0's shell is this busybox's: a script it cannot parse stops here
    p = subprocess.run([os.path.join(HOST, 'busybox'), 'sh', '-n', os.path.join(b, 'run.sh')],
                       capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f'xl_host: the batch script does not parse: {p.stderr.strip()}')
    archive = os.path.join(root, 'batch.cpio')
    with open(archive, 'wb') as out:
        names = subprocess.run(['find', 'batch'], cwd=root, capture_output=True, check=True).stdout
        subprocess.run([os.path.join(HOST, 'busybox'), 'cpio', '-o', '-H', 'newc'], cwd=root,
                       input=names, stdout=out, stderr=subprocess.DEVNULL, check=True)
    return archive


def run_host(arch, jobs):
    """Boot the host once for `jobs`: (0, text from "toolstack ready" on) or
    (1, why not)."""
    xen = os.path.join(BUILD, 'xen', XEN[arch])
    if not os.path.isfile(xen):
        return 1, f'xl_host: {xen} is not built (make check builds it)'
    p = subprocess.run([os.path.join(REPO, 'scripts', 'build-xen-dom0-host.sh'), HOST],
                       capture_output=True, text=True)
    if p.returncode:
        return 1, 'xl_host: the dom0 host could not be built: ' + (p.stdout + p.stderr).strip()[-400:]
    with tempfile.TemporaryDirectory(prefix='proteus-dom0-') as root:
        initrd = os.path.join(root, 'initrd.cpio')
        with open(initrd, 'wb') as out:
            for part in (os.path.join(HOST, 'base.cpio'), batch_archive(jobs, root)):
                with open(part, 'rb') as f:
                    shutil.copyfileobj(f, out)
        # QEMU's multiboot modules are a comma-separated list: Linux with its
        # command line, then the initramfs
        cmd = ['qemu-system-x86_64', '-accel', 'tcg', '-cpu', 'qemu64', '-m', '2048',
               '-display', 'none', '-no-reboot', '-serial', 'stdio', '-kernel', xen,
               '-append', 'console=com1 dom0_mem=512M,max:512M dom0_max_vcpus=1',
               '-initrd', f"{os.path.join(HOST, 'vmlinuz')} console=hvc0 panic=-1,{initrd}"]
        limit = BOOT_SECS + sum(2 * int(j.get('timeout', DOMAIN_SECS)) + 10 for j in jobs)
        try:
            out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                 timeout=limit).stdout
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b'') + b'\nxl_host: dom0 did not finish in time\n'
    # the serial console's line ends, doubled where a log file's pass through it
    text = re.sub(r'\r+\n', '\n', out.decode('utf-8', 'replace'))
    if 'dom0-host: toolstack ready' not in text:
        return 1, ('xl_host: dom0 did not reach its toolstack; its last lines:\n' +
                   '\n'.join(text.strip().splitlines()[-15:]))
    start = text.index('dom0-host: toolstack ready')
    end = text.find('dom0-host: done', start)
    return 0, text[start:end if end >= 0 else len(text)].rstrip()


def split_domains(text, n):
    """The host's output cut into each domain's part ('' for one that never
    started: dom0 stopped first)."""
    parts = [''] * n
    for m in re.finditer(r'^== domU (\d+): .*?(?=^== domU \d+: |\Z)', text, re.M | re.S):
        i = int(m.group(1))
        if i < n:
            parts[i] = m.group(0)
    return parts


def main(argv):
    if len(argv) < 3 or argv[1] not in XEN:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    arch = argv[1]
    if argv[2] == '--jobs':
        with open(argv[3]) as f:
            jobs = json.load(f)
    else:
        jobs = [{'cfg': c} for c in argv[2:]]
    rc, text = run_host(arch, jobs)
    print(text)
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv))
