#!/bin/bash
# Group commit (store/group_commit.h): single reports sent at once are
# stored together, one transaction per group, and each request still gets
# exactly its own answer: stored, replay, conflict, a twin in the same
# group, the same report_id from another organisation, and one report the
# database refuses, which fails alone.  A lock on the reports table holds
# the first groups back until the rest have queued up (the
# supplywatch_ingest_group_waiting and _writing gauges say so); they go in
# together.
. "$(dirname "$0")/../lib.sh"
sw_setup
# One token sends the whole burst: no rate limit (it is tested in t80).
# The lock below may outlast the default statement timeout on a slow machine.
write_config "$WORK/daemon.conf" "dbname=$DB user=sw_test_daemon" 'http = { rate_limit_per_minute = 0; };'
sed -i 's/pool_size = 4;/pool_size = 4; statement_timeout_ms = 60000;/' "$WORK/daemon.conf"
sw_start || exit 1
swcli org add ngo-b "NGO B" >/dev/null
TOKEN_B=$(swcli token issue ngo-b | tail -n 1)

report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$1\",\"corridor\":\"${3:-lachin}\",\"date\":\"2024-03-0${4:-1}\",\"trucks\":$2}"; }
# release_when_in N: once N reports wait for a group or are in one (held
# by the lock), ends the lock on reports.
release_when_in() {
	for _ in $(seq 1 600); do
		[ "$(in_groups)" -ge "$1" ] && break
		sleep 0.05
	done
	expect_eq "$(in_groups)" "$1" "$1 reports wait for a group or are in one, behind the lock"
	unlock_table reports
}

A=$(uuid)
C=$(uuid)
post_json /api/v1/reports "$(report "$A" 5)"
expect_status 201 "a report stored before the burst"
A_AT=$(jq -r '.reports[0].received_at' "$BODY")
post_json /api/v1/reports "$(report "$C" 6)"
expect_status 201 "another"
# A constraint the daemon does not know of: the database refuses 777 trucks.
sql "ALTER TABLE supplywatch.truck_reports ADD CONSTRAINT t11_not_777 CHECK (trucks <> 777)"

# --- the burst: 32 requests while the reports table is locked -----------------------------
D=$(uuid)
E=$(uuid)
mkdir "$WORK/burst"
send() {	# NAME BODY [TOKEN]
	curl -s -o "$WORK/burst/$1.json" -w '%{http_code}' --max-time 30 -H "Content-Type: application/json" \
		-H "Authorization: Bearer ${3:-$TOKEN}" --data-binary "$2" "$SW_URL/api/v1/reports" >"$WORK/burst/$1.code"
}
# Both organisations' tokens are known and every thread has its session before the lock.
post_json /api/v1/reports "$(report "$(uuid)" 1 lachin 3)" "$TOKEN_B"
expect_status 201 "the other organisation's first report"
warm_sessions 10 "$(report "$A" 5)"
groups0=$(metric supplywatch_ingest_groups_total)
reports0=$(metric supplywatch_ingest_group_reports_total)
lock_table reports 60 SHARE
pids=""
for i in $(seq 1 24); do
	N[$i]=$(uuid)
	send "new$i" "$(report "${N[$i]}" "$i")" &
	pids="$pids $!"
done
send replay "$(report "$A" 5)" & pids="$pids $!"
send conflict "$(report "$C" 7)" & pids="$pids $!"
send twin1 "$(report "$D" 8)" & pids="$pids $!"
send twin2 "$(report "$D" 8)" & pids="$pids $!"
send rival1 "$(report "$E" 9)" & pids="$pids $!"
send rival2 "$(report "$E" 10)" & pids="$pids $!"
send other_org "$(report "${N[1]}" 11)" "$TOKEN_B" & pids="$pids $!"
send refused "$(report "$(uuid)" 777)" & pids="$pids $!"
# Two threads hold a group each, blocked; the others wait.
release_when_in 32
wait $pids

code() { cat "$WORK/burst/$1.code"; }
answer() { jq -c "$2" "$WORK/burst/$1.json"; }
stored=0
for i in $(seq 1 24); do
	[ "$(code "new$i"):$(answer "new$i" '.reports[0].report_id')" = "201:\"${N[$i]}\"" ] && stored=$((stored + 1))
done
expect_eq "$stored" "24" "each new report answered 201 with its own report_id"
expect_eq "$(code replay):$(answer replay '.reports[0].received_at')" "200:\"$A_AT\"" "a replay answered 200 with the first received_at"
expect_eq "$(code conflict):$(answer conflict '.details[0].field')" "409:\"report_id\"" "a different report under a used report_id: 409"
expect_eq "$(code twin1)$(code twin2)" "$( [ "$(code twin1)" = 201 ] && echo 201200 || echo 200201)" \
	"the same report twice in the burst: one 201, one 200"
expect_eq "$(answer twin1 '.reports[0].received_at')" "$(answer twin2 '.reports[0].received_at')" "both name the same stored report"
expect_eq "$(echo "$(code rival1) $(code rival2)" | tr ' ' '\n' | sort | tr '\n' ' ')" "201 409 " \
	"two different reports under one new report_id: one stored, one 409"
