#!/bin/sh
# The newlib glue's archive (Makefile, "newlib's syscall glue"): the glue's
# files that only add functions, searched before newlib so that an image
# links the ones it calls (hello has no threads, no poll(), no files).
# A file that replaces a function newlib also has must not be in it: from
# an archive, newlib's version could be linked instead, silently. So each
# member's global definitions are checked against newlib's, and the build
# stops naming any it shares; such a file goes in the Makefile's
# LIBC_REPLACES instead, linked whole into every image.
#
# usage: mkglue.sh OUT.a NEWLIB-libc.a OBJECT...
set -e
out=$1
newlib=$2
shift 2
theirs=$(mktemp)
trap 'rm -f "$theirs"' EXIT
nm --defined-only -g "$newlib" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$theirs"
bad=0
for o in "$@"; do
    both=$(nm --defined-only -g "$o" | awk 'NF == 3 { print $3 }' | sort -u | comm -12 - "$theirs")
    if [ -n "$both" ]; then
        echo "$o: defines what newlib also does ($(echo $both)): list it in LIBC_REPLACES (Makefile)" >&2
        bad=1
    fi
done
[ "$bad" = 0 ] || exit 1
rm -f "$out"
ar rcs "$out" "$@"
