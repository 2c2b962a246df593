#!/bin/bash
# Snapshot rebuild times of two builds on one database: REPORTS truck
# reports (tests/bench/load.sql) over ten years on 50 corridors, migrated
# by the newer build B.  Each build in turn starts (the full build), waits
# out the rebuild gap, then takes ROUNDS single reports from another writer
# (psql, which announces them); the times are the daemon's own "snapshot:
# rebuilt in N ms" log lines.  Builds alternate, so the machine's load
# falls on both alike.
#   usage: [LANGS_B='"en", "ar", "he", "hy", "ru"'] rebuild-times.sh BUILD_A BUILD_B [REPORTS] [ROUNDS]
# LANGS_B: status.languages for build B only (the cost of serving languages;
# A and B may then be the same build).
# RUNS=N (default 1) starts each build N times, alternating A and B.
# BULK=1: then, as make bench's "every corridor reloaded", one report more
# on every day of every corridor (load.sql, change trigger off; the data
# grows by 50 x 3652 reports each time) and every corridor announced: the
# build that follows, and the write-back's time when the log gives it.
# Prints, per build and run, the full build and each one-report rebuild in
# ms, and the daemon's peak RSS (VmHWM) after the full build and at the end.
set -u -o pipefail
cd "$(dirname "$0")/../.."
A=$(cd "$1" && pwd) B=$(cd "$2" && pwd) REPORTS=${3:-1000000} ROUNDS=${4:-5}
. tests/lib.sh
BENCH=1 sh tests/install-deps.sh || exit 1
WORK=$(mktemp -d /tmp/supplywatch-rebuild.XXXXXX)
chmod 755 "$WORK"
PGDIR=$WORK/pg
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; pg_cluster_stop "$PGDIR" immediate; rm -rf "$WORK"' EXIT
pg_cluster_start "$PGDIR" || exit 1
export PGHOST=$PGDIR PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
createdb -T template0 rebuild
head -c 32 /dev/urandom >"$WORK/pepper"
chmod 600 "$WORK/pepper"
{
	echo 'listen = { address = "127.0.0.1"; port = 0; };'
	echo "database = { conninfo = \"dbname=rebuild\"; pool_size = 4; };"
	echo "auth = { pepper_file = \"$WORK/pepper\"; };"
	echo 'log = { level = "debug"; };'
	echo 'corridors = ('
	for k in $(seq 1 50); do
		printf '  { id = "corridor-%02d"; name = "Corridor %d"; baseline_trucks_per_day = 400; timezone = "UTC"; }%s\n' \
			"$k" "$k" "$([ "$k" -lt 50 ] && echo ,)"
	done
	echo ');'
} >"$WORK/d.conf"
cp "$WORK/d.conf" "$WORK/b.conf"
[ -n "${LANGS_B:-}" ] && echo "status = { default_language = \"en\"; languages = [ $LANGS_B ]; };" >>"$WORK/b.conf"
"$B/supplywatch" -c "$WORK/d.conf" migrate >/dev/null || exit 1
for i in $(seq 1 20); do "$B/supplywatch" -c "$WORK/d.conf" org add "ngo-$(printf %02d "$i")" "NGO $i" >/dev/null; done
# The corridors, as a daemon would mirror them, so load.sql can refer to them.
psql -X -q -d rebuild -c "SELECT supplywatch.sync_corridors((SELECT jsonb_agg(jsonb_build_object(
	'id', 'corridor-' || lpad(k::text, 2, '0'), 'name', 'c', 'baseline_trucks_per_day', 400,
	'blocked_below_pct', 10, 'restricted_below_pct', 50, 'max_gap_days', 2, 'reopen_after_days', 7,
	'reconcile', 'max', 'timezone', 'UTC')) FROM generate_series(1, 50) k))" >/dev/null
psql -X -q -d rebuild -v n="$REPORTS" -v corridors=50 -v orgs=20 -v days=3652 -f tests/bench/load.sql >/dev/null || exit 1
psql -X -q -d rebuild -c "VACUUM ANALYZE" >/dev/null

