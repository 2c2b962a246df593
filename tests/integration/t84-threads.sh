#!/bin/bash
# The daemon's threads share nothing unguarded: the daemon built with
# ThreadSanitizer (make tsan) serves submissions, pages, the feed, /metrics
# and an export while it is reloaded again and again and then stopped, and
# ThreadSanitizer reports no data race.  (A reload used to change the log
# level under the other threads' feet.)
. "$(dirname "$0")/../lib.sh"
sw_setup
TSAN_BIN=$SW_BUILD/tsan/supplywatchd
[ -x "$TSAN_BIN" ] || { fail "no $TSAN_BIN: make tsan builds it (make check does)"; exit 1; }
: >"$WORK/daemon.log"
TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1" "$TSAN_BIN" -c "$WORK/daemon.conf" 2>>"$WORK/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 1 400); do
	port=$(sed -n 's|.*ready: listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/daemon.log")
	[ -n "$port" ] && break
	sleep 0.05
done
[ -n "$port" ] || { fail "the ThreadSanitizer daemon did not start: $(tail -n 5 "$WORK/daemon.log")"; exit 1; }
SW_URL="http://127.0.0.1:$port"
report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"2024-07-0$1\",\"trucks\":$1}"; }
load() {
	for i in $(seq 1 40); do
		curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
			--data-binary "$(report $((i % 9 + 1)))" "$SW_URL/api/v1/reports"
		for path in / /corridors/lachin /feed.atom /metrics /api/v1/status; do
			curl -s -o /dev/null -H "Accept-Encoding: gzip" "$SW_URL$path"
		done
	done
}
load &
L1=$!
load &
L2=$!
for _ in $(seq 1 6); do
	kill -HUP "$DAEMON_PID"
	sleep 0.3
	req GET "/api/v1/reports.csv?kind=trucks"
done
wait "$L1" "$L2"
expect_status 200 "an export while the load ran"
sw_stop
races=$(grep -c "WARNING: ThreadSanitizer" "$WORK/daemon.log")
expect_eq "$races" "0" "ThreadSanitizer reports"
[ "$races" = 0 ] || grep -A 16 "WARNING: ThreadSanitizer" "$WORK/daemon.log" | head -60 >&2
