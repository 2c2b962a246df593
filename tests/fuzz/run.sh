#!/bin/sh
# Runs each fuzz target for SECONDS from its seed corpus, after replaying every
# saved input once (the crash regressions).  Usage: run.sh BUILD SECONDS TARGET...
# Prints "fuzz: N passed, N failed"; a crash leaves its input in BUILD/crashes/.
set -u
build=$1
seconds=$2
shift 2
pass=0
fail=0
# Leaks inside libraries we cannot fix are listed, with reasons, in lsan.supp.
export LSAN_OPTIONS="suppressions=$(pwd)/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
mkdir -p "$build/crashes"
for t in "$@"; do
	bin=$build/fuzz_$t
	seeds=tests/fuzz/corpus/$t
	work=$build/corpus/$t
	mkdir -p "$work"
	if ! "$bin" -runs=0 "$seeds" >"$build/$t.replay.log" 2>&1; then
		echo "FAIL fuzz_$t: a saved input fails (see $build/$t.replay.log)"
		fail=$((fail + 1))
		continue
	fi
	if timeout -k 10 $((seconds + 60)) "$bin" -max_total_time="$seconds" -max_len=65536 \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
		-artifact_prefix="$build/crashes/$t-" "$work" "$seeds" >"$build/$t.log" 2>&1; then
		echo "ok   fuzz_$t ($seconds s, $(ls "$work" | wc -l) new inputs)"
		pass=$((pass + 1))
	else
		echo "FAIL fuzz_$t: see $build/$t.log and $build/crashes/"
		tail -n 30 "$build/$t.log"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
