#!/usr/bin/env bash
# `make check` driver: runs every test suite, streams its output, and sums the
# `N passed, N failed` line each suite prints into one overall line of the same
# form (the last line of output). Exits non-zero if any suite failed, could not
# run, or ended without its summary line. Extra arguments go to the boot runner.
set -u
cd "$(dirname "$0")/.."

total_pass=0 total_fail=0 status=0
summaries=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run_suite NAME CMD...: run CMD with its output on the terminal and in $log,
# then take its last `N passed, N failed` line (a suite prints it last; a
# guest's console quoted earlier in the output must not count).
run_suite() {
    local name=$1; shift
    echo "== $name: $*"
    "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [[ -z $line ]]; then
        summaries+=("$name: no summary line (exit $rc): counted as 1 failure")
        total_fail=$((total_fail + 1)) status=1
        return
    fi
    local p f
    read -r p _ f _ <<<"${line//,/}"
    total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
    ((rc == 0)) || status=1
    if ((rc != 0 && f == 0)); then      # e.g. a test that could not run
        summaries+=("$name: $line (exit $rc): counted as 1 failure")
        total_fail=$((total_fail + 1))
    elif ((rc != 0)); then
        summaries+=("$name: $line (exit $rc)")
    else
        summaries+=("$name: $line")
    fi
}

# Host unit tests: optional until tests/unit/run.sh exists.
if [[ -x tests/unit/run.sh ]]; then
    run_suite unit tests/unit/run.sh
elif [[ -e tests/unit/run.sh ]]; then
    summaries+=("unit: tests/unit/run.sh is not executable: counted as 1 failure")
    total_fail=$((total_fail + 1)) status=1
else
    summaries+=("unit: no tests/unit/run.sh yet, skipped")
fi

# Fuzz harnesses: every seed and saved reproducer replayed once (seconds);
# `make fuzz` is the long run.
if [[ -x tests/fuzz/run.sh ]]; then
    run_suite fuzz tests/fuzz/run.sh replay
else
    summaries+=("fuzz: tests/fuzz/run.sh missing or not executable: counted as 1 failure")
    total_fail=$((total_fail + 1)) status=1
fi

# The teaching material: the tour's tags and chapters, and every code
# reference a doc gives (scripts/tour.py; seconds).
run_suite docs python3 -u tests/docs/test_tour.py

# scripts/run.py (make run): statuses, arguments, input, every platform.
run_suite run python3 -u tests/run/test_run.py

if [[ -f tests/boot/run.py ]]; then
    run_suite boot python3 -u tests/boot/run.py "$@"
else
    summaries+=("boot: tests/boot/run.py missing: counted as 1 failure")
    total_fail=$((total_fail + 1)) status=1
fi

echo "== summary"
printf '%s\n' "${summaries[@]}"
echo "$total_pass passed, $total_fail failed"
exit "$status"
