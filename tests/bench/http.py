#!/usr/bin/env python3
"""make bench's HTTP load test (issue 17): Debian's wrk against Proteus's
httpd (apps/httpd) and against Linux's busybox httpd serving the same page
(apps/httpd/index.html, taken when the bench runs), each in the same QEMU
machine (tests/bench/peer.py) with a virtio-net NIC on QEMU's user network
and a host port forwarded to the guest's 80. The figures are requests per
second, the median and 99th-percentile latency, and the errors wrk counted;
then the ratio of the two request rates.

Before wrk runs, one GET / checks that the guest serves the page byte for
byte, and a short run of wrk (WARMUP seconds, not counted) lets TCG
translate the serving code. wrk then runs twice: as it comes (HTTP/1.1
keep-alive, which Proteus's httpd honours and busybox httpd does not) and
with "Connection: close" asked (a new connection per request on both). Figures only: nothing here passes or fails on a
number. It exits 1 when a figure could not be measured (wrk missing, a VM
that did not say it was serving, a page that differs, wrk's output not
parsable), saying why.

    usage: tests/bench/http.py [--duration S] [--connections N]
                               [--image IMAGE] [--page FILE]
    IMAGE defaults to build/x86_64/httpd.elf (env BENCH_HTTPD_IMAGE), FILE
    to apps/httpd/index.html (env BENCH_HTTP_PAGE).
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

# This file's name hides the standard library's http package, which urllib
# needs, while this folder is first on the path: import urllib without it.
_HERE = sys.path.pop(0)
import urllib.request   # noqa: E402
sys.path.insert(0, _HERE)
import peer             # noqa: E402

WARMUP = 2
# wrk's requests as it makes them (HTTP/1.1, so the connection is kept
# unless the server closes it), then each asking "Connection: close": one
# TCP connection per request on both sides. busybox httpd closes after
# every answer whatever is asked, so only the second compares like with like.
MODES = ('keep-alive', 'close')
BOOT_TIMEOUT = 120
READY = {'proteus': re.compile(r'^httpd: serving http://', re.M),
         'linux': re.compile(r'^bench-linux: httpd ready$', re.M)}
SUMMARY = re.compile(r'^wrk-summary: (.*)$', re.M)
LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'wrk-summary.lua')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Guest:
    """One VM, its console collected as it comes, ended on leaving."""

    def __init__(self, cmd):
        self.console = ''
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.p.stdout:
            self.console += raw.decode(errors='replace').replace('\r\n', '\n')

    def wait_for(self, ready, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready.search(self.console):
                return
            if self.p.poll() is not None:
                self.reader.join(2)
                raise peer.BenchError(f'QEMU ended ({self.p.returncode}) before the guest said it was serving:'
                                      f'\n{peer.tail(self.console)}')
            time.sleep(0.1)
        raise peer.BenchError(f'the guest did not say it was serving within {timeout} s:\n{peer.tail(self.console)}')

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.reader.join(2)


def check_page(url, page):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            body = r.read()
    except OSError as e:
        raise peer.BenchError(f'GET {url} failed: {e}')
    if body != page:
        raise peer.BenchError(f'GET {url} answered {len(body)} bytes that are not the page\'s {len(page)}')


def wrk(url, seconds, connections, close=False):
    cmd = ['wrk', '-t1', f'-c{connections}', f'-d{seconds}s', '--latency', '-s', LUA, url]
    if close:
        cmd[1:1] = ['-H', 'Connection: close']
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        raise peer.BenchError(f'wrk did not end within {seconds + 60} s')
    m = SUMMARY.search(p.stdout)
    if p.returncode or not m:
        raise peer.BenchError(f'wrk ended with {p.returncode} and no summary line:\n'
                              f'{peer.tail(p.stdout + p.stderr)}')
    f = {k: float(v) for k, v in (kv.split('=') for kv in m.group(1).split())}
    if not f['duration_us'] or not f['requests']:
        raise peer.BenchError(f'wrk{" asking Connection: close" if close else ""} made no request in {seconds} s:'
                              f'\n{peer.tail(p.stdout + p.stderr)}')
    return {'rps': f['requests'] / (f['duration_us'] / 1e6), 'p50': f['p50_us'] / 1e3, 'p99': f['p99_us'] / 1e3,
            'socket': int(f['connect'] + f['read'] + f['write'] + f['timeout']), 'status': int(f['status'])}


def one_side(side, accel, args, page, work):
    port = free_port()
    nic = ['-nic', f'user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:{port}-:80']
    kernel = (peer.proteus(args.image, 'quiet') if side == 'proteus'
              else peer.linux('http', {'/www/index.html': args.page}, work))
    url = f'http://127.0.0.1:{port}/'
    with Guest(peer.machine(accel, *nic) + kernel) as g:
        g.wait_for(READY[side], BOOT_TIMEOUT)
        try:
            check_page(url, page)
            wrk(url, WARMUP, args.connections)
            return {mode: wrk(url, args.duration, args.connections, close=mode == 'close') for mode in MODES}
        except peer.BenchError as e:
            raise peer.BenchError(f'{e}\n        the guest\'s console:\n{peer.tail(g.console)}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--duration', type=int, default=10, help='seconds of each measured wrk run (10)')
    ap.add_argument('--connections', type=int, default=8, help="wrk's open connections (8)")
    ap.add_argument('--image', default=os.environ.get('BENCH_HTTPD_IMAGE',
                                                      os.path.join(peer.BUILD, 'x86_64', 'httpd.elf')))
    ap.add_argument('--page', default=os.environ.get('BENCH_HTTP_PAGE',
                                                     os.path.join(peer.REPO, 'apps', 'httpd', 'index.html')))
    args = ap.parse_args()
    if not shutil.which('wrk'):
        print('  not measured: wrk missing (Debian package wrk; scripts/install-deps.sh bench installs it)')
        return 1
    for what, path in (('page', args.page), ('Proteus image', args.image)):
        if not os.path.isfile(path):
            print(f'  not measured: the {what} {path} is missing')
            return 1
    with open(args.page, 'rb') as f:
        page = f.read()
    print(f'  wrk -t1 -c{args.connections} -d{args.duration}s (after {WARMUP} s not counted), GET / of '
          f'{os.path.relpath(args.page, peer.REPO)} ({len(page)} bytes)')
    failed = False
    for accel, problem in peer.accels():
        if problem:
            print(f'  KVM: not available here ({problem})')
            continue
        print(f'  under {accel.upper()}: -M pc -cpu {peer.CPU[accel]} -m {peer.MEM} -smp 1, '
              f'-nic user,model=virtio-net-pci with a host port forwarded to 80')
        print(f'        {"side":<9} {"asked":<11} {"req/s":>9} {"p50 ms":>8} {"p99 ms":>8}   '
              f'errors: socket, non-2xx/3xx')
        rps = {}
        with peer.workdir() as work:
            for side in ('proteus', 'linux'):
                try:
                    r = one_side(side, accel, args, page, work)
                except peer.BenchError as e:
                    print(f'        {side:<9} not measured: {e}')
                    failed = True
                    continue
                rps[side] = {mode: r[mode]['rps'] for mode in MODES}
                for mode in MODES:
                    f = r[mode]
                    print(f'        {side:<9} {mode:<11} {f["rps"]:9.1f} {f["p50"]:8.2f} {f["p99"]:8.2f}   '
                          f'{f["socket"]}, {f["status"]}')
        if len(rps) == 2:
            print('        Proteus/Linux (requests/s): ' + ', '.join(
                f'{mode} {rps["proteus"][mode] / rps["linux"][mode]:.2f}' for mode in MODES))
    print('  (busybox httpd closes the connection after every answer, so its two rows are alike;')
    print('   "close" compares one connection per request on both sides)')
    print('  (goal: Proteus/Linux at least 1.0 under TCG, at least 2.0 on a hardware KVM)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
