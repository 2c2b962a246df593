#!/bin/bash
# Several daemons on one database learn of each other's reports promptly: a
# daemon announces what it stored at once, not at its next rebuild (which a
# stream of reports can put 30 s away), and announces again what it could
# not announce.
. "$(dirname "$0")/../lib.sh"
sw_setup
report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"$1\",\"trucks\":4}"; }
# seq_of URL: the highest report the daemon's figures include.
seq_of() { curl -s "$1/metrics" | sed -n 's/^supplywatch_snapshot_report_seq //p'; }
builds_of() { curl -s "$1/metrics" | sed -n 's/^supplywatch_snapshot_builds_total //p'; }
# learns URL WHAT: seconds until the daemon at URL includes the last report (10 s at most).
learns() {
	local want t0 i
	want=$(sql "SELECT max(id) FROM supplywatch.reports")
	t0=$EPOCHREALTIME
	for i in $(seq 1 200); do
		[ "$(seq_of "$1")" -ge "$want" ] && break
		sleep 0.05
	done
	LEARNT=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	echo "     $2: the other daemon had it after $LEARNT s"
}

sw_start || exit 1
A=$SW_URL
A_PID=$DAEMON_PID

# --- a slow rebuild does not delay the announcement ------------------------------------
# A's rebuild waits up to 4 s on a lock (the snapshot reads the tokens table; the
# token is cached, so ingest does not): under the rule that rebuilds take at
# most a fifth of the time, A's next one is up to 16 s away.
post_json /api/v1/reports "$(report 2024-04-01)"
expect_status 201 "a report to daemon A"
lock_table tokens 4
b0=$(builds_of "$A")
post_json /api/v1/reports "$(report 2024-04-02)"
expect_status 201 "another, while A's rebuild waits"
wait "$LOCKER"
for _ in $(seq 1 100); do [ "$(builds_of "$A")" -gt "$b0" ] && break; sleep 0.05; done
if [ "$(builds_of "$A")" -gt "$b0" ]; then ok; else fail "A did not rebuild"; fi
sw_start || exit 1
B=$SW_URL
B_PID=$DAEMON_PID
# B settles: its first build, then the rebuild of a new listening session.
for _ in $(seq 1 100); do [ "$(builds_of "$B")" -ge 2 ] && break; sleep 0.05; done
expect_eq "$(builds_of "$B")" "2" "B has settled"
SW_URL=$A
post_json /api/v1/reports "$(report 2024-04-03)"
expect_status 201 "a report to A right after its slow rebuild"
learns "$B" "after A's slow rebuild"
if awk -v t="$LEARNT" 'BEGIN { exit !(t < 2.5) }'; then ok; else fail "B learnt of A's report after $LEARNT s"; fi

# --- an announcement that fails is made again ----------------------------------------------
sql "REVOKE EXECUTE ON FUNCTION pg_notify(text, text) FROM PUBLIC" >/dev/null
post_json /api/v1/reports "$(report 2024-04-04)"
expect_status 201 "a report to A while it cannot announce"
for _ in $(seq 1 100); do grep -q "could not announce" "$WORK/daemon.log" && break; sleep 0.05; done
expect_contains "$WORK/daemon.log" "could not announce changes to other daemons; will retry" "the failure is logged"
sql "GRANT EXECUTE ON FUNCTION pg_notify(text, text) TO PUBLIC" >/dev/null
learns "$B" "after the announcement failed once"
if awk -v t="$LEARNT" 'BEGIN { exit !(t < 2.5) }'; then ok; else fail "B learnt of the report whose announcement failed after $LEARNT s"; fi
kill -TERM "$B_PID"
wait "$B_PID" && ok || fail "daemon B exit"
DAEMON_PID=$A_PID
sw_stop
