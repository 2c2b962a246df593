#!/bin/bash
# Faults under load: the daemon killed with SIGKILL and restarted, stopped
# with SIGTERM, reloaded with SIGHUP, and a database that is slow because a
# lock is held.  Eight clients submit unique reports and retry each (with the
# same report_id) until it gets an answer, as real clients do.  Afterwards
# every acknowledged report is stored exactly once and none is lost.
. "$(dirname "$0")/../lib.sh"
sw_setup

LOAD=$WORK/load
# The limit is per token and all clients share one: it is tested in t80.
write_config "$WORK/daemon.conf" "dbname=$DB user=sw_test_daemon" \
	'http = { rate_limit_per_minute = 0; };'
sw_start || exit 1
PORT=${SW_URL##*:}
# Restarts reuse the port, so clients keep their address.
sed -i "s/port = 0;/port = $PORT;/" "$WORK/daemon.conf"

report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$1\",\"corridor\":\"rafah\",\"date\":\"2024-01-05\",\"trucks\":3}"; }
load_report() { report "$1"; }

# --- 1. kill -9 under load -------------------------------------------------------
# Each client sends one report per request: group commit stores them
# (store/group_commit.h), several to a transaction, and each is killed in
# the middle of its groups.
grouped() {
	curl -s "$SW_URL/metrics" | awk '$1 == "supplywatch_ingest_groups_total" { g = $2 }
		$1 == "supplywatch_ingest_group_reports_total" { r = $2 } END { print (r > g) ? "yes" : "no: " r " reports in " g " groups" }'
}
load_start
wait_progress 20
kills=0
for round in 1 2 3; do
	expect_eq "$(grouped)" "yes" "round $round: some group commits held several reports before the kill"
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	kills=$((kills + 1))
	mv "$WORK/daemon.log" "$WORK/daemon.killed$round.log"
	sw_start || { fail "restart $round failed"; break; }
	wait_progress 20 || break
done
load_stop
expect_eq "$kills" "3" "daemon killed three times"
load_verify "kill -9 x3"
expect_truck_daily_consistent "after the kills"
# Some attempts must really have been cut off, or the test proved nothing.
cut=$(cat "$LOAD"/attempts.* | awk '$2 == "000"' | wc -l)
if [ "$cut" -ge 1 ]; then ok; else fail "no request was cut off by the kills"; fi

# --- 2. SIGHUP under load: a corridor added, no request dropped -----------------------
load_start
wait_progress 10
sed -i 's|^corridors = (|corridors = (\n  { id = "kerem"; name = "Kerem Shalom"; baseline_trucks_per_day = 300; timezone = "Asia/Gaza"; },|' "$WORK/daemon.conf"
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 200); do grep -q "reload: configuration" "$WORK/daemon.log" && break; sleep 0.05; done
expect_contains "$WORK/daemon.log" "reload: configuration" "reload under load logged"
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"kerem\",\"date\":\"2024-01-05\",\"trucks\":1}"
expect_status 201 "the added corridor takes reports at once"
wait_progress 10
load_stop
expect_eq "$(cat "$LOAD"/attempts.* | awk '$2 != 201' | wc -l)" "0" "every request around the reload got 201"
load_verify "SIGHUP"

# --- 3. SIGTERM under load ------------------------------------------------------------
load_start
wait_progress 20
t0=$(date +%s%N)
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "     SIGTERM under load: exited with $rc after ${ms} ms"
expect_eq "$rc" "0" "clean exit on SIGTERM under load"
if [ "$ms" -lt 10000 ]; then ok; else fail "SIGTERM exit took $ms ms"; fi
# What the clients saw while it stopped: answers (2xx or 503) or refused connections.
odd=$(cat "$LOAD"/attempts.* | awk '$2 !~ /^(201|200|503|000)$/' | wc -l)
expect_eq "$odd" "0" "in-flight requests finished or got 503 (or the connection was refused)"
mv "$WORK/daemon.log" "$WORK/daemon.sigterm.log"
sw_start || exit 1
wait_progress 10
load_stop
load_verify "SIGTERM"

# --- 4. Slow database: a lock held on the reports table -------------------------------
write_config "$WORK/slow.conf" "dbname=$DB user=sw_test_daemon" \
	'http = { rate_limit_per_minute = 0; };'
sed -i 's/^database = { conninfo = "\([^"]*\)"; pool_size = 4; };/database = { conninfo = "\1"; pool_size = 4; statement_timeout_ms = 1000; };/' "$WORK/slow.conf"
grep -q "statement_timeout_ms = 1000" "$WORK/slow.conf" || fail "slow.conf not written"
sw_stop
mv "$WORK/daemon.log" "$WORK/daemon.before-slow.log"
sw_start "$WORK/slow.conf" || exit 1
psql -X -q -d "$DB" -c "BEGIN; LOCK TABLE supplywatch.reports IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); COMMIT;" >/dev/null 2>&1 &
LOCKER=$!
for _ in $(seq 1 100); do
	[ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'reports' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
	sleep 0.05
done
S=$(uuid)
t0=$(date +%s%N)
post_json /api/v1/reports "$(report "$S")"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "     slow database: submission answered $STATUS after ${ms} ms (statement_timeout 1000 ms)"
expect_status 503 "submission while the table is locked"
RA=$(grep -i '^Retry-After:' "$HEADERS" | tr -dc '0-9')
if [ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 5 ]; then ok; else fail "Retry-After 1-5 s on the slow-database 503, got '$RA'"; fi
if [ "$ms" -ge 900 ] && [ "$ms" -lt 3000 ]; then ok; else fail "503 after $ms ms, want about statement_timeout (1000 ms)"; fi
# The surfaces come from memory: they answer at once while the lock is held.
for path in / /api/v1/status /metrics /corridors/rafah /feed.atom; do
	t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "$SW_URL$path")
	code=${t% *}
	expect_eq "$code" "200" "GET $path while the table is locked"
	if awk -v s="${t#* }" 'BEGIN { exit !(s < 0.5) }'; then ok; else fail "GET $path took ${t#* } s while the table was locked"; fi
done
kill "$LOCKER" 2>/dev/null
sql "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'BEGIN; LOCK TABLE%' AND pid <> pg_backend_pid()" >/dev/null
wait "$LOCKER" 2>/dev/null
post_json /api/v1/reports "$(report "$S")"
expect_status 201 "the same report is stored once the lock is gone"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports WHERE report_id = '$S'")" "1" "stored exactly once"
sw_stop
