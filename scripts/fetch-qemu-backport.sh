#!/bin/sh
# Fetches QEMU from Debian's bookworm-backports (10.x) and unpacks it under
# build/qemu-backport, next to (not instead of) the system's QEMU 7.2. The
# boot tests use it only for what 7.2 cannot do: its TCG emulates x2APIC,
# so the x2APIC rows of tests/boot/tests.cfg run on every machine (QEMU 7.2's
# TCG has no x2APIC, and this machine's KVM cannot run the images).
#
# Nothing is installed: apt runs with a private configuration (its own
# sources, lists and cache under the output folder), downloads three .deb
# files and dpkg unpacks them. The result is reused until removed.
#
#   usage: fetch-qemu-backport.sh <outdir>
set -eu

mkdir -p "$1"
out=$(cd "$1" && pwd)
stamp=$out/.fetched
[ -f "$stamp" ] && exit 0

rm -rf "${out:?}"/*
mkdir -p "$out/root"
echo "  FETCH   QEMU from bookworm-backports (for the x2APIC boot tests)"
# shellcheck source=scripts/private-apt.sh
. "$(dirname "$0")/private-apt.sh"
private_apt "$out" deb bookworm-backports fetch-qemu-backport
cd "$out/apt/archives"
# shellcheck disable=SC2086
apt-get $APT download qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports \
    qemu-system-data/bookworm-backports >"$out/apt/download.log" 2>&1 \
    || { echo "fetch-qemu-backport: download failed, see $out/apt/download.log" >&2; exit 1; }
for deb in ./*.deb; do
    dpkg -x "$deb" "$out/root"
done
"$out/root/usr/bin/qemu-system-x86_64" --version >/dev/null \
    || { echo "fetch-qemu-backport: the unpacked QEMU does not run" >&2; exit 1; }
touch "$stamp"
