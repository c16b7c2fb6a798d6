#!/bin/sh
# Fetches lwIP 2.1.3's source from Debian (the lwip source package's orig
# tarball; Debian's liblwip-dev is a Linux shared library built for
# pthreads and cannot be linked into the kernel) and unpacks it under
# <outdir>/lwip-2.1.3. Proteus's own port (net/lwip/: lwipopts.h,
# arch/cc.h, sys_arch on the kernel's threads) is built with it by
# mk/lwip.mk.
#
# Nothing is installed: apt runs with a private configuration (a deb-src
# line for bookworm, its own lists and cache under the output folder), as
# scripts/fetch-qemu-backport.sh does. The result is reused until removed.
#
#   usage: fetch-lwip.sh <outdir>
set -eu

mkdir -p "$1"
out=$(cd "$1" && pwd)
stamp=$out/.fetched
[ -f "$stamp" ] && exit 0
exec 9>"$out.lock"
flock 9
[ -f "$stamp" ] && exit 0

rm -rf "${out:?}"/*
mkdir -p "$out/src"
echo "  FETCH   lwIP 2.1.3 from Debian's source package"
# shellcheck source=scripts/private-apt.sh
. "$(dirname "$0")/private-apt.sh"
private_apt "$out" deb-src bookworm fetch-lwip
cd "$out/src"
# shellcheck disable=SC2086
apt-get $APT source --download-only lwip >"$out/apt/source.log" 2>&1 \
    || { echo "fetch-lwip: apt-get source failed, see $out/apt/source.log" >&2; exit 1; }
set -- lwip_2.1.3*.orig.tar.*
[ -f "$1" ] || { echo "fetch-lwip: Debian's lwip is no longer 2.1.3 (see $out/src)" >&2; exit 1; }
tar -C "$out" -xf "$1"
[ -f "$out/lwip-2.1.3/src/core/tcp.c" ] \
    || { echo "fetch-lwip: the tarball holds no lwip-2.1.3/src/core/tcp.c" >&2; exit 1; }
touch "$stamp"
