#!/bin/sh
# Installs the Debian 12 packages Proteus needs to build and test, and nothing
# else. `make run` and `make check` call this first, so a fresh machine needs no
# manual set-up. Only missing packages are installed; an up-to-date machine costs
# one dpkg query. Run as root (or with sudo available).
#
#   gcc, binutils, make      the toolchain (Debian's; nothing prebuilt is fetched)
#   gcc-multilib             -m32 support: i386 libgcc for 64-bit division etc.
#   newlib-source            newlib 3.3 tarball under /usr/src/newlib, built per arch
#   xz-utils                 to unpack that tarball
#   libxen-dev               Xen's public headers (/usr/include/xen) for the PV personality
#   qemu-system-x86          the machine every boot test runs on
#   python3                  the boot-test runner and small build helpers
#   xen-hypervisor-4.17-amd64  the real Xen the Xen PV boot tests run under (only
#                            the hypervisor image under /boot; nothing boots it)
#   flex bison dpkg-dev      to rebuild that hypervisor with 32-bit PV for the
#                            i386 Xen tests (scripts/build-xen-pv32.sh)
#   clang                    the compiler of the fuzz harnesses (tests/fuzz/): libFuzzer is clang's
#   libclang-rt-14-dev       clang's runtimes for them: libFuzzer, ASan and UBSan
#   gdb                      make debug, and the gdb-* boot rows that drive it in batch mode
#   grub-pc-bin xorriso mtools  make iso: grub-mkrescue's BIOS GRUB, ISO writer and FAT tools
#   libvirt-clients          make libvirt's checks: virsh and virt-xml-validate
#   libxml2-utils            xmllint, which virt-xml-validate runs
#   libvirt-daemon libvirt-daemon-driver-qemu  libvirt's QEMU driver, which the
#                            checks run embedded in virsh (qemu:///embed): no service
#                            is installed or started (those are libvirt-daemon-system's)
set -eu

PKGS="gcc binutils make gcc-multilib newlib-source xz-utils libxen-dev qemu-system-x86 python3
      xen-hypervisor-4.17-amd64 flex bison dpkg-dev clang libclang-rt-14-dev
      gdb grub-pc-bin xorriso mtools libvirt-clients libxml2-utils libvirt-daemon
      libvirt-daemon-driver-qemu curl iputils-ping"

# `install-deps.sh bench` (make bench) adds what only the benchmarks use:
#   wrk                      the HTTP load generator of tests/bench/http.py
[ "${1:-}" = bench ] && PKGS="$PKGS wrk"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
