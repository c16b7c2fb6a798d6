#!/bin/sh
# The archive behind APP_PRINTF_<app> := integer (Makefile, docs/apps.md
# "Size"): for each NAME=VARIANT pair, an object of its own holding
# __wrap_NAME, a jump to newlib's integer-only VARIANT. The link passes
# --wrap=NAME for every pair, which sends each call of NAME, in any object,
# to __wrap_NAME; as an archive member is linked only when something calls
# it, an image carries the variants it calls and no more. (Redirecting with
# --defsym needed --undefined to pull each variant in, which linked all
# fourteen, and the string formatter behind snprintf, into every such app:
# 11 KB of hello.)
#
# usage: mkprintf-integer.sh OUT.a CC [CFLAGS...] -- NAME=VARIANT...
set -e
out=$1
shift
cc=
while [ "$1" != -- ]; do cc="$cc $1"; shift; done
shift
dir=$out.d
rm -rf "$dir" "$out"
mkdir -p "$dir"
for pair in "$@"; do
    name=${pair%%=*}
    variant=${pair#*=}
    printf '\t.text\n\t.globl __wrap_%s\n\t.type __wrap_%s, @function\n__wrap_%s:\n\tjmp %s\n\t.size __wrap_%s, . - __wrap_%s\n\t.section .note.GNU-stack, "", @progbits\n' \
        "$name" "$name" "$name" "$variant" "$name" "$name" |
        $cc -x assembler -c - -o "$dir/$name.o"
done
ar rcs "$out" "$dir"/*.o
