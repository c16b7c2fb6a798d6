#!/usr/bin/env python3
"""`make libvirt`: libvirt domain XML for one Proteus image, so that an
appliance runs under libvirt like any other guest (virsh define, start,
console, autostart) without a toolstack of our own: one domain under KVM
(or TCG) with direct kernel boot, one as a Xen PV domU. The elements are
those of libvirt's domain XML format (https://libvirt.org/formatdomain.html:
"Direct kernel boot", "Events configuration", "Serial port", "Console").

`--check FILE` checks a file with Debian's libvirt: virt-xml-validate (the
schema), then virsh define, dumpxml and undefine on a connection with the
domain's driver; `--boot` also starts it and reports its console and how it
ended. The QEMU driver runs embedded in virsh (qemu:///embed, libvirt's
"Embedded driver" mode: no daemon, every file under a private root), as
root when the libvirt-qemu user exists (package libvirt-daemon-system) and
otherwise as user nobody. Xen's libxl driver cannot run without a running
Xen, so a Xen domain is defined on libvirt's test driver (test:///default),
which parses it with the same domain XML code but runs nothing. When the
domain's type cannot be checked here, the check exits 77 with the reason
(a SKIP for the boot table), never 0.
"""
import argparse
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from xml.sax.saxutils import escape, quoteattr

from mkxl import app_name   # <app>.elf or <app>.deploy.elf -> <app>

SKIP = 77
QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0'


def c(text):
    """Text for an XML comment, which may hold no double hyphen (XML 1.0,
    section 2.5)."""
    return escape(text).replace('--', '- -')


def kvm_xml(a, kernel, name):
    arch = 'x86_64' if a.arch == 'x86_64' else 'i686'
    ns = f' xmlns:qemu={quoteattr(QEMU_NS)}' if a.debug_exit else ''
    log = f'\n      <log file={quoteattr(os.path.abspath(a.log))} append="off"/>' if a.log else ''
    extra = f'''
  <!-- QEMU's isa-debug-exit device: exit(n) ends QEMU with status 2n+1. libvirt
       keeps no QEMU exit status and reports such an end as a crash, and
       qemu:commandline marks the domain "tainted": use it only to drive QEMU's
       own exit status through libvirt. -->
  <qemu:commandline>
    <qemu:arg value="-device"/>
    <qemu:arg value="isa-debug-exit,iobase=0xf4,iosize=4"/>
  </qemu:commandline>''' if a.debug_exit else ''
    return f'''<!-- Written by make libvirt (scripts/mklibvirt.py): Proteus {c(os.path.basename(kernel))}
     ({a.arch}) as a {"KVM" if a.type == "kvm" else "QEMU (TCG)"} guest, booted straight from the image.
       virsh define {c(os.path.relpath(a.out_kvm))}; virsh start {c(name)}; virsh console {c(name)}
     The appliance's exit (or a panic) powers the machine off through ACPI: the
     domain then stops ("shut off (shutdown)"), its status on the console. -->
<domain type={quoteattr(a.type)}{ns}>
  <name>{escape(name)}</name>
  <memory unit="MiB">{a.memory}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch="{arch}" machine="pc">hvm</type>
    <!-- QEMU loads it through its Multiboot header; cmdline is the kernel
         options, then a double dash and the app's arguments -->
    <kernel>{escape(kernel)}</kernel>
    <cmdline>{escape(a.args)}</cmdline>
  </os>
  <!-- ACPI: the power-off the kernel uses at exit (libvirt omits it otherwise) -->
  <features>
    <acpi/>
    <apic/>
  </features>
  <clock offset="utc"/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <!-- The console is the first serial port: virsh console NAME -->
    <serial type="pty">{log}
      <target port="0"/>
    </serial>
    <console type="pty">
      <target type="serial" port="0"/>
    </console>
    <memballoon model="none"/>
  </devices>{extra}
</domain>
'''


def xen_xml(a, kernel, name):
    arch = 'x86_64' if a.arch == 'x86_64' else 'i686'
    return f'''<!-- Written by make libvirt (scripts/mklibvirt.py): Proteus {c(os.path.basename(kernel))}
     ({a.arch}) as a Xen PV domU, for libvirt's libxl driver (xen:///system).
       virsh -c xen:///system define {c(os.path.relpath(a.out_xen))}
       virsh -c xen:///system start {c(name)}; virsh -c xen:///system console {c(name)}
     An i386 image needs a hypervisor with 32-bit PV, which Debian's is not
     (docs/xen-pv.md). -->
<domain type="xen">
  <name>{escape(name)}</name>
  <memory unit="MiB">{a.memory}</memory>
  <vcpu>1</vcpu>
  <os>
    <!-- PV: Xen starts the kernel at the entry its ELF notes name -->
    <type arch="{arch}" machine="xenpv">linux</type>
    <kernel>{escape(kernel)}</kernel>
    <cmdline>{escape(a.args)}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <!-- The PV console ring that xenconsoled serves: virsh console NAME -->
    <console type="pty">
      <target type="xen" port="0"/>
    </console>
  </devices>
</domain>
'''


