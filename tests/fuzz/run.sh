#!/usr/bin/env bash
# Fuzz harnesses: each tests/fuzz/fuzz_<name>.c feeds one outside input
# (command line, memory map, firmware table, CPUID, shim ROM, shared ring)
# to the kernel sources that read it, compiled unchanged for the host with
# clang, ASan and UBSan, and checks invariants beyond "did not crash".
#
#   tests/fuzz/run.sh fuzz [NAME]     libFuzzer, FUZZ_SECONDS (default 60) per
#                                     harness, one after another: `make fuzz`
#   tests/fuzz/run.sh replay [NAME]   every seed (tests/fuzz/corpus/<name>/) and
#                                     reproducer (tests/fuzz/reproducers/<name>/)
#                                     once, no fuzzing: part of `make check`
#   tests/fuzz/run.sh build [NAME]    build both kinds of binary, run nothing
#
# FUZZ=NAME selects one harness, like the NAME argument. Binaries, the
# growing corpora and crash inputs go to build/fuzz/ (docs/testing.md,
# "4. Fuzz harnesses"). Both modes print one PASS/FAIL line per harness and end with
# `N passed, N failed`; the exit status is non-zero when anything failed.
set -u
cd "$(dirname "$0")/../.." || { echo "run.sh: cannot find the repository root"; echo "0 passed, 1 failed"; exit 1; }

# Each harness names the kernel sources it links, unchanged, in one line
# near its top, e.g. /* fuzz-sources: kernel/bootinfo.c kernel/memmap.c */,
# so that a new harness is tests/fuzz/fuzz_<name>.c and seeds in
# tests/fuzz/corpus/<name>/, nothing else. A harness without the line fails.
# Extra libFuzzer options for `fuzz` mode (inputs longer than the default
# 4096 bytes, ...). tests/fuzz/fuzz_<name>.dict, if present, is passed too.
declare -A LIBFUZZER_OPTS=(
    [vmi_rom]="-max_len=8200"
)

MODE=${1:-}
ONLY=${2:-${FUZZ:-}}
SECONDS_EACH=${FUZZ_SECONDS:-60}
MAX_CRASHES=${FUZZ_MAX_CRASHES:-3}   # per harness, then it stops early
CC=${FUZZ_CC:-clang}
OUT=build/fuzz
CFLAGS=(-std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter
        -fno-sanitize-recover=all -Iinclude -Iarch/x86/include)
# Only for the harnesses' own files: -Werror (kernel code is built with
# gcc, and a warning only clang gives must not stop `make check`), and
# no comparison tracing when fuzzing: the models' comparisons would only
# slow libFuzzer down (by 40% for memmap) and blur its hints about the
# kernel's. Their branches still count as coverage.
OURS=(-Werror)
declare -A OURS_SAN=([fuzz]=-fno-sanitize-coverage=trace-cmp [replay]="")
declare -A SAN=([fuzz]="fuzzer-no-link,address,undefined" [replay]="address,undefined")
declare -A LINK_SAN=([fuzz]="fuzzer,address,undefined" [replay]="address,undefined")

# Leak checking needs ptrace, which some containers forbid, and the kernel
# code under test never allocates; the rest as in tests/unit/run.sh.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:halt_on_error=1:print_legend=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; ((failed == 0)); exit; }

case $MODE in
    fuzz | replay | build) ;;
    *)
        echo "usage: tests/fuzz/run.sh fuzz|replay|build [NAME]   (or FUZZ=NAME)" >&2
        exit 2
        ;;
esac
if [[ ! $SECONDS_EACH =~ ^[1-9][0-9]*$ ]]; then
    echo "run.sh: FUZZ_SECONDS must be a whole number of seconds, not '$SECONDS_EACH'" >&2
    exit 2
fi

