#!/bin/bash
# Runs the whole suite: C unit tests, then integration tests against a
# throwaway PostgreSQL cluster and the real daemon.  Usage: run.sh BUILD_DIR [TEST...]
# Prints one line per test file and a final "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
export SW_BUILD=$(cd "${1:-build}" && pwd)
shift || true
. tests/lib.sh >/dev/null 2>&1 || true

export SW_TMP=$(mktemp -d /tmp/supplywatch-check.XXXXXX)
chmod 755 "$SW_TMP"
export SW_RESULTS=$SW_TMP/results
PGDIR=$SW_TMP/pg
: >"$SW_RESULTS"

cleanup() {
	pg_cluster_stop "$PGDIR" immediate
	if [ "${KEEP_TMP:-0}" = 1 ] || [ "${fail:-1}" -ne 0 ]; then
		echo "kept $SW_TMP for inspection"
	else
		rm -rf "$SW_TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Sanitizer builds: fail hard on any report, log to stderr (captured per test).
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

start=$(date +%s)
unit_pass=0
unit_fail=0
echo "== unit tests ($SW_BUILD/tests)"
for t in "$SW_BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	if out=$("$t" 2>&1); then
		n=$(printf '%s\n' "$out" | sed -n 's/.*PASSED.*\] \([0-9]*\) test.*/\1/p' | tail -n 1)
		unit_pass=$((unit_pass + ${n:-1}))
		echo "ok   $(basename "$t") (${n:-?} tests)"
	else
		n=$(printf '%s\n' "$out" | sed -n 's/.*FAILED.*\] \([0-9]*\) test.*/\1/p' | tail -n 1)
		unit_fail=$((unit_fail + ${n:-1}))
		printf '%s\n' "$out" | grep -vE '^\[ +(RUN|OK) +\]' >&2
		echo "FAIL $(basename "$t")"
	fi
done

echo "== integration tests (PostgreSQL $(basename "$(dirname "$(pg_bindir)")"))"
if ! pg_cluster_start "$PGDIR"; then
	echo "cannot start the throwaway PostgreSQL cluster" >&2
	exit 1
fi
export PGHOST=$PGDIR PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
unset PGPASSWORD PGSERVICE
export PGOPTIONS="-c client_min_messages=warning"

if [ $# -gt 0 ]; then tests=("$@"); else tests=(tests/integration/t[0-9]*.sh); fi
files_failed=0
for t in "${tests[@]}"; do
	timeout -k 10 300 bash "$t" || files_failed=$((files_failed + 1))
done

pass=$unit_pass
fail=$unit_fail
while read -r name p f; do
	pass=$((pass + p))
	fail=$((fail + f))
done <"$SW_RESULTS"
# A test file that died before counting still counts as a failure.
counted_fail=$(awk '$3 > 0' "$SW_RESULTS" | wc -l)
[ "$files_failed" -gt "$counted_fail" ] && fail=$((fail + files_failed - counted_fail))

echo "== $(( $(date +%s) - start ))s"
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