builds() {	# LOG: the rebuild times the daemon logged
	sed -n 's/.*snapshot: rebuilt in \([0-9]*\) ms.*/\1/p' "$1" | tr '\n' ' '
}
# settled LOG: every build logged has had its write-back logged (builds that log one).
settled() {
	local w
	w=$(grep -c "written for analysts" "$1")
	[ "$w" -eq 0 ] || [ "$w" -ge "$(grep -c "rebuilt in" "$1")" ]
}
hwm() {	# the daemon's peak RSS so far, MB
	awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"
}
for run in $(seq 1 "${RUNS:-1}"); do
for side in A B; do
	build=$([ "$side" = A ] && echo "$A" || echo "$B")
	conf=$([ "$side" = A ] && echo "$WORK/d.conf" || echo "$WORK/b.conf")
	# Rebuilds alone: no sequencing of the loaded reports meanwhile (tests/bench/ledger.sh times that).
	if "$build/supplywatch" config-keys 2>/dev/null | grep -q '^ledger.enabled'; then
		grep -q '^ledger' "$conf" || echo 'ledger = { enabled = false; };' >>"$conf"
	fi
	"$build/supplywatchd" -c "$conf" 2>"$WORK/d.log" &
	PID=$!
	for _ in $(seq 1 600); do grep -q "rebuilt in" "$WORK/d.log" && break; sleep 0.1; done
	# The next rebuild waits four times the last one's duration (publish/refresh.c).
	full=$(builds "$WORK/d.log" | cut -d' ' -f1)
	hwm_full=$(hwm)
	sleep "$(awk -v ms="$full" 'BEGIN { print 4 * ms / 1000 + 1 }')"
	for _ in $(seq 1 "$ROUNDS"); do
		# The write-back after a build keeps the snapshot thread busy.
		for _ in $(seq 1 600); do settled "$WORK/d.log" && break; sleep 0.1; done
		n=$(builds "$WORK/d.log" | wc -w)
		id=$(psql -X -q -At -d rebuild -c "INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id,
			channel, content_hash, payload) SELECT 1, gen_random_uuid(), 'trucks', 'corridor-07', 'cli',
			sha256(convert_to(random()::text, 'UTF8')), '{}' RETURNING id")
		psql -X -q -d rebuild -c "INSERT INTO supplywatch.truck_reports (report, day, direction, trucks)
			VALUES ($id, current_date - 3, 'inbound', 5)" >/dev/null
		for _ in $(seq 1 100); do [ "$(builds "$WORK/d.log" | wc -w)" -gt "$n" ] && break; sleep 0.1; done
		sleep 1.5	# past the rebuild gap of a quick rebuild
	done
	hwm_end=$(hwm)
	bulk=""
	if [ -n "${BULK:-}" ]; then
		for _ in $(seq 1 600); do settled "$WORK/d.log" && break; sleep 0.1; done
		sleep 2
		echo 5 >"/proc/$PID/clear_refs"
		n=$(builds "$WORK/d.log" | wc -w)
		psql -X -q -d rebuild -c "ALTER TABLE supplywatch.reports DISABLE TRIGGER reports_changed"
		psql -X -q -d rebuild -v n=182600 -v corridors=50 -v orgs=20 -v days=3652 -f tests/bench/load.sql >/dev/null || exit 1
		psql -X -q -d rebuild -c "ALTER TABLE supplywatch.reports ENABLE TRIGGER reports_changed"
		psql -X -q -d rebuild -c "SELECT pg_notify('supplywatch_changed', id) FROM supplywatch.corridors" >/dev/null
		for _ in $(seq 1 1200); do [ "$(builds "$WORK/d.log" | wc -w)" -gt "$n" ] && break; sleep 0.1; done
		for _ in $(seq 1 600); do settled "$WORK/d.log" && break; sleep 0.1; done
		wb=$(sed -n 's/.*written for analysts in \([0-9]*\) ms.*/\1/p' "$WORK/d.log" | tail -n 1)
		bulk="; every corridor announced after a bulk load: $(builds "$WORK/d.log" | cut -d' ' -f$((n + 1))) ms, written back after it in ${wb:--} ms, peak RSS $(hwm) MB since"
	fi
	kill "$PID"
	wait "$PID" 2>/dev/null
	PID=""
	echo "$side $build$([ "$side" = B ] && [ -n "${LANGS_B:-}" ] && echo " (languages: $LANGS_B)"): $(builds "$WORK/d.log")(ms: the full build, then one per report); peak RSS $hwm_full MB after the full build, $hwm_end MB at the end$bulk"
done
done