# The harnesses: every fuzz_<name>.c.
NAMES=()
for f in tests/fuzz/fuzz_*.c; do
    [[ -e $f ]] || continue
    n=${f#tests/fuzz/fuzz_}
    n=${n%.c}
    [[ -n $ONLY && $n != "$ONLY" ]] && continue
    NAMES+=("$n")
done
if ((${#NAMES[@]} == 0 && failed == 0)); then
    fail "no harness${ONLY:+ named '$ONLY'} in tests/fuzz/"
fi

if ! command -v "$CC" >/dev/null; then
    fail "build: $CC not found (scripts/install-deps.sh installs clang and libclang-rt-14-dev)"
    finish
fi
mkdir -p "$OUT" || { fail "build: cannot create $OUT"; finish; }

# ------------------------------------------------------------------ build --
# Compile one source for a mode (once per run); on error print the
# compiler's output. Sets $obj.
declare -A COMPILED=()
HCFLAGS=()
compile() {   # compile MODE SRC
    local mode=$1 src=$2 log extra=()
    obj="$OUT/obj-$mode/${src//\//_}.o"
    if [[ -n ${COMPILED[$mode:$src]:-} ]]; then
        [[ ${COMPILED[$mode:$src]} == ok ]]
        return
    fi
    [[ $src == tests/fuzz/* ]] && extra=("${OURS[@]}" ${OURS_SAN[$mode]})
    mkdir -p "$OUT/obj-$mode"
    if log=$("$CC" "${CFLAGS[@]}" "${HCFLAGS[@]}" "${extra[@]}" -fsanitize="${SAN[$mode]}" -c "$src" -o "$obj" 2>&1); then
        COMPILED[$mode:$src]=ok
        [[ -n $log ]] && printf '%s\n' "$log"
        return 0
    fi
    COMPILED[$mode:$src]=error
    echo "run.sh: compile error in $src:"
    printf '%s\n' "$log" | sed 's/^/    /'
    return 1
}

# build MODE NAME: the libFuzzer binary (fuzz) or the replay driver's
# (replay). Sets $bin; returns non-zero with the reason printed.
build() {
    local mode=$1 name=$2 objs=() ok=true src log
    local srcs=(tests/fuzz/support.c "tests/fuzz/fuzz_$name.c")
    [[ $mode == replay ]] && srcs+=(tests/fuzz/replay_main.c)
    local line ksrc=()
    line=$(grep -m1 '^/\* fuzz-sources:' "tests/fuzz/fuzz_$name.c")
    if [[ ! $line =~ ^/\*\ fuzz-sources:(.*)\*/[[:space:]]*$ ]]; then
        echo "run.sh: tests/fuzz/fuzz_$name.c has no line /* fuzz-sources: FILES */ naming the kernel sources it links"
        return 1
    fi
    read -r -a ksrc <<<"${BASH_REMATCH[1]}"
    # and, optionally, flags for every file of the harness (include paths
    # of a library it links: fuzz_lwip_input's lwIP)
    HCFLAGS=()
    line=$(grep -m1 '^/\* fuzz-cflags:' "tests/fuzz/fuzz_$name.c")
    [[ $line =~ ^/\*\ fuzz-cflags:(.*)\*/[[:space:]]*$ ]] && read -r -a HCFLAGS <<<"${BASH_REMATCH[1]}"
    for src in "${srcs[@]}" "${ksrc[@]}"; do
        if compile "$mode" "$src"; then objs+=("$obj"); else ok=false; fi
    done
    bin="$OUT/$([[ $mode == fuzz ]] && echo bin || echo replay)/fuzz_$name"
    mkdir -p "$(dirname "$bin")"
    rm -f "$bin"
    $ok || return 1
    if ! log=$("$CC" "${CFLAGS[@]}" -fsanitize="${LINK_SAN[$mode]}" "${objs[@]}" -o "$bin" 2>&1); then
        echo "run.sh: link error for fuzz_$name:"
        printf '%s\n' "$log" | sed 's/^/    /'
        return 1
    fi
}

# ------------------------------------------------ expected failures (xfail) --
# tests/fuzz/xfail: `<name>/<file> <reason>` for a reproducer in
# tests/fuzz/reproducers/ whose defect is not fixed yet. Temporary by
# design: the replay fails as soon as such a file passes.
declare -A XFAIL=()
if [[ -f tests/fuzz/xfail ]]; then
    while read -r path reason; do
        [[ -z $path || $path == \#* ]] && continue
        XFAIL[tests/fuzz/reproducers/$path]=${reason:-no reason given}
    done <tests/fuzz/xfail
fi

inputs_of() {   # inputs_of NAME: the seed corpus and reproducers, one per line
    local f
    for f in "tests/fuzz/corpus/$1"/* "tests/fuzz/reproducers/$1"/*; do
        [[ -f $f ]] && printf '%s\n' "$f"
    done
}

# ----------------------------------------------------------------- replay --
replay_one() {
    local name=$1 x=() files=() f out line
    for f in "${!XFAIL[@]}"; do
        [[ $f == "tests/fuzz/reproducers/$name/"* ]] || continue
        if [[ -f $f ]]; then x+=(-x "$f"); else fail "fuzz_$name (tests/fuzz/xfail names $f, which does not exist)"; fi
    done
    mapfile -t files < <(inputs_of "$name")
    if ((${#files[@]} == 0)); then
        fail "fuzz_$name (no inputs: add seeds to tests/fuzz/corpus/$name/)"
        return
    fi
    out=$("$bin" -t 10 "${x[@]}" -- "${files[@]}" 2>&1)
    local rc=$?
    line=$(grep -E '^replay: [0-9]+ inputs' <<<"$out" | tail -n 1)
    grep -vE '^replay: [0-9]+ inputs' <<<"$out"
    if [[ ! $line =~ ^replay:\ ([0-9]+)\ inputs,\ ([0-9]+)\ failed,\ ([0-9]+)\ expected ]]; then
        fail "fuzz_$name (the replay driver ended without its summary, exit status $rc)"
        return
    fi
    local n=${BASH_REMATCH[1]} nf=${BASH_REMATCH[2]} nx=${BASH_REMATCH[3]}
    local note=""
    ((nx)) && note=", $nx expected failure$( ((nx > 1)) && echo s) listed in tests/fuzz/xfail"
    if ((nf == 0 && rc == 0)); then
        pass "fuzz_$name ($n inputs$note)"
    else
        fail "fuzz_$name ($nf of $n inputs failed$note)"
    fi
}

# ------------------------------------------------------------------- fuzz --
fuzz_one() {
    local name=$1 corpus=$OUT/corpus/$1 crashes=$OUT/crashes/$1 log=$OUT/fuzz_$1.log f
    mkdir -p "$corpus" "$crashes"
    # Start from the seeds and every reproducer that passes (an expected
    # failure would end the run at once); new inputs stay in build/.
    while read -r f; do
        [[ -n ${XFAIL[$f]:-} ]] && continue
        case $f in
            tests/fuzz/corpus/*) cp -n "$f" "$corpus/seed-$(basename "$f")" ;;
            *) cp -n "$f" "$corpus/repro-$(basename "$f")" ;;
        esac
    done < <(inputs_of "$name")
    local opts=(-timeout=10 -print_final_stats=1 -artifact_prefix="$crashes/")
    opts+=(${LIBFUZZER_OPTS[$name]:-})
    [[ -f tests/fuzz/fuzz_$name.dict ]] && opts+=(-dict="tests/fuzz/fuzz_$name.dict")

    # One libFuzzer run for the whole time; after a crash, another for
    # what is left (up to MAX_CRASHES), so the time stays FUZZ_SECONDS.
    local start=$SECONDS runs=0 ncrash=0 left n rc art
    : >"$log"
    while left=$((start + SECONDS_EACH - SECONDS)); ((left > 0 && ncrash < MAX_CRASHES)); do
        "$bin" "${opts[@]}" -max_total_time="$left" "$corpus" >"$log.run" 2>&1
        rc=$?
        cat "$log.run" >>"$log"
        n=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log.run" | tail -n 1)
        n=${n##* }
        runs=$((runs + ${n:-0}))
        ((rc == 0)) && break
        art=$(grep -oE '(Test unit|artifact) written to [^ ]+' "$log.run" | tail -n 1)
        art=${art##* }
        if [[ -z $art ]]; then
            echo "  fuzz_$name stopped with status $rc and saved no input; the end of $log:"
            tail -n 20 "$log.run" | sed 's/^/    /'
            ncrash=$((ncrash + 1))
            break
        fi
        ncrash=$((ncrash + 1))
        echo "  crash $ncrash of fuzz_$name: $art"
        grep -E 'INVARIANT BROKEN|ERROR: |runtime error|SUMMARY: ' "$log.run" | head -n 4 | sed 's/^/    /'
        echo "    replay:   $bin $art"
        echo "    minimise: $bin -minimize_crash=1 -runs=100000 -exact_artifact_path=$art.min $art"
    done
    rm -f "$log.run"
    local took=$((SECONDS - start)) size
    size=$(find "$corpus" -type f | wc -l)
    local what="$runs runs in $took s ($((runs / (took ? took : 1))) per s), $ncrash crash$( ((ncrash != 1)) && echo es), corpus $size inputs"
    if ((ncrash == 0)); then pass "fuzz_$name: $what"; else fail "fuzz_$name: $what"; fi
}

# ------------------------------------------------------------------- main --
if [[ $MODE == fuzz ]]; then
    echo "fuzz: ${#NAMES[@]} harness(es) x $SECONDS_EACH s, one after another: about $(( ${#NAMES[@]} * (SECONDS_EACH + 2) )) s with the builds"
fi
for name in "${NAMES[@]}"; do
    case $MODE in
        build)
            if build fuzz "$name" && build replay "$name"; then pass "fuzz_$name (built)"; else fail "fuzz_$name (does not build)"; fi
            ;;
        replay)
            if build replay "$name"; then replay_one "$name"; else fail "fuzz_$name (does not build)"; fi
            ;;
        fuzz)
            if build fuzz "$name"; then fuzz_one "$name"; else fail "fuzz_$name (does not build)"; fi
            ;;
    esac
done
finish
