#!/bin/sh
# Builds the Linux peer of make bench's HTTP and block figures (issue 17,
# tests/bench/http.py, tests/bench/blk.py): Debian's own Linux kernel and
# Debian's busybox, booted in the same QEMU configuration as the Proteus
# image it is compared with, so that the ratio measures the guest OS and
# not the machine.
#
# Output, under <outdir>:
#   vmlinuz         Debian's kernel (the package linux-image-amd64 names)
#   base.cpio       the initramfs: busybox-static, the virtio-pci, -net and
#                   -blk modules with what they depend on, and /init (below)
#   busybox         that busybox, for the archive appended at run time
# The page served is not in base.cpio: http.py appends a second cpio
# archive holding /www/index.html, the same file Proteus's httpd serves
# (apps/httpd/index.html), taken when the bench runs. Linux unpacks both.
#
# /init reads bench= from the kernel command line:
#   bench=http  eth0 gets 10.0.2.15/24 (the address QEMU's user network
#               gives by DHCP, which Proteus asks for), then
#               `busybox httpd -f -p 80 -h /www`; once it listens, the
#               console says "bench-linux: httpd ready"; it runs until
#               QEMU is ended
#   bench=blk   64 MiB written sequentially to /dev/vda then read back, 1 MiB
#               per request, with busybox dd (O_DIRECT), blkrounds= times
#               (default 3); each round the console says "bench-linux:
#               write 64 MiB in N ns" and "... read ...", then power-off
# and says "bench-linux: ..." with the reason when it cannot.
#
# Nothing is installed: the packages are fetched with `apt-get download`
# and unpacked with dpkg-deb (scripts/debian-initramfs.sh). The result is
# reused until removed, or until this script changes (its checksum is the
# stamp).
#
#   usage: build-linux-bench-vm.sh <outdir>
set -eu

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
lib=$(dirname "$self")/debian-initramfs.sh
me=build-linux-bench-vm
# shellcheck source=scripts/debian-initramfs.sh
. "$lib"
build_once "$1"

echo "  LINUXVM Debian's kernel and busybox, the Linux peer of the HTTP and block benches"
fetch_debian busybox-static

r=$out/root
busybox_root "$r"
for applet in httpd dd ip; do
    [ -e "$r/bin/$applet" ] || { echo "$me: Debian's busybox-static has no $applet" >&2; exit 1; }
done
mkdir -p "$r/www"
: >"$r/lib/modules/order"
for m in virtio_pci virtio_net virtio_blk; do
    add_module "$r" "$m"
done

cat >"$r/init" <<'INIT'
#!/bin/sh
# The Linux peer of make bench's HTTP and block figures
# (scripts/build-linux-bench-vm.sh says what each bench= does).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order); do
    insmod /lib/modules/$m.ko || echo "bench-linux: insmod $m failed"
done
say() { echo "bench-linux: $*"; }
bench=$(sed -n 's/.*bench=\([a-z]*\).*/\1/p' /proc/cmdline)
say "$(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU(s), $(sed -n 's/^MemTotal: *//p' /proc/meminfo), bench=$bench"
case $bench in
http)
    if [ ! -f /www/index.html ]; then
        say "no /www/index.html (the bench appends it in a second archive)"
    elif ! ip link set eth0 up 2>/dev/null; then
        say "no eth0 (no virtio-net NIC?)"
    else
        ip link set lo up
        ip addr add 10.0.2.15/24 dev eth0
        ip route add default via 10.0.2.2
        httpd -f -p 80 -h /www &
        n=0
        while ! netstat -ltn 2>/dev/null | grep -q ':80 '; do
            n=$((n + 1))
            [ $n -gt 100 ] && break
            sleep 0.1
        done
        if netstat -ltn 2>/dev/null | grep -q ':80 '; then
            say "httpd ready"
            wait
            say "httpd ended"
        else
            say "httpd is not listening on port 80"
        fi
    fi
    ;;
blk)
    if [ ! -b /dev/vda ]; then
        say "no /dev/vda (no virtio-blk disk?)"
    else
        # O_DIRECT: every request goes to the device as the Proteus side's
        # do (no page cache to fill or to read from); conv=fsync ends the
        # write with a flush, as blkbench's blockdev_flush does. Debian's
        # busybox dd prints no time and its date has no %N: the clock is
        # the kernel's monotonic one in ns, /proc/timer_list's "now at".
        now() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }
        rounds=$(sed -n 's/.*blkrounds=\([0-9]*\).*/\1/p' /proc/cmdline)
        for _ in $(seq "${rounds:-3}"); do
            t0=$(now)
            e=$(dd if=/dev/zero of=/dev/vda bs=1M count=64 oflag=direct conv=fsync 2>&1) \
                || { say "writing /dev/vda failed: $e"; break; }
            t1=$(now)
            e=$(dd if=/dev/vda of=/dev/null bs=1M count=64 iflag=direct 2>&1) \
                || { say "reading /dev/vda failed: $e"; break; }
            t2=$(now)
            say "write 64 MiB in $((t1 - t0)) ns"
            say "read 64 MiB in $((t2 - t1)) ns"
        done
    fi
    ;;
*)
    say "no bench= on the kernel command line (http or blk)"
    ;;
esac
say "done"
poweroff -f
INIT
chmod 755 "$r/init"
pack_root "$r"
echo "$sum" >"$stamp"
