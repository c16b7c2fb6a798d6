# Sourced by the scripts that build Linux test hosts from Debian packages
# (build-kvm-host.sh, build-xen-dom0-host.sh, build-linux-bench-vm.sh):
# the cache check, fetching packages without installing them, a busybox
# root, and packing it. Each caller sets `self` (its own path), `lib`
# (this file's) and `me` (its name, for messages), then calls build_once.

# Start a build into $1: the caller ends here (exit 0) when the stamp
# there says these same sources were built already (the caller, this file
# and the other files named, $2...: their checksum is the stamp); else one
# build at a time (the boot runner starts hosts side by side: a second
# caller waits for the first, then finds the stamp), and $1 emptied. Sets
# out (absolute), sum and stamp; the caller writes $sum to $stamp last.
build_once() {
    mkdir -p "$1"
    out=$(cd "$1" && pwd)
    shift
    sum=$(cat "$self" "$lib" "$@" | sha256sum | cut -d' ' -f1)
    stamp=$out/.built
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && exit 0
    exec 9>"$(dirname "$out")/.$(basename "$out").lock"
    flock 9
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && exit 0
    rm -rf "${out:?}"/*
}

# Fetch Debian's kernel (the package linux-image-amd64 names) and the
# packages named, with apt lists of our own (a fresh machine or container
# may have none, and the machine's are left alone), and unpack them all
# under $out/pkg. Sets kernel_pkg, and kver (the kernel's module folder);
# copies the kernel to $out/vmlinuz.
fetch_debian() {
    mkdir -p "$out/debs" "$out/pkg" "$out/apt/lists/partial" "$out/apt/archives/partial"
    APT="-q -o Dir::State::Lists=$out/apt/lists -o Dir::Cache::Archives=$out/apt/archives
         -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
    # shellcheck disable=SC2086
    apt-get $APT update >"$out/apt/update.log" 2>&1 \
        || { echo "$me: apt-get update failed, see $out/apt/update.log" >&2; exit 1; }
    # shellcheck disable=SC2086
    kernel_pkg=$(apt-cache $APT depends linux-image-amd64 2>/dev/null \
        | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1)
    [ -n "$kernel_pkg" ] || { echo "$me: apt knows no linux-image-amd64" >&2; exit 1; }
    # shellcheck disable=SC2086
    (cd "$out/debs" && apt-get $APT download "$kernel_pkg" "$@" >"$out/download.log" 2>&1) \
        || { echo "$me: apt-get download failed, see $out/download.log" >&2; exit 1; }
    for deb in "$out"/debs/*.deb; do
        dpkg-deb -x "$deb" "$out/pkg"
    done
    cp "$out"/pkg/boot/vmlinuz-* "$out/vmlinuz"
    kver=$(basename "$out"/pkg/lib/modules/*)
}

# A root in $1 with busybox (from the unpacked busybox-static) and its
# applet links, and the two device nodes the kernel opens before devtmpfs
# is mounted.
busybox_root() {
    mkdir -p "$1/bin" "$1/sbin" "$1/dev" "$1/proc" "$1/sys" "$1/tmp" "$1/lib/modules" "$1/usr/bin"
    cp "$out/pkg/bin/busybox" "$1/bin/busybox"
    for applet in $("$1/bin/busybox" --list); do
        [ -e "$1/bin/$applet" ] || ln -s busybox "$1/bin/$applet"
    done
    mknod -m 600 "$1/dev/console" c 5 1
    mknod -m 666 "$1/dev/null" c 1 3
}

# Module $2 of the fetched kernel into root $1's /lib/modules (decompressed
# if Debian shipped it xz'd), after the modules it depends on, each once;
# /lib/modules/order (which the caller empties first) is the order an /init
# loads them in with insmod. The package has no modules.dep (depmod writes
# it on installation), so each module's own .modinfo section says (its
# "depends=" entry). A module built into the kernel (modules.builtin) needs
# nothing.
add_module() {
    grep -qx "$2" "$1/lib/modules/order" && return 0
    grep -q "/$2\.ko$" "$out/pkg/lib/modules/$kver/modules.builtin" 2>/dev/null && return 0
    _ko=$(find "$out/pkg/lib/modules/$kver" -name "$2.ko" -o -name "$2.ko.xz" | head -n1)
    [ -n "$_ko" ] || { echo "$me: no module $2 in $kernel_pkg" >&2; exit 1; }
    case $_ko in
        *.xz) xz -dc "$_ko" >"$1/lib/modules/$2.ko" ;;
        *) cp "$_ko" "$1/lib/modules/$2.ko" ;;
    esac
    for _dep in $(objcopy -O binary --only-section=.modinfo "$1/lib/modules/$2.ko" /dev/stdout \
                  | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
        add_module "$1" "$_dep"
    done
    echo "$2" >>"$1/lib/modules/order"
}

# Pack root $1 into $out/base.cpio with busybox's cpio (the one the archive
# is for; the machine may have none), keep that busybox as $out/busybox for
# the batches appended later, and drop what was fetched.
pack_root() {
    cp "$1/bin/busybox" "$out/busybox"
    (cd "$1" && find . | "$out/busybox" cpio -o -H newc 2>/dev/null) >"$out/base.cpio"
    rm -rf "$out/pkg" "$out/apt" "$out/debs" "$1"
}
