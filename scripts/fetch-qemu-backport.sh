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

# The same mirror the machine uses for Debian, with the backports suite.
uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
[ -n "$uri" ] || uri=$(sed -n 's/^deb \(http[^ ]*debian\/*\) bookworm .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
[ -n "$uri" ] || uri=http://deb.debian.org/debian

rm -rf "${out:?}"/*
mkdir -p "$out/apt/parts" "$out/apt/lists/partial" "$out/apt/archives/partial" "$out/root"
cat >"$out/apt/parts/backports.sources" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
APT="-q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::sourceparts=$out/apt/parts
     -o Dir::State::Lists=$out/apt/lists -o Dir::Cache::Archives=$out/apt/archives
     -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
echo "  FETCH   QEMU from bookworm-backports (for the x2APIC boot tests)"
# shellcheck disable=SC2086
apt-get $APT update >"$out/apt/update.log" 2>&1 \
    || { echo "fetch-qemu-backport: apt-get update failed, see $out/apt/update.log" >&2; exit 1; }
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