def write(a):
    kernel = os.path.abspath(a.image)
    if not os.path.isfile(kernel):
        sys.exit(f'mklibvirt: {a.image} missing (not built?)')
    if not a.memory.isdigit():
        sys.exit(f'mklibvirt: LIBVIRT_MEMORY must be a number of MiB, not {a.memory!r}')
    if a.type not in ('kvm', 'qemu'):
        sys.exit(f'mklibvirt: LIBVIRT_TYPE must be kvm or qemu (TCG), not {a.type!r}')
    name = a.name or 'proteus-' + app_name(kernel)
    for out, text in ((a.out_kvm, kvm_xml(a, kernel, name)), (a.out_xen, xen_xml(a, kernel, name))):
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, 'w') as f:
            f.write(text)
    print(f'  LIBVIRT {a.out_kvm} (virsh define it, then virsh start --console {name})')
    print(f'  LIBVIRT {a.out_xen} (the same with virsh -c xen:///system)')


# ---------------------------------------------------------------- checks --
def run(cmd, user=None, env=None, cwd=None):
    """Run a command, as `user` if given (setpriv, util-linux); (rc, output)."""
    if user:
        cmd = ['setpriv', f'--reuid={user}', f'--regid={pwd.getpwnam(user).pw_gid}', '--clear-groups', *cmd]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, cwd=cwd)
    # libvirt's own log lines on stderr ("info : libvirt version") are noise here
    err = '\n'.join(l for l in p.stderr.splitlines() if not re.match(r'^\d{4}-\d\d-\d\d .* (info|warning) : ', l))
    return p.returncode, (p.stdout + err).strip()


def skip(why):
    print(f'SKIP: {why}')
    sys.exit(SKIP)


def fail(why):
    print(f'FAIL: {why}')
    sys.exit(1)


def domain_facts(path):
    with open(path) as f:
        text = f.read()
    kind = re.search(r'<domain type="(\w+)"', text)
    name = re.search(r'<name>([^<]*)</name>', text)
    if not (kind and name):
        fail(f'{path}: no <domain type=...> or <name>')
    return text, kind.group(1), name.group(1)


def qemu_connection(root):
    """The embedded QEMU driver under `root`, as root if libvirt can run
    QEMU as its libvirt-qemu user, else as nobody. (uri, user, note)."""
    try:
        pwd.getpwnam('libvirt-qemu')
        return f'qemu:///embed?root={root}', None, 'as root'
    except KeyError:
        os.chown(root, pwd.getpwnam('nobody').pw_uid, -1)
        return (f'qemu:///embed?root={root}', 'nobody',
                "as user nobody (no libvirt-qemu user: that comes with libvirt-daemon-system, "
                "which also starts libvirt's services)")


