#!/bin/sh
# Builds the Xen 4.17 hypervisor from Debian's xen source package with
# CONFIG_PV32=y, for the i386 Xen PV boot tests: Debian's own hypervisor has
# 32-bit PV turned off (CONFIG_PV32 is not set), so it refuses a 32-bit PV
# dom0. Only the hypervisor is built (about a minute on two cores), and the
# result is kept as <outdir>/xen-4.17-pv32.elf until removed.
#
# The source package is fetched with a private apt configuration (its own
# deb-src list, lists and cache under <outdir>): the machine's apt sources
# are not touched. Needs flex and bison (scripts/install-deps.sh).
#
#   usage: build-xen-pv32.sh <outdir>
set -eu

mkdir -p "$1"
out=$(cd "$1" && pwd)
result=$out/xen-4.17-pv32.elf
[ -f "$result" ] && exit 0

uri=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
[ -n "$uri" ] || uri=http://deb.debian.org/debian
work=$out/pv32-build
rm -rf "$work"
mkdir -p "$work/apt/parts" "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/src"
cat >"$work/apt/parts/src.sources" <<SRC
Types: deb-src
URIs: $uri
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
APT="-q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::sourceparts=$work/apt/parts
     -o Dir::State::Lists=$work/apt/lists -o Dir::Cache::Archives=$work/apt/archives
     -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
echo "  XEN     building the Xen 4.17 hypervisor with CONFIG_PV32=y (about a minute, once)"
# shellcheck disable=SC2086
apt-get $APT update >"$work/update.log" 2>&1 \
    || { echo "build-xen-pv32: apt-get update failed, see $work/update.log" >&2; exit 1; }
cd "$work/src"
# shellcheck disable=SC2086
apt-get $APT source --download-only xen >"$work/source.log" 2>&1 \
    || { echo "build-xen-pv32: fetching the xen source failed, see $work/source.log" >&2; exit 1; }
dsc=$(ls ./*.dsc | head -n1)
dpkg-source --no-check -x "$dsc" tree >"$work/unpack.log" 2>&1 \
    || { echo "build-xen-pv32: unpacking failed, see $work/unpack.log" >&2; exit 1; }
cd tree/xen
{
    make defconfig
    echo "CONFIG_PV32=y" >>.config
    make olddefconfig
    make -j"$(nproc)"
} >"$work/build.log" 2>&1 \
    || { tail -20 "$work/build.log" >&2; echo "build-xen-pv32: build failed, see $work/build.log" >&2; exit 1; }
grep -q '^CONFIG_PV32=y' .config \
    || { echo "build-xen-pv32: CONFIG_PV32 did not stay set" >&2; exit 1; }
cp xen "$result"
rm -rf "$work"
