#!/bin/sh
# `make debug`: boots an image under QEMU stopped at its very first
# instruction (the reset vector, before the BIOS runs), with QEMU's gdb server
# listening, and attaches Debian's gdb with the image's symbols, the source
# paths (newlib's too) and the architecture set, so that `hbreak main`,
# `continue` is all it takes. docs/debugging.md shows a session and the
# pitfalls; the gdb-* boot rows drive the same set-up in batch mode.
#
#   usage: debug.sh ARCH IMAGE
#   environment: PROTEUS_ARGS  the kernel command line (kernel options -- app args),
#                              given to QEMU's -append as one word (quoting intact)
#                DEBUG_PORT    gdb server port (default 1234, QEMU's -s)
#                DEBUG_SERIAL  QEMU -serial for the console (default: this
#                              terminal, output only; `pty` gives a terminal
#                              device to type into, e.g. with screen)
set -eu

arch=$1 image=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
port=${DEBUG_PORT:-1234}
serial=${DEBUG_SERIAL:-file:/dev/stderr}
case $arch in
# The architecture is set before connecting: QEMU's gdb stub describes the
# CPU as it was built (qemu-system-x86_64: always 64-bit registers, even in
# real and protected mode), and gdb must agree with it before it reads any.
x86_64) qemu=qemu-system-x86_64 gdbarch=i386:x86-64 ;;
i386)   qemu=qemu-system-i386 gdbarch=i386 ;;
*)      echo "debug: ARCH must be x86_64 or i386, not '$arch'" >&2; exit 2 ;;
esac
[ -f "$image" ] || { echo "debug: $image missing (not built?)" >&2; exit 1; }
for tool in "$qemu" gdb; do
    command -v "$tool" >/dev/null || { echo "debug: $tool missing: run scripts/install-deps.sh" >&2; exit 1; }
done

# newlib's debug information names the folder it was compiled in
# (<build>/<arch>/newlib-build/newlib-salsa/...), which scripts/build-newlib.sh
# removes once newlib is installed. The same sources, unpacked once from
# Debian's newlib-source tarball, stand in for it (gdb's substitute-path).
src=$repo/build/newlib-src
if [ ! -d "$src/newlib-salsa" ]; then
    echo "  DEBUG   unpacking newlib's sources into build/newlib-src (once)"
    mkdir -p "$src"
    tar -xJf /usr/src/newlib/newlib-3.3.0.tar.xz -C "$src" newlib-salsa/newlib
fi
built=$(grep -a -o -m1 '/[[:print:]]*/newlib-build/' "$image" | head -n1 || true)

# QEMU in the background: its console must not take the terminal, which is
# gdb's (-serial stdio would put it in raw mode). Ctrl-C is for gdb (stop
# the guest), so QEMU runs in a session of its own, where the terminal's
# SIGINT does not reach it (QEMU would end on it: it installs its own
# handler, whatever the shell set), and this script survives it, so that
# QEMU is always ended below, whatever ends gdb.
echo "  DEBUG   $qemu -S -gdb tcp:127.0.0.1:$port, $image (gdb: hbreak main, continue)"
setsid $qemu -display none -no-reboot -m 128 -serial "$serial" \
    -device isa-debug-exit,iobase=0xf4,iosize=4 \
    -S -gdb "tcp:127.0.0.1:$port" -kernel "$image" ${PROTEUS_ARGS:+-append "$PROTEUS_ARGS"} &
qpid=$!
trap 'kill $qpid 2>/dev/null || true' EXIT
trap : INT
trap 'exit 129' HUP    # a closed terminal: through the EXIT trap, so QEMU ends too
trap 'exit 143' TERM

# gdb retries a refused connection for `tcp connect-timeout` seconds (15), so
# it may start before QEMU listens.
set +e
gdb -q -nx -ex "set architecture $gdbarch" -ex "directory $repo" \
    ${built:+-ex "set substitute-path ${built}newlib-salsa $src/newlib-salsa"} \
    -ex "target remote 127.0.0.1:$port" "$image"
rc=$?
kill $qpid 2>/dev/null
wait $qpid 2>/dev/null
exit $rc