def check(path, boot, timeout):
    for tool in ('virsh', 'virt-xml-validate', 'xmllint'):
        if not shutil.which(tool):
            fail(f'{tool} missing: run scripts/install-deps.sh')
    rc, out = run(['virt-xml-validate', path, 'domain'])
    print(out)
    if rc:
        fail(f'{path} does not match libvirt\'s domain schema')
    text, kind, name = domain_facts(path)
    kernel = re.search(r'<kernel>([^<]*)</kernel>', text).group(1)

    # A short root: QEMU's monitor socket lies under it, and a UNIX socket's
    # path is limited to 107 bytes (unix(7)).
    with tempfile.TemporaryDirectory(prefix='libvirt-check-') as root:
        os.chmod(root, 0o755)
        xml = os.path.join(root, 'domain.xml')
        console = os.path.join(root, 'console.log')
        if kind == 'xen':
            if boot:
                skip('a Xen domain cannot be started here: libvirt\'s libxl driver needs a running Xen')
            uri, user, note = 'test:///default', None, (
                "libvirt's test driver: the libxl driver (xen:///system) needs a running Xen")
        else:
            uri, user, note = qemu_connection(root)
        if user and boot:
            # QEMU runs as that user, who may not reach the image (a clone
            # under root's home, mode 700): it boots a copy, the only change.
            copy = os.path.join(root, 'kernel.elf')
            shutil.copyfile(kernel, copy)
            os.chmod(copy, 0o644)
            text = text.replace(f'<kernel>{kernel}</kernel>', f'<kernel>{copy}</kernel>')
            kernel = copy
        if boot:
            # The serial console also to a file of the private root, which
            # the QEMU user can write, whatever LIBVIRT_LOG said.
            text = re.sub(r'\s*<log [^>]*/>', '', text)
            text = text.replace('<serial type="pty">',
                                f'<serial type="pty">\n      <log file={quoteattr(console)} append="off"/>')
        with open(xml, 'w') as f:
            f.write(text)
        os.chmod(xml, 0o644)
        print(f'connection: {uri} {note}')
        env = dict(os.environ, HOME=root)
        cmds = [f'define {xml}']
        if boot:
            # One virsh process: the embedded driver lives as long as it does.
            # Two lifecycle events end a clean run: the guest's ACPI power-off
            # ("Shutdown Finished"), then on_poweroff's destroy ("Stopped").
            # virsh listens for them only once `event` runs, after `start`
            # has returned, and a quick guest on a busy host can be gone by
            # then; so the waits only pace the script (the second one short),
            # and the verdict is the domain's state and reason afterwards:
            # "shut off (shutdown)" for the guest's own power-off, which a
            # crash ("crashed") or the timeout (still running, then
            # destroyed) never gives. destroy: nothing may outlive the check
            # (an error when it has stopped already).
            wait = f'event --domain {name} --event lifecycle --timeout'
            cmds += [f'start {name}', f'{wait} {timeout}', f'{wait} 3', f'domstate {name} --reason',
                     f'destroy {name}']
        cmds += [f'dumpxml --inactive {name}', f'undefine {name}']
        rc, out = run(['virsh', '-c', uri, '; '.join(cmds)], user, env, cwd=root)
        print(out)
        if rc and re.search(r"does not support virt type 'kvm'|no (accelerator|KVM)|domaintype=kvm", out):
            skip(f"libvirt's QEMU driver {note} offers no KVM here (/dev/kvm is not usable by that user), "
                 'so a type="kvm" domain cannot be defined')
        # virsh's exit status is its last command's: check every step.
        steps = [f"Domain '{name}' defined from", f"Domain '{name}' has been undefined"]
        if boot:
            steps += [f"Domain '{name}' started", 'shut off (shutdown)']
        missing = [step for step in steps if step not in out]
        if rc or missing:
            fail(f'virsh on {uri} (exit {rc}): no "{missing[0]}"' if missing else f'virsh on {uri} failed (exit {rc})')
        if f'<kernel>{kernel}</kernel>' not in out:
            fail(f'dumpxml lost the kernel {kernel}')
        if boot:
            if not os.path.isfile(console):
                fail(f'no console log {console}')
            with open(console, errors='replace') as f:
                print('--- console (serial log) ---\n' + f.read().replace('\r', ''))
    print(f'{path}: valid, defined, read back and undefined on {uri}' + (', booted' if boot else ''))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--check', metavar='FILE', help='check FILE with virt-xml-validate and virsh')
    ap.add_argument('--boot', action='store_true', help='with --check: also start it and wait for its end')
    ap.add_argument('--timeout', default='30', help='with --boot: seconds to wait for the end')
    ap.add_argument('--arch', choices=('x86_64', 'i386'))
    ap.add_argument('--image', help='build/<arch>/<app>.elf')
    ap.add_argument('--out-kvm', help='the KVM (or TCG) domain to write')
    ap.add_argument('--out-xen', help='the Xen PV domain to write')
    ap.add_argument('--type', default='kvm', help='kvm, or qemu for TCG where there is no KVM')
    ap.add_argument('--name', default='', help='domain name (default proteus-<app>)')
    ap.add_argument('--memory', default='64', help='MiB')
    ap.add_argument('--args', default='', help='kernel command line: kernel options -- app args')
    ap.add_argument('--log', default='', help='also write the serial console to this file')
    ap.add_argument('--debug-exit', action='store_true', help="add QEMU's isa-debug-exit device")
    a = ap.parse_args()
    if a.check:
        return check(a.check, a.boot, a.timeout)
    if not (a.arch and a.image and a.out_kvm and a.out_xen):
        ap.error('--arch, --image, --out-kvm and --out-xen are needed to write the files')
    write(a)


if __name__ == '__main__':
    main()
