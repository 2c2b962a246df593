#!/bin/bash
# A commit whose answer is lost: the database stored the reports, the daemon
# never heard so.  The daemon finds out (it sends the submission again: a
# replay if stored), answers the client with the truth, and its figures
# include the reports at once, not at midnight.  The daemon reaches
# PostgreSQL through tests/tools/pgproxy.py, which cuts a session right after
# the server committed and answered.
. "$(dirname "$0")/../lib.sh"
sw_setup
python3 "$SW_ROOT/tests/tools/pgproxy.py" "$PGHOST/.s.PGSQL.5432" "$WORK/proxy.port" "$WORK/arm" "$WORK/fired" \
	"$WORK/block" 2>"$WORK/proxy.log" &
PROXY=$!
trap 'kill "$PROXY" 2>/dev/null; sw_cleanup' EXIT
for _ in $(seq 1 100); do [ -s "$WORK/proxy.port" ] && break; sleep 0.05; done
write_config "$WORK/proxied.conf" \
	"host=127.0.0.1 port=$(cat "$WORK/proxy.port") dbname=$DB user=sw_test_daemon sslmode=disable gssencmode=disable"
sw_start "$WORK/proxied.conf" || exit 1
report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$1\",\"corridor\":\"lachin\",\"date\":\"$2\",\"trucks\":$3}"; }
# on_day DATE: the daemon's figure for lachin on DATE (null when it has none).
on_day() { curl -s "$SW_URL/api/v1/corridors/lachin/daily?from=$1&to=$1" | jq -c '.days[0].trucks'; }
# shows DATE N: waits (3 s at most) until the daemon's figures have N trucks on DATE.
shows() {
	for _ in $(seq 1 60); do [ "$(on_day "$1")" = "$2" ] && break; sleep 0.05; done
	expect_eq "$(on_day "$1")" "$2" "$3"
}

post_json /api/v1/reports "$(report "$(uuid)" 2024-05-01 1)"
expect_status 201 "through the proxy"
shows 2024-05-01 1 "the first report is in the figures"

# --- one report: its INSERT commits by itself, and its answer is lost ---------------------
echo insert_trucks >"$WORK/arm"
R=$(uuid)
post_json /api/v1/reports "$(report "$R" 2024-05-02 7)"
[ -e "$WORK/fired" ] && ok || fail "the proxy did not cut the session"
rm -f "$WORK/fired"
case $STATUS in 200 | 201) ok ;; *) fail "a report whose commit's answer was lost: HTTP $STATUS $(cat "$BODY")" ;; esac
expect_json '.reports[0].report_id' "\"$R\"" "the answer names the report"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports WHERE report_id = '$R'")" "1" "stored once"
expect_contains "$WORK/daemon.log" "running the request again on a new one" "the daemon says it found out"
shows 2024-05-02 7 "the report is in the figures at once"

# --- a group of reports (group commit): its INSERT's answer is lost ------------------------
# The two commit threads are held by a lock; the rest queue up, and the
# first group of several reports loses its answer at the proxy.
# Every thread has its session first: a new one would wait for the lock to prepare its INSERTs.
warm_sessions 10 "$(report "$R" 2024-05-02 7)"
lock_table reports 60 SHARE
echo insert_staged >"$WORK/arm"
pids=""
for i in 1 2 3 4 5 6; do
	G[$i]=$(uuid)
	curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Authorization: Bearer $TOKEN" \
		-H "Content-Type: application/json" --data-binary "$(report "${G[$i]}" 2024-05-06 1)" \
		"$SW_URL/api/v1/reports" >"$WORK/group$i.code" &
	pids="$pids $!"
done
for _ in $(seq 1 600); do [ "$(in_groups)" -ge 6 ] && break; sleep 0.05; done
expect_eq "$(in_groups)" "6" "the six reports wait for a group or are in one"
unlock_table reports
wait $pids
[ -e "$WORK/fired" ] && ok || fail "the proxy did not cut the group's INSERT"
rm -f "$WORK/fired" "$WORK/arm"
expect_eq "$(for i in 1 2 3 4 5 6; do case $(cat "$WORK/group$i.code") in 200 | 201) ;; *) cat "$WORK/group$i.code" ;; esac; done)" "" \
	"every report of the group was answered 200 or 201"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports WHERE report_id IN ($(for i in 1 2 3 4 5 6; do printf "'%s'," "${G[$i]}"; done | sed 's/,$//'))")" \
	"6" "each stored once"
expect_contains "$WORK/daemon.log" "reports lost its commit's answer; running it again" "the daemon ran the group again"
shows 2024-05-06 6 "the group is in the figures at once"

# --- the answer is lost, and the database cannot be reached to find out ----------------------
# The client must not hear "nothing was stored": it may have been.  Every
# worker has its session first (a new one could not be made).
warm_sessions 10 "$(report "$(uuid)" 2024-05-01 1)"
expect_eq "$(daemon_sessions)" "10" "the main thread, four workers, two group commit threads, the snapshot, webhook and ledger threads have their sessions"
touch "$WORK/block"
echo insert_trucks >"$WORK/arm"
U=$(uuid)
post_json /api/v1/reports "$(report "$U" 2024-05-05 4)"
[ -e "$WORK/fired" ] && ok || fail "the proxy did not cut the session"
rm -f "$WORK/fired" "$WORK/block"
expect_status 503 "the fate of the commit could not be learnt"
expect_json '.error' '"database connection lost during commit; send the same request again: if it was stored you get 200 and the same answer"' \
	"the answer says the report may be stored"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports WHERE report_id = '$U'")" "1" "and it was"
for _ in $(seq 1 60); do
	post_json /api/v1/reports "$(report "$U" 2024-05-05 4)"
	[ "$STATUS" = 503 ] || break
	sleep 0.05
done
expect_status 200 "sent again, it is a replay"
shows 2024-05-05 4 "and it is in the figures"

# --- a batch: its COMMIT's answer is lost --------------------------------------------------
echo 'insert_staged>COMMIT' >"$WORK/arm"
B1=$(uuid)
B2=$(uuid)
post_json /api/v1/reports "{\"reports\": [$(report "$B1" 2024-05-03 5), $(report "$B2" 2024-05-04 6)]}"
[ -e "$WORK/fired" ] && ok || fail "the proxy did not cut the COMMIT"
rm -f "$WORK/fired"
case $STATUS in 200 | 201) ok ;; *) fail "a batch whose COMMIT's answer was lost: HTTP $STATUS $(cat "$BODY")" ;; esac
expect_json '[.reports[].report_id]' "[\"$B1\",\"$B2\"]" "the answer names both"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports WHERE report_id IN ('$B1', '$B2')")" "2" "both stored once"
shows 2024-05-03 5 "the batch's first report is in the figures"
shows 2024-05-04 6 "and its second"

# --- a retraction: its COMMIT's answer is lost ---------------------------------------------
echo 'insert_retraction>COMMIT' >"$WORK/arm"
post_json "/api/v1/reports/$B1/retract" '{"reason": "counted twice"}'
[ -e "$WORK/fired" ] && ok || fail "the proxy did not cut the retraction's COMMIT"
case $STATUS in 200 | 201) ok ;; *) fail "a retraction whose COMMIT's answer was lost: HTTP $STATUS $(cat "$BODY")" ;; esac
expect_eq "$(sql "SELECT count(*) FROM supplywatch.retractions x JOIN supplywatch.reports r ON r.id = x.report WHERE r.report_id = '$B1'")" "1" "retracted once"
shows 2024-05-03 null "the retraction is in the figures at once"
sw_stop
