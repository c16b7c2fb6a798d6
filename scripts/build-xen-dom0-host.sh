#!/bin/sh
# Builds the Linux dom0 test host: Debian's Xen 4.17 boots Debian's own
# Linux kernel as dom0 under QEMU's TCG, and that dom0 runs Debian's
# toolstack (xenstored, xen-init-dom0, xenconsoled, xl), which creates
# Proteus images as PV domUs exactly as a user's `xl create` would
# (docs/xen-pv.md, "Running as a domU"; issue 16).
#
# Output, under <outdir>:
#   vmlinuz         Debian's kernel (the package linux-image-amd64 names)
#   base.cpio       the initramfs: busybox, the Xen modules dom0 needs
#                   (xen-evtchn, xen-gntdev, xen-gntalloc, xen-privcmd,
#                   xenfs), the split drivers' backends and what they
#                   stand on (xen-netback and a bridge, xen-blkback and
#                   loop devices), the toolstack's programs with every
#                   shared library they load, /etc/xen with its hotplug
#                   scripts and the bash they are written in, and /init
#                   (below)
# A batch of domU runs is a second cpio archive appended after base.cpio
# (Linux unpacks both): /batch/run.sh and the images and configs it names.
# /init loads the modules, mounts xenfs, starts xenstored, xen-init-dom0 and
# xenconsoled, makes the bridge xenbr0 (10.0.0.1/24) that the domUs' vifs
# join (`vif = [ 'bridge=xenbr0' ]`), runs the batch and powers off.
#
# Nothing is installed: the packages are fetched with `apt-get download`
# and unpacked with dpkg-deb. The result is reused until removed, or until
# this script changes (its checksum is the stamp).
#
#   usage: build-xen-dom0-host.sh <outdir>
set -eu

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
lib=$(dirname "$self")/debian-initramfs.sh
me=build-xen-dom0-host
# shellcheck source=scripts/debian-initramfs.sh
. "$lib"
build_once "$1"

echo "  DOM0    Debian's kernel, busybox and Xen's toolstack, for the domU rows"
fetch_debian busybox-static xen-utils-4.17 xen-utils-common xenstore-utils libxenmisc4.17 \
    libxenstore4 libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxentoollog1 \
    libxentoolcore1 libxendevicemodel1 libxenhypfs1 libyajl2
p=$out/pkg

r=$out/root
busybox_root "$r"
mkdir -p "$r/run" "$r/var" "$r/usr/sbin" "$r/etc"
ln -s /run "$r/var/run"
ln -s /run/lock "$r/var/lock"

# The modules dom0 needs for the toolstack, in load order (only xenfs
# depends on another, xen-privcmd; each is =m in Debian's kernel); then
# the backends of the split drivers, xen-netback and xen-blkback, and
# what a vif and a vbd stand on here: the bridge (which needs llc and
# stp) and loop devices for blkback, which serves block devices only.
: >"$r/lib/modules/order"
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs llc stp bridge xen-netback loop \
         xen-blkback; do
    ko=$(find "$p/lib/modules/$kver" -name "$m.ko" -o -name "$m.ko.xz" | head -n1)
    [ -n "$ko" ] || { echo "build-xen-dom0-host: no module $m in $kernel_pkg" >&2; exit 1; }
    case $ko in
        *.xz) xz -dc "$ko" >"$r/lib/modules/$m.ko" ;;
        *) cp "$ko" "$r/lib/modules/$m.ko" ;;
    esac
    echo "$m" >>"$r/lib/modules/order"
done

# The toolstack's programs, and xenstore's client with its links.
xbin=usr/lib/xen-4.17/bin
mkdir -p "$r/$xbin"
for b in xl xenstored xenconsoled xenconsole xen-init-dom0 libxl-save-helper; do
    [ -e "$p/$xbin/$b" ] || { echo "build-xen-dom0-host: no $xbin/$b in xen-utils-4.17" >&2; exit 1; }
    cp "$p/$xbin/$b" "$r/$xbin/$b"
