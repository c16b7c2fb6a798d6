#!/bin/sh
# Builds newlib 3.3 from Debian's newlib-source tarball for one architecture,
# with the host's own gcc and binutils, (no cross toolchain exists in Debian for
# *-elf targets, and none is needed: the code is freestanding). The result is
# installed under build/<arch>/newlib and reused until `make distclean`, or
# until the build it describes changes: the stamp build/<arch>/newlib/.built
# holds the target, compiler flags and configure options it was built with,
# and make runs this script whenever the script is newer than the stamp; a
# stamp that still matches is only touched (a comment edit costs nothing).
#
#   usage: build-newlib.sh <i386|x86_64> <build-dir>
set -eu

arch=$1
out=$(cd "$2" && pwd)
tarball=/usr/src/newlib/newlib-3.3.0.tar.xz
stamp=$out/newlib/.built

[ -f "$tarball" ] || { echo "build-newlib: $tarball missing (package newlib-source)" >&2; exit 1; }

# The host gcc targets Linux and predefines __linux__ and __unix__, which
# would make newlib's headers pick glibc-compatible settings (large-file
# stdio, dynamic reentrancy). An *-elf cross compiler defines neither, so
# take them away. Apps are compiled with the same flags (Makefile).
undef_host="-U__linux__ -U__linux -Ulinux -U__gnu_linux__ -U__unix__ -U__unix -Uunix"
# Dynamic reentrancy, asked for by name: threads run on several CPUs at
# once, so newlib's _REENT (errno, stdio's streams) must be the running
# thread's, through __getreent() (kernel/libc/threads.c), not the one
# global _impure_ptr. Apps are compiled with it too (Makefile, NEWLIB_DEFS).
newlib_defs="-D__DYNAMIC_REENT__"
# Frame pointers, as in the kernel and apps: a backtrace from a fault in
# newlib, or in code it calls back (a qsort comparator), walks on through
# newlib's frames to the app's. Stack-clash protection, as in the kernel
# and apps: a function with a frame larger than a page (vfprintf's, say)
# touches each page of it in order, so running off a stack always hits the
# guard page below it instead of jumping over it into a neighbour.

case $arch in
x86_64)
    target=x86_64-elf
    cc="gcc -m64"; as="as --64"; ld="ld -m elf_x86_64"
    cflags="-O2 -g -fno-omit-frame-pointer -ffreestanding -fno-stack-protector -fstack-clash-protection -fno-pic -fno-pie -mno-red-zone $undef_host $newlib_defs"
    ;;
i386)
    target=i686-elf
    cc="gcc -m32"; as="as --32"; ld="ld -m elf_i386"
    cflags="-O2 -g -fno-omit-frame-pointer -ffreestanding -fno-stack-protector -fstack-clash-protection -fno-pic -fno-pie -march=i686 $undef_host $newlib_defs"
    ;;
*) echo "build-newlib: unknown arch '$arch'" >&2; exit 1 ;;
esac
# Retargetable locking: newlib's locks (malloc, stdio, atexit) become calls to
# __retarget_lock_*, which kernel/libc/locks.c implements with Proteus mutexes.
confopts="--disable-multilib --disable-newlib-supplied-syscalls
    --enable-newlib-io-long-long --enable-newlib-io-c99-formats
    --enable-newlib-retargetable-locking --disable-nls"
config="newlib-3.3.0 $target
cc: $cc
cflags: $cflags
configure: $(echo $confopts)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$config" ] && [ -f "$out/newlib/$target/lib/libc.a" ]; then
    touch "$stamp"
    exit 0
fi

work=$out/newlib-build
rm -rf "$work" "$out/newlib"
mkdir -p "$work"
echo "  NEWLIB  $arch (about a minute, once)"
tar -C "$work" -xJf "$tarball"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n1)
mkdir -p "$work/obj"
cd "$work/obj"
# newlib's configure insists on *_FOR_TARGET tools; the host's gcc and binutils
# produce the right object format when given -m32/-m64.
# shellcheck disable=SC2086 # $confopts is a list of words
"$src/configure" --target=$target --prefix="$out/newlib" $confopts \
    CC_FOR_TARGET="$cc" AR_FOR_TARGET=ar RANLIB_FOR_TARGET=ranlib \
    AS_FOR_TARGET="$as" LD_FOR_TARGET="$ld" NM_FOR_TARGET=nm \
    OBJDUMP_FOR_TARGET=objdump READELF_FOR_TARGET=readelf \
    CFLAGS_FOR_TARGET="$cflags" >"$work/configure.log" 2>&1 \
    || { echo "build-newlib: configure failed, see $work/configure.log" >&2; exit 1; }
make -j"$(nproc)" all-target-newlib >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log" >&2; echo "build-newlib: build failed, see $work/build.log" >&2; exit 1; }
make install-target-newlib >"$work/install.log" 2>&1 \
    || { echo "build-newlib: install failed, see $work/install.log" >&2; exit 1; }
# Keep only the installed headers and archives; the object tree is large.
rm -rf "$work"
printf '%s\n' "$config" >"$stamp"
