#!/bin/bash
# The daemon's CPU time per request, of two builds side by side: both serve
# one throwaway database, and wrk (64 connections, 2 s) alternates between
# them, ROUNDS times per path (both log each request, as at info); the CPU time each process spent (utime +
# stime from /proc/PID/stat) is divided by the requests it answered.  Unlike
# req/s against nginx, this hardly moves with the machine's other load.
#   usage: cpu-per-request.sh BUILD_A BUILD_B [ROUNDS]
# Prints, per path, each build's median in microseconds.
set -u -o pipefail
cd "$(dirname "$0")/../.."
A=$(cd "$1" && pwd) B=$(cd "$2" && pwd) ROUNDS=${3:-5}
. tests/lib.sh
BENCH=1 sh tests/install-deps.sh || exit 1
WORK=$(mktemp -d /tmp/supplywatch-cpu.XXXXXX)
chmod 755 "$WORK"
PGDIR=$WORK/pg
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; pg_cluster_stop "$PGDIR" immediate; rm -rf "$WORK"' EXIT
pg_cluster_start "$PGDIR" || exit 1
export PGHOST=$PGDIR PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
DB=cpu
createdb -T template0 "$DB"
head -c 32 /dev/urandom >"$WORK/pepper"
chmod 600 "$WORK/pepper"
write_config "$WORK/cli.conf" "dbname=$DB"
"$A/supplywatch" -c "$WORK/cli.conf" migrate >/dev/null
"$A/supplywatch" -c "$WORK/cli.conf" org add ngo-a "NGO A" >/dev/null
for build in "$A" "$B"; do
	n=${#PIDS[@]}
	write_config "$WORK/d$n.conf" "dbname=$DB" 'http = { rate_limit_per_minute = 0; };'
	sed -i 's/pool_size = 4/pool_size = 16/' "$WORK/d$n.conf"
	"$build/supplywatchd" -c "$WORK/d$n.conf" 2>"$WORK/d$n.log" &
	PIDS+=($!)
	for _ in $(seq 1 200); do grep -q "ready: listening" "$WORK/d$n.log" && break; sleep 0.05; done
	PORTS[$n]=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/d$n.log")
done
# 90 days of reports on both corridors (mirrored by the daemons), so the pages have charts.
psql -X -q -d "$DB" -c "
INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id, channel, content_hash, payload)
SELECT o.id, gen_random_uuid(), 'trucks', c, 'json', sha256(convert_to(d::text || c, 'UTF8')),
       jsonb_build_object('kind', 'trucks', 'corridor', c, 'date', d, 'trucks', 20)
  FROM supplywatch.organisations o, unnest(ARRAY['lachin', 'rafah']) c,
       generate_series(current_date - 90, current_date - 1, '1 day') d;
INSERT INTO supplywatch.truck_reports (report, day, direction, trucks)
SELECT id, (payload->>'date')::date, 'inbound', 20 FROM supplywatch.reports;"
# Both daemons include them before measuring (the change trigger announces them).
for n in 0 1; do
	for _ in $(seq 1 100); do
		[ "$(curl -s "http://127.0.0.1:${PORTS[$n]}/metrics" | sed -n 's/^supplywatch_snapshot_report_seq //p')" = 180 ] && break
		sleep 0.1
	done
done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "daemon CPU per request, median of $ROUNDS rounds (us): path | $1 | $2"
for path in / /corridors/lachin /api/v1/status /metrics; do
	: >"$WORK/samples"
	for r in $(seq 1 "$ROUNDS"); do
		# Each build goes first in every other round.
		for n in $((r % 2)) $((1 - r % 2)); do
			c0=$(cpu "${PIDS[$n]}")
			reqs=$(wrk -t2 -c64 -d2s "http://127.0.0.1:${PORTS[$n]}$path" | awk '/requests in/ {print $1}')
			c1=$(cpu "${PIDS[$n]}")
			echo "$n $(awk -v c=$((c1 - c0)) -v r="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", c * 1e6 / hz / r }')" >>"$WORK/samples"
		done
	done
	med() { awk -v n="$1" '$1 == n {print $2}' "$WORK/samples" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
	echo "$path | $(med 0) | $(med 1)"
done
