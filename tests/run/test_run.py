#!/usr/bin/env python3
"""Tests of scripts/run.py, what `make run` boots an image with: the
guest's status reaches the shell whole (0-255, a fatal error as 134, no
status as 125), ARGS keeps its shell quoting, piped input ends with Ctrl-D,
and every platform's run ends by itself. Each case boots a real image under
QEMU (TCG) and prints PASS, FAIL or SKIP; the last line is "N passed, N
failed" (tests/run-all.sh). A case that hangs fails at its timeout.

Usage: tests/run/test_run.py [--build build] [REGEX]
"""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, 'scripts', 'run.py')
TIMEOUT = 60


def run(args, env_args=None, stdin=b'', extra_env=None, timeout=TIMEOUT):
    env = dict(os.environ)
    env.pop('ARGS', None)
    if env_args is not None:
        env['ARGS'] = env_args
    env.update(extra_env or {})
    try:
        p = subprocess.run([sys.executable, RUN, '--timeout', str(timeout - 5), *args],
                           input=stdin, capture_output=True, env=env, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, '', f'scripts/run.py still running after {timeout} s'
    return (p.returncode, p.stdout.decode('utf-8', 'replace').replace('\r\n', '\n'),
            p.stderr.decode('utf-8', 'replace'))


def image(build, arch, app):
    return os.path.join(build, arch, f'{app}.elf')


def cases(build):
    """(name, function returning a list of reasons it failed, or a SKIP string)."""
    def status(arch, n, want):
        def t():
            rc, out, err = run(['--arch', arch, image(build, arch, 'exitstatus')], f'-- {n}')
            why = [] if rc == want else [f'exit code {rc}, expected {want}; stderr: {err.strip()}']
            if f'guest status {want}' not in err:
                why.append(f'no "guest status {want}" line on stderr')
            return why
        return t

    def fatal(arch):
        def t():
            rc, out, err = run(['--arch', arch, image(build, arch, 'fault')], '-- null')
            why = [] if rc == 134 else [f'exit code {rc}, expected 134 (a fatal error)']
            if 'fatal error in the guest (status 256)' not in err:
                why.append('no "fatal error in the guest (status 256)" line on stderr')
            if not re.search(r'^proteus: exit status 256 \(fatal error\)', out, re.M):
                why.append("the kernel's status line is missing from the console")
            return why
        return t

    def missing():
        rc, out, err = run([image(build, 'x86_64', 'no-such-app')])
        why = [] if rc == 125 else [f'exit code {rc}, expected 125']
        if 'no-such-app.elf is missing' not in err:
            why.append(f'no message naming the missing image: {err.strip()!r}')
        return why

    def qemu_error():
        rc, out, err = run([image(build, 'x86_64', 'hello')],
                           extra_env={'QEMU_ARGS': '-machine no-such-machine'})
        why = [] if rc == 125 else [f'exit code {rc}, expected 125']
        if not re.search(r'^qemu-system-x86_64: unsupported machine type', err, re.M):
            why.append(f"QEMU's own message is missing: {err.strip()!r}")
        return why

    def quoting():
        rc, out, err = run([image(build, 'x86_64', 'exitstatus')], 'mem=32M -- 7 "b c" \'d e\' f\\ g ""')
        want = ['[7]', '[b c]', '[d e]', '[f g]', '[]']
        got = re.findall(r'^exitstatus: argv\[[1-9]\] = (\[.*\])$', out, re.M)
        why = [] if got == want else [f'argv[1..] = {got}, expected {want}']
        if rc != 7:
            why.append(f'exit code {rc}, expected 7')
        mem = re.search(r' memory=(\d+) KiB', out)
        if not mem or int(mem.group(1)) > 32 * 1024:
            why.append('the kernel option mem=32M did not reach the kernel')
        return why

    def quote_refused():
        rc, out, err = run([image(build, 'x86_64', 'exitstatus')], '-- \'a"b\'')
        why = [] if rc == 125 else [f'exit code {rc}, expected 125']
        if 'cannot hold a double quote' not in err:
            why.append(f'no message about the double quote: {err.strip()!r}')
        return why

    def platform(name, arch):
        def t():
            rc, out, err = run(['--arch', arch, '--platform', name, image(build, arch, 'exitstatus')],
                               '-- 3', timeout=90)
            why = [] if rc == 3 else [f'exit code {rc}, expected 3; stderr: {err.strip()[-300:]}']
            if name == 'vmi' and 'platform=vmi' not in out:
                why.append('not booted on the VMI personality')
            if name == 'xen' and 'platform=xen-pv' not in out:
                why.append('not booted on the Xen PV personality')
            return why
        return t

    def make_run():
        # make can only exit 0 or 2; the status is in the script's line.
        try:
            p = subprocess.run(['make', '--no-print-directory', 'run', 'APP=exitstatus',
                                f'BUILD={os.path.relpath(build, ROOT)}', 'ARGS=-- "4" five'],
                               stdin=subprocess.DEVNULL, capture_output=True, cwd=ROOT,
                               timeout=TIMEOUT * 4)
        except subprocess.TimeoutExpired:
            return ['make run still running after its timeout']
        out, err = p.stdout.decode(), p.stderr.decode()
        why = [] if p.returncode == 2 else [f'make exited {p.returncode}, expected 2 (a status 4)']
        if 'guest status 4' not in err:
            why.append(f'no "guest status 4" line: {err.strip()[-300:]!r}')
        if 'argv[2] = [five]' not in out.replace('\r', ''):
            why.append('ARGS did not reach the app')
        return why

    def make_run_no_app():
        p = subprocess.run(['make', '--no-print-directory', 'run', 'APP=no-such-app'],
                           stdin=subprocess.DEVNULL, capture_output=True, cwd=ROOT, timeout=TIMEOUT)
        err = p.stderr.decode()
        why = [] if p.returncode != 0 else ['make run of an app that does not exist exited 0']
        if "no app 'no-such-app'" not in err:
            why.append(f'no message naming the app: {err.strip()[-300:]!r}')
        return why

    def deploy_args():
        # make xl (as debug, iso and libvirt) bakes in ARGS as make run
        # passes it: shell quoting, re-quoted for the kernel.
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            cfg = os.path.join(tmp, 'x.cfg')
            p = subprocess.run(['make', '--no-print-directory', '-s', 'xl', 'APP=exitstatus',
                                f'BUILD={os.path.relpath(build, ROOT)}', f'XL={cfg}',
                                "ARGS=env.A='x y' -- 'b c' d"],
                               stdin=subprocess.DEVNULL, capture_output=True, cwd=ROOT, timeout=TIMEOUT)
            if p.returncode:
                return [f'make xl failed: {p.stderr.decode()[-300:]!r}']
            extra = [l for l in open(cfg).read().splitlines() if l.startswith('extra')]
            want = 'extra = "\\"env.A=x y\\" -- \\"b c\\" d"'
            return [] if extra == [want] else [f'{extra}, expected [{want!r}]']

    def piped(arch, text, want_lines):
        def t():
            rc, out, err = run(['--arch', arch, image(build, arch, 'echo'), ], '-- 100',
                               stdin=text)
            why = [] if rc == 0 else [f'exit code {rc}, expected 0 (echo ends at end of input)']
            got = re.findall(r'^echo: (.*)$', out, re.M)
            for w in want_lines:
                if w not in got:
                    why.append(f'"echo: {w}" missing (got {got})')
            if 'end of input' not in ' '.join(got):
                why.append('echo did not see the end of input')
            return why
        return t

    def piped_xen():
        rc, out, err = run(['--platform', 'xen', image(build, 'x86_64', 'kvstore')], '',
                           stdin=b'SET k v\nGET k\nQUIT 6\n', timeout=90)
        why = [] if rc == 6 else [f'exit code {rc}, expected 6 (QUIT 6); {err.strip()[-200:]}']
        if 'VALUE v' not in out:
            why.append('GET k did not answer VALUE v')
        return why

    def broken_app():
        # A copy of the sources (and of the kernel objects, timestamps kept,
        # so only apps are built) with one more app that does not compile:
        # every other app must still build, and the broken one must fail
        # with the compiler's message.
        import shutil
        import tempfile
        with tempfile.TemporaryDirectory(prefix='proteus-broken-app-') as tmp:
            files = subprocess.run(['git', 'ls-files', '-z'], cwd=ROOT, capture_output=True,
                                   check=True).stdout.decode().split('\0')
            for f in filter(None, files):
                if os.path.isfile(os.path.join(ROOT, f)):
                    os.makedirs(os.path.join(tmp, os.path.dirname(f)), exist_ok=True)
                    shutil.copy2(os.path.join(ROOT, f), os.path.join(tmp, f))
            for kept in ('obj', 'hdr', 'kernel.o', 'kernel.ld', 'config.flags', 'kernel/libc'):
                src = os.path.join(build, 'x86_64', kept)
                dst = os.path.join(tmp, 'build', 'x86_64', kept)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                if os.path.isdir(src):
                    shutil.copytree(src, dst, symlinks=True)
                elif os.path.exists(src):
                    shutil.copy2(src, dst)
            os.makedirs(os.path.join(tmp, 'apps', 'broken'))
            with open(os.path.join(tmp, 'apps', 'broken', 'main.c'), 'w') as f:
                f.write('int main(void) { return this is not C; }\n')
            make = ['make', '--no-print-directory', '-j2', f'NEWLIB_FROM={build}']
            why = []
            p = subprocess.run(make + ['build/x86_64/hello.elf'], cwd=tmp, capture_output=True,
                               timeout=TIMEOUT * 4)
            if p.returncode:
                why.append('hello did not build beside a broken app: ' +
                           p.stderr.decode()[-300:].strip())
            p = subprocess.run(make + ['build/x86_64/broken.elf'], cwd=tmp, capture_output=True,
                               timeout=TIMEOUT * 4)
            if p.returncode == 0:
                why.append('the broken app built')
            elif 'apps/broken/main.c' not in p.stderr.decode():
                why.append("the broken app's failure does not name its source")
            return why

    out = []
    for arch in ('x86_64', 'i386'):
        for n, want in ((0, 0), (200, 200), (-1, 255), (127, 127), (128, 128)):
            out.append((f'status-{n}-{arch}', status(arch, n, want)))
        out.append((f'fatal-{arch}', fatal(arch)))
        out.append((f'vmi-{arch}', platform('vmi', arch)))
        out.append((f'xen-{arch}', platform('xen', arch)))
        out.append((f'piped-{arch}', piped(arch, b'Hello\nsecond line\n', ['Hello', 'second line'])))
        out.append((f'piped-unfinished-line-{arch}', piped(arch, b'one\nno newline', ['one', 'no newline'])))
        out.append((f'piped-empty-{arch}', piped(arch, b'', [])))
    out += [('missing-image', missing), ('qemu-error', qemu_error), ('args-quoting', quoting),
            ('args-double-quote-refused', quote_refused), ('make-run', make_run),
            ('make-run-no-app', make_run_no_app), ('broken-app-isolated', broken_app),
            ('deploy-args-quoting', deploy_args), ('piped-xen-kvstore', piped_xen)]
    return out


def main():
    argv = sys.argv[1:]
    build = 'build'
    if argv[:1] == ['--build']:
        build, argv = argv[1], argv[2:]
    build = os.path.join(ROOT, build)
    pattern = re.compile(argv[0]) if argv else None
    passed = failed = 0
    for name, fn in cases(build):
        if pattern and not pattern.search(name):
            continue
        t0 = time.monotonic()
        why = fn()
        secs = time.monotonic() - t0
        if why:
            failed += 1
            print(f'FAIL  run-{name} ({secs:.2f} s): {"; ".join(why)}', flush=True)
        else:
            passed += 1
            print(f'PASS  run-{name} ({secs:.2f} s)', flush=True)
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
