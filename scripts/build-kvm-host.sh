#!/bin/sh
# Builds the nested KVM test host: what the boot tests boot under QEMU's TCG
# when this machine's own /dev/kvm cannot run Proteus images (kvm-pvm:
# docs/testing.md, "KVM rows"). QEMU's TCG emulates AMD SVM with nested
# paging (-cpu qemu64,+svm,+npt), so Debian's own Linux kernel, booted
# under it, loads kvm_amd and is a real KVM host; the host's own QEMU, run
# inside it with -accel kvm, then boots the images as a hardware KVM would.
# Figures measured there are those of an emulated machine, behaviour is real.
#
# Output, under <outdir>:
#   vmlinuz         Debian's kernel (the package linux-image-amd64 names)
#   base.cpio       the initramfs: busybox, the kvm and kvm_amd modules, this
#                   machine's qemu-system-x86_64 and qemu-system-i386 with
#                   every shared library they load and the firmware they ask
#                   for, /bin/stamp (tests/boot/kvm-host/stamp.c: console
#                   lines timestamped for the clock rows), and /init (below)
# A batch of guest boots is a second cpio archive appended after base.cpio
# (Linux unpacks both, Documentation/driver-api/early-userspace/
# buffer-format.rst): /batch/run.sh and the files it boots, written by
# tests/boot/run.py. /init loads the modules, checks /dev/kvm, runs the
# batch with its output on the console (the serial port), and powers off.
#
# Nothing is installed: the two packages are fetched with `apt-get download`
# and unpacked with dpkg-deb. The result is reused until removed, or until
# this script or stamp.c changes (their checksum is the stamp).
#
#   usage: build-kvm-host.sh <outdir>
set -eu

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
repo=$(dirname "$(dirname "$self")")
stamp_src=$repo/tests/boot/kvm-host/stamp.c
lib=$(dirname "$self")/debian-initramfs.sh
me=build-kvm-host
# shellcheck source=scripts/debian-initramfs.sh
. "$lib"
build_once "$1" "$stamp_src"

echo "  KVMHOST Debian's kernel, busybox and this machine's QEMU, for the nested KVM rows"
fetch_debian busybox-static

r=$out/root
busybox_root "$r"
# kvm_amd and what it needs, dependencies first (add_module).
: >"$r/lib/modules/order"
add_module "$r" kvm-amd

# This machine's QEMU, its libraries (what ldd resolves, kept at the same
# paths, and the dynamic loader) and its firmware, where it looks for it.
# Debian's /usr/bin/qemu-system-i386 is a shell wrapper around the binary in
# /usr/libexec (it redirects old Xen invocations).
i386=/usr/bin/qemu-system-i386
[ -x /usr/libexec/qemu-system-i386 ] && i386=/usr/libexec/qemu-system-i386
for bin in /usr/bin/qemu-system-x86_64 $i386; do
    cp "$bin" "$r/usr/bin/$(basename "$bin")"
    ldd "$bin" | awk '/=> \//{print $3} /^\t\//{print $1}' | while read -r lib; do
        mkdir -p "$r$(dirname "$lib")"
        cp -L "$lib" "$r$lib"
    done
done
for dir in /usr/share/seabios /usr/share/qemu/keymaps; do
    mkdir -p "$r$dir"
    cp -a "$dir/." "$r$dir/"
done
mkdir -p "$r/usr/share/qemu" "$r/usr/lib/ipxe/qemu"
for f in kvmvapic.bin linuxboot.bin linuxboot_dma.bin multiboot.bin multiboot_dma.bin pvh.bin \
         qboot.rom bios-microvm.bin; do
    cp -L "/usr/share/qemu/$f" "$r/usr/share/qemu/$f"
done
for f in bios.bin bios-256k.bin vgabios-stdvga.bin; do
    ln -sf "../seabios/$f" "$r/usr/share/qemu/$f"
done
cp -L /usr/lib/ipxe/qemu/efi-e1000.rom "$r/usr/lib/ipxe/qemu/" 2>/dev/null || true

# The clock rows' timestamps, taken inside the host (tests/boot/kvm-host/stamp.c).
gcc -static -O2 -Wall -Wextra -Werror -o "$r/bin/stamp" "$stamp_src"

cat >"$r/init" <<'INIT'
#!/bin/sh
# The nested KVM host's first process (scripts/build-kvm-host.sh).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order); do
    insmod /lib/modules/$m.ko || echo "kvm-host: insmod $m failed"
done
echo "kvm-host: $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU(s)"
if [ -c /dev/kvm ]; then
    echo "kvm-host: /dev/kvm ready"
    [ -x /batch/run.sh ] && /batch/run.sh
else
    echo "kvm-host: no /dev/kvm (no SVM in the CPU QEMU gave this machine?)"
fi
echo "kvm-host: done"
poweroff -f
INIT
chmod 755 "$r/init"
pack_root "$r"
echo "$sum" >"$stamp"
