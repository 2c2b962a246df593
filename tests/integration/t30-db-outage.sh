#!/bin/bash
# The database goes away under load (pg_ctl stop -m immediate) and comes back
# 10 s later: 503 with Retry-After while it is down, never a 2xx for a report
# not committed, the status surfaces marked while it is, recovery without a
# restart, nothing acknowledged lost; terminated backends replaced
# transparently.
. "$(dirname "$0")/../lib.sh"
sw_setup

# This test stops PostgreSQL, so it gets a cluster of its own.
OWN=$WORK/pg
pg_cluster_start "$OWN" || { fail "cannot start own cluster"; exit 1; }
export PGHOST=$OWN
createdb -T template0 own
write_config "$WORK/own.conf" "host=$OWN dbname=own user=postgres" 'http = { rate_limit_per_minute = 0; };'
swcli() { "$SW_BUILD/supplywatch" -c "$WORK/own.conf" "$@"; }
swcli migrate >/dev/null
swcli org add ngo-a "NGO A" >/dev/null
TOKEN=$(swcli token issue ngo-a | tail -n 1)
DB=own
sw_start "$WORK/own.conf"
trap 'pg_cluster_stop "$OWN" immediate; sw_cleanup' EXIT

report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$1\",\"corridor\":\"lachin\",\"date\":\"2023-01-11\",\"trucks\":3}"; }

A=$(uuid)
post_json /api/v1/reports "$(report "$A")"
expect_status 201 "stored while the database is up"

# The page as a browser last saw it, to revalidate while the database is down.
req GET /corridors/lachin
lm=$(grep -i '^Last-Modified:' "$HEADERS" | cut -d' ' -f2- | tr -d '\r')
req GET /api/v1/status
lm_json=$(grep -i '^Last-Modified:' "$HEADERS" | cut -d' ' -f2- | tr -d '\r')

LOAD=$WORK/load
load_report() { report "$1"; }
load_start
wait_progress 20
pg_cluster_stop "$OWN" immediate
down_at=$EPOCHREALTIME
B=$(uuid)
post_json /api/v1/reports "$(report "$B")"
expect_status 503 "submission while the database is down"
RA=$(grep -i '^Retry-After:' "$HEADERS" | tr -dc '0-9')
if [ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 5 ]; then ok; else fail "Retry-After 1-5 s, got '$RA'"; fi
post_json /api/v1/reports "$(report "$B")"
expect_status 503 "still 503 during backoff"
req GET /readyz
expect_status 503 "readyz while down"
expect_json '.reason' '"database unreachable"' "readyz reason"
req GET /healthz
expect_status 200 "healthz while down (the process is alive)"
# The status page keeps serving the last figures, saying they may be old
# (the snapshot thread notices within about a second).
for _ in $(seq 1 60); do
	req GET /corridors/lachin
	grep -q "database is unreachable" "$BODY" && break
	sleep 0.05
done
expect_status 200 "status page while the database is down"
expect_contains "$BODY" "The database is unreachable" "banner on the page"
# Revalidating with the date seen before must not hide the banner: the page
# changed with the database's state, not with a new snapshot.
req GET /corridors/lachin -H "If-Modified-Since: $lm"
expect_status 200 "If-Modified-Since from before the outage gets the page again"
expect_contains "$BODY" "The database is unreachable" "and it has the banner"
req GET /api/v1/status -H "If-Modified-Since: $lm_json"
expect_status 200 "status JSON revalidated from before the outage"
expect_json '.database_reachable' 'false' "and it says the database is unreachable"
req GET /api/v1/status
expect_status 200 "status JSON while the database is down"
expect_json '.database_reachable' 'false' "status JSON says the database is unreachable"
req GET /feed.atom
expect_status 200 "feed while the database is down"
expect_contains "$BODY" "<subtitle>The database is unreachable" "feed says so"
xmllint --noout "$BODY" && ok || fail "feed not well-formed while down"

# Down for 10 s (the issue's 10-20 s), under load all along.
sleep "$(awk -v a="$down_at" -v b="$EPOCHREALTIME" 'BEGIN { d = 10 - (b - a); print (d > 0 ? d : 0) }')"
up_begin=$EPOCHREALTIME
pg_cluster_restart "$OWN"
up_at=$EPOCHREALTIME
# Recovery by itself, within the capped backoff (5 s) plus slack.
got=""
for _ in $(seq 1 80); do
	post_json /api/v1/reports "$(report "$B")"
	[ "$STATUS" = 201 ] && { got=201; break; }
	[ "$STATUS" = 503 ] || { got=$STATUS; break; }
	sleep 0.1
done
expect_eq "$got" "201" "first success after the restart"
wait_progress 20
load_stop
# No client got a 2xx for a request made and answered while the database was down.
expect_eq "$(cat "$LOAD"/attempts.* | awk -v a="$down_at" -v b="$up_begin" '$2 ~ /^2/ && $3 > a && $4 < b' | wc -l)" "0" "no 2xx while the database was down"
expect_eq "$(cat "$LOAD"/attempts.* | awk -v a="$down_at" -v b="$up_begin" '$2 == 503 && $3 > a && $4 < b' | wc -l | awk '{print ($1 > 0)}')" "1" "clients got 503s while it was down"
first=$(cat "$LOAD"/attempts.* | awk -v u="$up_at" '$2 ~ /^2/ && $4 > u {print $4 - u}' | sort -n | head -n 1)
echo "     first 2xx to a client $first s after PostgreSQL was back"
if awk -v f="${first:-99}" 'BEGIN { exit !(f < 6) }'; then ok; else fail "first 2xx $first s after the restart"; fi
load_verify "PostgreSQL stopped 10 s"
req GET /readyz
expect_status 200 "readyz after recovery"
for _ in $(seq 1 60); do
	req GET /corridors/lachin
	grep -q "database is unreachable" "$BODY" || break
	sleep 0.05
done
if grep -q "database is unreachable" "$BODY"; then fail "banner still shown after recovery"; else ok; fi
wait_snapshot
req GET /corridors/lachin
lm_up=$(grep -i '^Last-Modified:' "$HEADERS" | cut -d' ' -f2- | tr -d '\r')
req GET /corridors/lachin -H "If-Modified-Since: $lm_up"
expect_status 304 "revalidation works again once nothing changes"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports WHERE report_id IN ('$A', '$B')")" "2" "both reports stored once"

# Terminated backends: the next requests succeed on new connections.
before=$(sql "SELECT count(*) FROM supplywatch.reports")
for i in 1 2 3 4; do
	post_json /api/v1/reports "$(report "$(uuid)")"
done
killed=$(sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'supplywatchd'")
if [ "$killed" -ge 1 ]; then ok; else fail "no daemon backend to terminate"; fi
codes=""
for i in 1 2 3 4 5 6 7 8; do
	post_json /api/v1/reports "$(report "$(uuid)")"
	codes="$codes$STATUS "
done
expect_eq "$codes" "201 201 201 201 201 201 201 201 " "every request after pg_terminate_backend succeeds"
expect_eq "$(sql "SELECT count(*) FROM supplywatch.reports")" "$((before + 12))" "nothing lost, nothing doubled"
sw_stop
