#!/bin/bash
# One clock decides when a day rolls over: the daemon's.  The database's
# clock here runs 25 hours behind the daemon's (libfaketime), as a badly
# kept server's might: the daemon still serves its own today and does not
# rebuild at every turn of its loop (it did when it took the end of the day
# from the database and compared it with its own clock).
. "$(dirname "$0")/../lib.sh"
sw_setup
LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
[ -n "$LIB" ] || { fail "libfaketime is not installed (Debian package faketime)"; exit 1; }

OWN=$WORK/pg
mkdir -p "$OWN"
[ "$(id -u)" -eq 0 ] && chown postgres "$OWN"
as_pg "$(pg_bindir)/initdb" -D "$OWN/data" -U postgres --auth=trust -E UTF8 --no-sync >"$OWN/initdb.log" 2>&1 ||
	{ fail "initdb"; exit 1; }
as_pg env LD_PRELOAD="$LIB" FAKETIME="-25h" "$(pg_bindir)/pg_ctl" -D "$OWN/data" -l "$OWN/postgres.log" -w -t 60 \
	-o "-c listen_addresses='' -k $OWN -p 5432" start >/dev/null || { cat "$OWN/postgres.log"; fail "pg_ctl"; exit 1; }
trap 'pg_cluster_stop "$OWN" immediate; sw_cleanup' EXIT
export PGHOST=$OWN
createdb -T template0 own
DB=own
skew=$(sql "SELECT round(extract(epoch FROM now()) - $(date +%s))")
if [ "$skew" -le -89990 ] && [ "$skew" -ge -90010 ]; then ok; else fail "the database's clock is $skew s off, not 25 h behind"; fi
write_config "$WORK/own.conf" "host=$OWN dbname=own user=postgres"
swcli() { "$SW_BUILD/supplywatch" -c "$WORK/own.conf" "$@"; }
swcli migrate >/dev/null
swcli org add ngo-a "NGO A" >/dev/null
TOKEN=$(swcli token issue ngo-a | tail -n 1)
sw_start "$WORK/own.conf" || exit 1
built_at() { curl -s "$SW_URL/metrics" | sed -n 's/^supplywatch_snapshot_timestamp_seconds //p'; }

d0=$(TZ=Asia/Yerevan date +%F)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"lachin\",\"date\":\"$d0\",\"trucks\":9}"
expect_status 201 "a report of today"
wait_snapshot
req GET /api/v1/status
d1=$(TZ=Asia/Yerevan date +%F)
got=$(jq -r '.corridors[] | select(.id == "lachin") | .as_of' "$BODY")
if [ "$got" = "$d0" ] || [ "$got" = "$d1" ]; then ok; else fail "lachin's today is $got, the daemon's is $d1"; fi
expect_json '.corridors[] | select(.id == "lachin") | .trucks.on_day' '9' "today's report counts today"
# Three quiet seconds: nothing changed, no day ended, so nothing is rebuilt.
b0=$(built_at)
sleep 3
b1=$(built_at)
expect_eq "$b1" "$b0" "no rebuild in three quiet seconds"
sw_stop