done
cp -a "$p/usr/bin/xenstore"* "$r/usr/bin/"
mkdir -p "$r/etc/xen"
cp -a "$p/etc/xen/." "$r/etc/xen/"
# Shared libraries: NEEDED entries, followed recursively, looked up in the
# unpacked packages first, then on this machine (glibc and friends); and
# libgcc_s, which glibc loads for pthread_cancel (xl aborts without it).
lookup() {
    for d in "$p/usr/lib/x86_64-linux-gnu" "$p/lib/x86_64-linux-gnu" /lib/x86_64-linux-gnu \
             /usr/lib/x86_64-linux-gnu; do
        [ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
copy_libs() {
    for lib in $(objdump -p "$1" 2>/dev/null | sed -n 's/^ *NEEDED *//p'); do
        [ -e "$r/lib/x86_64-linux-gnu/$lib" ] && continue
        src=$(lookup "$lib") || { echo "build-xen-dom0-host: no $lib (needed by $1)" >&2; exit 1; }
        mkdir -p "$r/lib/x86_64-linux-gnu"
        cp -L "$src" "$r/lib/x86_64-linux-gnu/$lib"
        copy_libs "$src"
    done
}
# The hotplug scripts libxl runs for a vif and a vbd (/etc/xen/scripts/
# vif-bridge, block) are bash scripts, and take their lock with flock
# and compare `stat -L -c %D.%i /dev/stdin FILE` (locking.sh; /init
# makes the /dev/std* links udev would, or the lock is retried for ever),
# which busybox lacks or formats otherwise: bash, flock and coreutils'
# stat from this machine (Debian's too). Busybox has the rest of what
# they call (ip, brctl, losetup, readlink, logger, sed, awk).
cp /bin/bash "$r/bin/bash"
cp /usr/bin/flock "$r/usr/bin/flock"
rm -f "$r/bin/stat"   # busybox's link; coreutils' goes first in PATH anyway
cp /usr/bin/stat "$r/usr/bin/stat"
# curl, with which the xl-httpd rows fetch pages from a domU as a user
# would (scripts/install-deps.sh installs it here)
cp /usr/bin/curl "$r/usr/bin/curl"
for b in "$r/$xbin"/* "$r/usr/bin/xenstore" "$r/bin/bash" "$r/usr/bin/flock" "$r/usr/bin/stat" \
    "$r/usr/bin/curl"; do
    copy_libs "$b"
done
cp -L "$(lookup libgcc_s.so.1)" "$r/lib/x86_64-linux-gnu/"
mkdir -p "$r/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$r/lib64/"

cat >"$r/init" <<'INIT'
#!/bin/sh
# The Linux dom0 test host's first process (scripts/build-xen-dom0-host.sh).
export PATH=/usr/lib/xen-4.17/bin:/usr/bin:/usr/sbin:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts   # xenconsoled gives each domU console a pty
# what udev would make, and the hotplug scripts' locking uses
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mkdir -p /run/lock /run/xen /run/xenstored /var/lib/xen /var/log/xen/console
for m in $(cat /lib/modules/order); do
    insmod /lib/modules/$m.ko || echo "dom0-host: insmod $m failed"
done
mount -t xenfs xenfs /proc/xen || echo "dom0-host: xenfs not mounted"
xenstored --pid-file /run/xenstored.pid
tries=0
until xenstore-read -s / >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ $tries -gt 100 ] && { echo "dom0-host: xenstored does not answer"; break; }
    sleep 0.1
done
xen-init-dom0 >/dev/null || echo "dom0-host: xen-init-dom0 failed"
xenconsoled --log=guest --log-dir=/var/log/xen/console
# The bridge the domUs' vifs join (vif-bridge adds each), dom0 at 10.0.0.1
brctl addbr xenbr0 && ip addr add 10.0.0.1/24 dev xenbr0 && ip link set xenbr0 up \
    || echo "dom0-host: the bridge xenbr0 could not be made"
echo "dom0-host: toolstack ready"
[ -x /batch/run.sh ] && /batch/run.sh
echo "dom0-host: done"
poweroff -f
INIT
chmod 755 "$r/init"
pack_root "$r"
echo "$sum" >"$stamp"