expect_eq "$(code other_org):$(answer other_org '.reports[0].report_id')" "201:\"${N[1]}\"" \
	"another organisation's report with the same report_id is its own"
expect_eq "$(code refused):$(answer refused '.error')" '500:"internal error; nothing was stored"' \
	"the report the database refused fails alone"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports")" "$((3 + 24 + 1 + 1 + 1))" "stored: 3 before, 24 new, a twin, a rival, the other organisation's"
expect_eq "$(sql "SELECT trucks FROM analytics.truck_reports WHERE report_id = '$E'")" \
	"$([ "$(code rival1)" = 201 ] && echo 9 || echo 10)" "the stored rival is the one answered 201"
expect_eq "$(sql "SELECT count(*) FROM (SELECT org_id, report_id FROM supplywatch.reports GROUP BY 1, 2 HAVING count(*) > 1) d")" "0" \
	"nothing duplicated"
expect_eq "$(( $(metric supplywatch_ingest_group_reports_total) - reports0 ))" "32" "32 reports went through group commit"
groups=$(( $(metric supplywatch_ingest_groups_total) - groups0 ))
if [ "$groups" -ge 3 ] && [ "$groups" -le 4 ]; then ok; else fail "32 reports took $groups groups, expected 3 or 4 (two held by the lock, then the rest)"; fi
expect_contains "$WORK/daemon.log" "reports was refused; storing each on its own" "the refused group is logged"
expect_truck_daily_consistent "after the burst"
sql "ALTER TABLE supplywatch.truck_reports DROP CONSTRAINT t11_not_777"

# --- shutdown: reports waiting for a group are stored and answered, not dropped ------------
lock_table reports 60 SHARE
pids=""
for i in 1 2 3 4 5 6; do
	L[$i]=$(uuid)
	send "late$i" "$(report "${L[$i]}" "$i" lachin 2)" &
	pids="$pids $!"
done
for _ in $(seq 1 600); do
	[ "$(in_groups)" -ge 6 ] && break
	sleep 0.05
done
expect_eq "$(in_groups)" "6" "six reports wait for a group or are in one, behind the lock"
kill -TERM "$DAEMON_PID"
for _ in $(seq 1 100); do grep -q 'shutting down' "$WORK/daemon.log" && break; sleep 0.05; done
expect_contains "$WORK/daemon.log" "shutting down (signal 15)" "the daemon is stopping with them"
unlock_table reports
wait $pids
wait "$DAEMON_PID"
expect_eq "$(for i in 1 2 3 4 5 6; do code "late$i"; echo; done | sort | uniq -c | tr -s ' ')" " 6 201" \
	"each was stored and answered 201"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports WHERE report_id IN ($(for i in 1 2 3 4 5 6; do printf "'%s'," "${L[$i]}"; done | sed 's/,$//'))")" \
	"6" "and is in the database"
mv "$WORK/daemon.log" "$WORK/daemon.first.log"

# --- a batch and a file are written off the request threads ------------------------------
# One request thread only: while a batch and a CSV file wait for the
# database, it still answers everyone else at once.
sed -i 's/pool_size = 4;/pool_size = 1;/' "$WORK/daemon.conf"
sw_start || exit 1
# The request thread, the two group commit threads, the snapshot, webhook and ledger threads and the main one.
warm_sessions 7 "$(report "$A" 5)"
lock_table reports 60 SHARE
B1=$(uuid) B2=$(uuid)
send batch "{\"reports\": [$(report "$B1" 1 lachin 4), $(report "$B2" 2 lachin 4)]}" &
bpid=$!
curl -s -o "$WORK/burst/csv.json" -w '%{http_code}' --max-time 30 -H "Content-Type: text/csv" \
	-H "Authorization: Bearer $TOKEN" --data-binary $'date,corridor,trucks\n2024-03-05,lachin,3\n' \
	"$SW_URL/api/v1/reports?kind=trucks" >"$WORK/burst/csv.code" &
cpid=$!
for _ in $(seq 1 200); do
	[ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.application_name = 'supplywatchd'")" -ge 2 ] && break
	sleep 0.05
done
expect_eq "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.application_name = 'supplywatchd'")" \
	"2" "the batch and the file wait for the database"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SW_URL/healthz")" "200" \
	"meanwhile the only request thread answers at once"
unlock_table reports
wait "$bpid" "$cpid"
expect_eq "$(code batch):$(answer batch '[.reports[].report_id]')" "201:[\"$B1\",\"$B2\"]" "then the batch is stored"
expect_eq "$(code csv):$(answer csv '[.rows, .stored]')" "201:[1,1]" "and the file"
sw_stop
mv "$WORK/daemon.log" "$WORK/daemon.second.log"
sed -i 's/pool_size = 1;/pool_size = 4;/' "$WORK/daemon.conf"
sw_start || exit 1
expect_ledger_verifies
sw_stop
