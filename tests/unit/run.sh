#!/usr/bin/env bash
# Host unit tests: build each tests/unit/test_*.c together with the kernel
# sources it exercises (compiled unchanged for the host, with ASan and UBSan)
# into build/host/, run them, and print every `PASS name` / `FAIL name` line
# followed by one total line `N passed, N failed` (always the last line).
#
# A binary that does not compile counts as one failure; so does one that
# crashes or exits without its summary line, or exits non-zero after
# reporting no failures (e.g. a sanitizer report at exit). Exit status is
# non-zero whenever anything failed.
#
# Usage: tests/unit/run.sh [FILTER]   (FILTER: run only tests whose name
# contains it; every binary is still built)
set -u
cd "$(dirname "$0")/../.." || { echo "run.sh: cannot find the repository root"; echo "0 passed, 1 failed"; exit 1; }

CC=${CC:-gcc}
# The host is x86_64: kernel sources compile as the 64-bit kernel's
# (CONFIG_ARCH_BITS, as config/x86_64.mk sets it for the image).
CFLAGS=(-std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Werror
        -fsanitize=address,undefined -fno-sanitize-recover=all
        -DCONFIG_ARCH_BITS=64 -Iinclude -Iarch/x86/include)
OUT=build/host
FILTER=${1:-}

# The tests: every tests/unit/test_*.c, in name order. Each names the
# kernel sources it links in one line near its top, e.g.
#     /* unit-sources: kernel/pmm.c kernel/memmap.c */
# (the list may be empty; never lib/string.c: the host's libc provides
# memcpy and friends), so that a new test is one new file. A test without
# that line counts as one failure.
shopt -s nullglob
mapfile -t TESTS < <(for f in tests/unit/test_*.c; do basename "$f" .c; done | LC_ALL=C sort)

# Sanitizers: stop at the first error, with a clear report. Leak checking
# needs ptrace, which some containers forbid; it is not what these tests
# are about, so it stays off unless the caller asks for it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=0:halt_on_error=1:print_legend=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0

fail_extra() {   # fail_extra MESSAGE: a failure that is not a test's own line
    echo "FAIL $1"
    failed=$((failed + 1))
}

if ! mkdir -p "$OUT/obj"; then
    fail_extra "build: cannot create $OUT"
    echo "$passed passed, $failed failed"
    exit 1
fi

# Compile one source to an object; on error print the compiler's output.
declare -A COMPILED=()
compile() {   # compile SRC -> sets $obj, returns non-zero on error
    local src=$1
    obj="$OUT/obj/${src//\//_}.o"
    if [[ -n ${COMPILED[$src]:-} ]]; then
        [[ ${COMPILED[$src]} == ok ]]
        return
    fi
    local log
    if log=$("$CC" "${CFLAGS[@]}" -c "$src" -o "$obj" 2>&1); then
        COMPILED[$src]=ok
        [[ -n $log ]] && printf '%s\n' "$log"
        return 0
    fi
    COMPILED[$src]=error
    echo "run.sh: compile error in $src:"
    printf '%s\n' "$log" | sed 's/^/    /'
    return 1
}

# unit_sources TEST: set $srcs to the sources its unit-sources line names.
unit_sources() {
    local line
    line=$(grep -m1 '^/\* unit-sources:' "tests/unit/$1.c")
    if [[ ! $line =~ ^/\*\ unit-sources:(.*)\*/[[:space:]]*$ ]]; then
        echo "run.sh: tests/unit/$1.c has no line /* unit-sources: FILES */ naming the kernel sources it links"
        return 1
    fi
    read -r -a srcs <<<"${BASH_REMATCH[1]}"
}

for t in "${TESTS[@]}"; do
    if ! unit_sources "$t"; then
        fail_extra "$t (no unit-sources line)"
        continue
    fi
    objs=() build_ok=true
    for src in tests/unit/main.c tests/unit/printk_capture.c "tests/unit/$t.c" "${srcs[@]}"; do
        if compile "$src"; then
            objs+=("$obj")
        else
            build_ok=false
        fi
    done
    bin="$OUT/$t"
    rm -f "$bin"
    if $build_ok; then
        if ! log=$("$CC" "${CFLAGS[@]}" "${objs[@]}" -o "$bin" 2>&1); then
            echo "run.sh: link error for $t:"
            printf '%s\n' "$log" | sed 's/^/    /'
            build_ok=false
        fi
    fi
    if ! $build_ok; then
        fail_extra "$t (does not build)"
        continue
    fi

    # Run it; pass its lines through except its own summary.
    log="$OUT/$t.log"
    if [[ -n $FILTER ]]; then "$bin" "$FILTER"; else "$bin"; fi >"$log" 2>&1
    rc=$?
    summary="" np=0 nf=0
    while IFS= read -r line || [[ -n $line ]]; do
        if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
            summary=$line
            continue
        fi
        printf '%s\n' "$line"
        case $line in
            "PASS "*) np=$((np + 1)) ;;
            "FAIL "*) nf=$((nf + 1)) ;;
        esac
    done <"$log"
    if [[ -z $summary ]]; then
        # count what it did report, plus the crash itself
        passed=$((passed + np)) failed=$((failed + nf))
        fail_extra "$t (crashed or ended without a summary, exit status $rc)"
        continue
    fi
    read -r p _ f _ <<<"${summary//,/}"
    passed=$((passed + p)) failed=$((failed + f))
    if ((rc != 0 && f == 0)); then
        fail_extra "$t (exit status $rc after reporting no failures)"
    fi
done

echo "$passed passed, $failed failed"
((failed == 0))
