#!/bin/bash
# make bench [QUICK=1]: measures supplywatchd against ceilings taken in the
# same run on the same machine, and prints one table.
#   usage: bench.sh BUILD_DIR        (QUICK=1 in the environment: a smoke run;
#          PHASES="surfaces ingest batches scale under_load ledger": only those)
# It installs what is missing (wrk, nginx; see tests/install-deps.sh), starts
# a throwaway PostgreSQL cluster (initdb defaults: fsync and synchronous_commit
# on), the daemon, and its own nginx, loads a realistic data set, and measures:
# single-report ingest against pgbench, batch ingest against COPY, the status
# surfaces against nginx serving the same bytes, the snapshot at scale, and
# the daemon's peak memory.  docs/performance.md explains every figure.
# The table goes to stdout and to BUILD_DIR/bench-results.md.  KEEP_TMP=1
# keeps the scratch directory (logs, wrk outputs).  Exits non-zero only when
# the script itself fails (a run with no answers); missed targets are MISS.
set -u -o pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
QUICK=${QUICK:-0}
[ "$QUICK" = 1 ] || QUICK=0
export SW_BUILD=$(cd "${1:-build}" && pwd) || exit 1
RESULTS=$SW_BUILD/bench-results.md
. tests/lib.sh

BENCH=1 sh tests/install-deps.sh || exit 1
for tool in wrk nginx curl psql; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "bench: $tool missing" >&2; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
PGBIN=$(pg_bindir)

# --- sizes and durations ------------------------------------------------------
if [ "$QUICK" = 1 ]; then
	N_BASE=5000 N_SCALE=20000 DAYS=730 SECS=2 SURFACE_SECS=2 ROUNDS=1 SECS_LONG=5 BATCHES_SECS=2 CSV_ROWS=5000 COPY_ROWS=5000 REPEAT=3
else
	N_BASE=20000 N_SCALE=1000000 DAYS=3652 SECS=8 SURFACE_SECS=4 ROUNDS=2 SECS_LONG=15 BATCHES_SECS=10 CSV_ROWS=100000 COPY_ROWS=100000 REPEAT=5
fi
CORRIDORS=50
ORGS=20
BATCH=1000
POOL=${BENCH_POOL_SIZE:-16}

WORK=$(mktemp -d /tmp/supplywatch-bench.XXXXXX)
chmod 755 "$WORK"
PGDIR=$WORK/pg
DAEMON_PID=""
NGINX_PID=""
ROWS=()		# "measure|value|ceiling|ratio|target|verdict"
broken=0

cleanup() {
	daemon_stop
	[ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
	pg_cluster_stop "$PGDIR" immediate
	if [ "${KEEP_TMP:-0}" = 1 ] || [ "$broken" -ne 0 ]; then
		echo "bench: kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s bench: %s\n' "$(date +%T)" "$*" >&2; }
die() { say "ERROR: $*"; broken=1; exit 1; }

# A measurement the script could not take breaks the run (QUICK is there to
# catch exactly that); a target missed does not.
need() { [ -n "$2" ] && [ "$2" != 0 ] || die "no figure for $1 (see $WORK)"; }

# --- arithmetic and the table -------------------------------------------------
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# row MEASURE VALUE CEILING RATIO TARGET OK(1/0/-)
row() {
	local verdict=-
	case "$6" in
	1) verdict=PASS ;;
	0) verdict=MISS ;;
	esac
	[ "$QUICK" = 1 ] && [ "$verdict" != - ] && verdict="($verdict)"
	ROWS+=("$1|$2|$3|$4|$5|$verdict")
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a + 0 >= b + 0) ? 1 : 0 }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && a + 0 < b + 0) ? 1 : 0 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "" && b != "" && a + 0 <= b + 0) ? 1 : 0 }'; }
both() { [ "$1" = 1 ] && [ "$2" = 1 ] && echo 1 || echo 0; }

# --- PostgreSQL, the database, the daemon -------------------------------------
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

bench_config() {
	local file=$1 level=${2:-debug} extra=""
	# Settings a newer daemon knows: per-token rate limits would throttle
	# a load generator that holds a few tokens, so they are off here.
	if "$SW_BUILD/supplywatch" config-keys 2>/dev/null | grep -q '^http.rate_limit_per_minute'; then
		extra="rate_limit_per_minute = 0;"
	fi
	# The public ledger (sequenced as in production), where the build has one.
	local ledger=""
	if "$SW_BUILD/supplywatch" config-keys 2>/dev/null | grep -q '^ledger.enabled'; then
		[ -f "$WORK/ledger.key" ] || "$SW_BUILD/supplywatch" ledger keygen --name bench.invalid/log \
			--out "$WORK/ledger.key" >/dev/null 2>&1
		ledger="ledger = { signing_key_file = \"$WORK/ledger.key\"; origin = \"bench.invalid/log\"; };"
	fi
	{
		cat <<CONF
listen = { address = "127.0.0.1"; port = 0; };
# A load generator runs every connection from 127.0.0.1, and the batch
# phase sends a 100,000-row CSV file.
http = { per_ip_connection_limit = 256; max_body_bytes = 67108864; $extra };
database = { conninfo = "$CONNINFO"; pool_size = $POOL; };
status = { title = "Benchmark monitor"; timezone = "Asia/Yerevan";
           default_language = "en"; languages = [ "en", "ar", "he", "hy", "ru" ]; };
auth = { pepper_file = "$WORK/pepper"; };
log = { level = "$level"; };
$ledger
corridors = (
CONF
		local zones=(Asia/Yerevan Asia/Gaza Africa/Khartoum Europe/Kyiv Asia/Aden) i sep=","
		for i in $(seq 1 "$CORRIDORS"); do
			[ "$i" = "$CORRIDORS" ] && sep=""
			printf '  { id = "corridor-%02d"; name = "Corridor %02d"; baseline_trucks_per_day = %d; timezone = "%s"; }%s\n' \
				"$i" "$i" $((300 + i % 5 * 50)) "${zones[$((i % 5))]}" "$sep"
		done
		echo ");"
	} >"$file"
}

setup_database() {
	say "PostgreSQL cluster in $PGDIR"
	pg_cluster_start "$PGDIR" || die "cannot start PostgreSQL"
	export PGHOST=$PGDIR PGPORT=5432 PGUSER=postgres PGDATABASE=bench
	unset PGPASSWORD PGSERVICE
	export PGOPTIONS="-c client_min_messages=warning"
	createdb -T template0 bench || die "createdb failed"
	head -c 32 /dev/urandom >"$WORK/pepper"
	chmod 600 "$WORK/pepper"
	CONNINFO="dbname=bench user=postgres"
	bench_config "$WORK/admin.conf"
	"$SW_BUILD/supplywatch" -c "$WORK/admin.conf" migrate >"$WORK/migrate.out" 2>&1 ||
		{ cat "$WORK/migrate.out" >&2; die "migrate failed"; }
	psql -X -q -c "DO \$\$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sw_bench_daemon') THEN
			CREATE ROLE sw_bench_daemon LOGIN; END IF; END \$\$;
		GRANT supplywatch_ingest TO sw_bench_daemon;" >/dev/null || die "cannot create the daemon role"
	CONNINFO="dbname=bench user=sw_bench_daemon"
	bench_config "$WORK/daemon.conf"
	TOKENS=()
	for i in $(seq 1 "$ORGS"); do
		"$SW_BUILD/supplywatch" -c "$WORK/admin.conf" org add "$(printf 'ngo-%02d' "$i")" \
			"Organisation $i" >/dev/null || die "org add failed"
		TOKENS+=("$("$SW_BUILD/supplywatch" -c "$WORK/admin.conf" token issue "$(printf 'ngo-%02d' "$i")" | tail -n 1)")
	done
	# The corridors exist once the daemon has mirrored them: start it once.
}

daemon_start() {
	sw_start "$WORK/daemon.conf" || die "the daemon did not start"
	URL=$SW_URL
}

# daemon_stop: SIGTERM; a snapshot build still running can hold the exit up
# for as long as it takes, so after 15 s the daemon is killed (and said so).
daemon_stop() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	for _ in $(seq 1 150); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		say "the daemon had not exited 15 s after SIGTERM (a snapshot build running?): killed"
		kill -KILL "$DAEMON_PID"
	fi
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

# --- memory -------------------------------------------------------------------
rss_reset() { echo 5 >"/proc/$DAEMON_PID/clear_refs" 2>/dev/null || true; }
rss_peak_mb() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$DAEMON_PID/status"; }
rss_now_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$DAEMON_PID/status"; }
MEM=()
mem_row() {
	local mb
	mb=$(rss_peak_mb)
	MEM+=("$1|$mb")
	say "peak RSS $1: $mb MB"
}

# --- wrk ----------------------------------------------------------------------
# wrk_run NAME CONNECTIONS SECONDS URL [wrk options] [-- script args]: sets RPS, P50, P99 (ms),
# ERRS (non-2xx answers and socket errors) and REQS from the run's output.
wrk_run() {
	local name=$1 conns=$2 secs=$3 url=$4 out threads=2 opts=()
	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	out=$WORK/wrk-$name.txt
	[ "$conns" -lt 2 ] && threads=1
	wrk -t"$threads" -c"$conns" -d"${secs}s" --latency --timeout 10s "${opts[@]}" "$url" "$@" >"$out" 2>&1
	RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
	REQS=$(awk '/requests in/ { print $1 }' "$out")
	P50=$(lat_ms "$out" 50%)
	P99=$(lat_ms "$out" 99%)
	ERRS=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
		/Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
		END { print n + 0 }' "$out")
	say "$name: ${RPS:-?} req/s, p50 ${P50:-?} ms, p99 ${P99:-?} ms, $ERRS errors ($conns connections)"
	need "$name requests" "${REQS:-0}"
}

# lat_ms FILE PERCENTILE: a wrk latency percentile in milliseconds.
lat_ms() {
	awk -v p="$2" '$1 == p {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
		printf "%.2f", v }' "$1"
}

# Past dates for the reports: the 28 days before yesterday.
DATES=$(for i in $(seq 2 29); do date -u -d "-$i days" +%F; done | paste -sd, -)
run_id() { printf '%08x' $(( (RANDOM << 16 | RANDOM) & 0x7fffffff )); }

# --- scale: the data sets, the snapshot rebuild, a past as_of -----------------
report_seq() { curl -sS "$URL/metrics" | sed -n 's/^supplywatch_snapshot_report_seq //p'; }
max_id() { psql -X -At -c "SELECT coalesce(max(id), 0) FROM supplywatch.reports"; }

# wait_seq ID [TIMEOUT_S]: until the snapshot includes report ID.
wait_seq() {
	local want=$1 t=${2:-600} seen start=$SECONDS
	while [ $((SECONDS - start)) -lt "$t" ]; do
		seen=$(report_seq)
		[ -n "$seen" ] && [ "$seen" -ge "$want" ] && return 0
		sleep 0.05
	done
	return 1
}

# The daemon runs at log level debug, which adds one line per snapshot
# build ("snapshot: rebuilt in N ms") and nothing per request; the
# supplywatch_snapshot_build_seconds gauge (the last build) stands in for
# a daemon that would not log them.
rebuilds() { grep -c 'snapshot: rebuilt in' "$WORK/daemon.log"; }
build_gauge_ms() {
	curl -sS "$URL/metrics" | awk '/^supplywatch_snapshot_build_seconds / { printf "%.1f\n", $2 * 1000 }'
}

# builds_since N: the longest build logged after the first N, in ms.
builds_since() {
	local ms
	ms=$(grep 'snapshot: rebuilt in' "$WORK/daemon.log" | tail -n +"$(($1 + 1))" |
		sed -n 's/.*rebuilt in \([0-9]*\) ms.*/\1/p' | sort -n | tail -n 1)
	[ -n "$ms" ] || ms=$(build_gauge_ms)
	echo "$ms"
}

# settle: until the snapshot includes every report and no build has run for
# 1.5 s, so what follows is measured alone.
settle() {
	local n
	wait_seq "$(max_id)" 900 || die "the snapshot does not catch up"
	for _ in $(seq 1 600); do
		n=$(rebuilds)
		sleep 1.5
		[ "$(rebuilds)" = "$n" ] && return 0
	done
	die "the snapshot never settles"
}

# announce: tells the daemon that every corridor changed, as a restore
# would (rows written with the change trigger off, see load_data).
announce() {
	psql -X -q -c "SELECT pg_notify('supplywatch_changed', id) FROM supplywatch.corridors" >/dev/null ||
		die "NOTIFY failed"
}

# after_announce: waits for the builds that follow announce and prints the
# longest: the time to reload every corridor.
after_announce() {
	local n=$1
	wait_seq "$(max_id)" 900 || die "the snapshot never included the new reports"
	for _ in $(seq 1 18000); do
		[ "$(rebuilds)" -gt "$n" ] && break
		sleep 0.05
	done
	settle
	builds_since "$n"
}

# one_report: one report committed by psql (as the CLI or another daemon
# would: the change trigger announces its corridor), until the status
# surfaces include it.  Prints "COMMIT_TO_VISIBLE_MS BUILD_MS".
one_report() {
	local id t0 t1 n
	settle
	n=$(rebuilds)
	t0=$(date +%s%N)
	id=$(psql -X -At -c "WITH r AS (INSERT INTO supplywatch.reports (org_id, report_id, kind,
			corridor_id, channel, content_hash, payload)
		SELECT 1, gen_random_uuid(), 'trucks', 'corridor-01', 'cli', sha256('x'), '{}'
		RETURNING id), t AS (INSERT INTO supplywatch.truck_reports (report, day, direction, trucks)
		SELECT id, current_date - 1, 'inbound', 3 FROM r) SELECT id FROM r")
	wait_seq "$id" 900 || return 1
	t1=$(date +%s%N)
	sleep 0.1
	echo "$(calc "($t1 - $t0) / 1e6" 0) $(builds_since "$n")"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# past_ms PATH: median time of GET PATH (curl's total time), REPEAT times.
past_ms() {
	for _ in $(seq 1 "$REPEAT"); do
		curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' "$URL$1"
	done >"$WORK/past.txt"
	grep -qv '^200 ' "$WORK/past.txt" && { say "GET $1: $(sort -u "$WORK/past.txt" | head -3)"; return 1; }
	awk '{ printf "%.1f\n", $2 * 1000 }' "$WORK/past.txt" | median
}

# load_data N DAYS: N truck reports over DAYS days, and some of the other kinds.
# The change trigger is off while the rows go in (a trigger per row would
# only slow the load); announce tells the daemon afterwards.
load_data() {
	change_trigger DISABLE
	ledger_triggers DISABLE
	psql -X -q -v n="$1" -v corridors="$CORRIDORS" -v orgs="$ORGS" -v days="$2" \
		-f tests/bench/load.sql >"$WORK/load.out" 2>&1 || { cat "$WORK/load.out" >&2; die "load failed"; }
	change_trigger ENABLE
	ledger_triggers ENABLE
	psql -X -q -c "VACUUM (ANALYZE) supplywatch.reports, supplywatch.truck_reports,
		supplywatch.access_events, supplywatch.shortage_reports, supplywatch.disruption_reports" ||
		die "vacuum failed"
}

# The data the request phases run on: a year of reports on every corridor.
phase_base() {
	local n
	say "base data: $N_BASE truck reports over 365 days, $CORRIDORS corridors, $ORGS organisations"
	settle
	load_data "$N_BASE" 365
	n=$(rebuilds)
	announce
	BASE_BUILD=$(after_announce "$n")
	need "base snapshot build time" "$BASE_BUILD"
	row "snapshot, every corridor reloaded, $(max_id) reports (ms)" "$BASE_BUILD" - - "-" -
}

# --- the public ledger (docs/ledger.md) --------------------------------------------
queued() { psql -X -At -c "SELECT count(*) FROM supplywatch.ledger_queue"; }
ledger_on() { "$SW_BUILD/supplywatch" config-keys 2>/dev/null | grep -q '^ledger.enabled'; }

# wait_ledger: until the sequencer has emptied the queue (the base data's, say).
wait_ledger() {
	ledger_on || return 0
	for _ in $(seq 1 3000); do
		[ "$(queued)" = 0 ] && return 0
		sleep 0.2
	done
	die "the ledger's sequencer never caught up"
}

# phase_ledger: an upgrade of a running installation holding the scale data.
# With the daemon stopped, the ledger is emptied and every stored report,
# retraction and review queued exactly as migration 014 does (timed); the
# daemon then sequences them all, killed with -9 half way and restarted,
# and each must be one entry.  Then proofs against the tree of that size.
phase_ledger() {
	local n t0 t1 half at_kill total before entries idx size
	ledger_on || { say "ledger: this build has none"; return 0; }
	wait_ledger
	daemon_stop
	psql -X -q -c "TRUNCATE supplywatch.ledger, supplywatch.ledger_nodes, supplywatch.ledger_heads,
		supplywatch.ledger_queue" || die "cannot empty the ledger"
	t0=$(date +%s%N)
	psql -X -q -c "INSERT INTO supplywatch.ledger_queue (source, id)
		SELECT source, id FROM (
			SELECT 'report' AS source, r.id, r.received_at AS at, 0 AS o FROM supplywatch.reports r UNION ALL
			SELECT 'retraction', x.report, x.retracted_at, 1 FROM supplywatch.retractions x UNION ALL
			SELECT 'review', v.id, v.reviewed_at, 2 FROM supplywatch.reviews v) q ORDER BY at, o, id" ||
		die "the upgrade's queueing failed"
	n=$(queued)
	before=0
	row "upgrade: queueing $n stored reports, retractions and reviews (migration 014) (s)" \
		"$(calc "($(date +%s%N) - $t0) / 1e9" 1)" - - "-" -
	say "ledger: sequencing $n queued entries, killed once half way"
	daemon_start
	rss_reset
	t0=$(date +%s%N)
	half=$((n / 2))
	for _ in $(seq 1 6000); do
		[ "$(queued)" -le "$half" ] && break
		sleep 0.05
	done
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	at_kill=$(queued)
	say "ledger: killed with $at_kill still queued; restarting"
	daemon_start
	wait_ledger
	t1=$(date +%s%N)
	total=$(calc "($t1 - $t0) / 1e9" 1)
	# Each queued row once: as many new entries as were queued, indexes without a gap.
	entries=$(psql -X -At -c "SELECT count(*) FROM supplywatch.ledger")
	mem_row "sequencing an upgrade's $n entries"
	[ "$entries" = $((before + n)) ] && [ "$(psql -X -At -c "SELECT max(idx) + 1 FROM supplywatch.ledger")" = "$entries" ] ||
		die "ledger: $n queued, $before entries before, $entries after the interruption"
	say "ledger: $n entries sequenced in $total s, across a kill -9 and a restart; each once ($entries in all)"
	row "sequencing an upgrade's $n entries, kill -9 half way and resumed (entries/s)" \
		"$(calc "$n / $total" 0)" - - "-" -
	# Proofs at this size: inclusion of random entries, consistency from random sizes.
	size=$entries
	for _ in $(seq 1 $((REPEAT * 40))); do
		idx=$(( (RANDOM << 15 | RANDOM) % size ))
		curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' \
			"$URL/api/v1/ledger/proof/inclusion?index=$idx&size=$size"
	done >"$WORK/inclusion.txt"
	for _ in $(seq 1 $((REPEAT * 40))); do
		idx=$(( (RANDOM << 15 | RANDOM) % (size - 1) + 1 ))
		curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' \
			"$URL/api/v1/ledger/proof/consistency?first=$idx&second=$size"
	done >"$WORK/consistency.txt"
	for k in inclusion consistency; do
		grep -qv '^200 ' "$WORK/$k.txt" && die "$k proofs: $(sort -u "$WORK/$k.txt" | head -3)"
		local p50 p99
		p50=$(awk '{ print $2 * 1000 }' "$WORK/$k.txt" | median)
		p99=$(awk '{ print $2 * 1000 }' "$WORK/$k.txt" | sort -n | awk '{ v[NR] = $1 } END { print v[int(NR * 0.99 + 0.5)] }')
		say "ledger: $k proofs at $size entries: p50 $p50 ms, p99 $p99 ms ($(wc -l <"$WORK/$k.txt") requests)"
		row "$k proof at $size entries, p50 / p99 (ms)" "$(calc "$p50" 1) / $(calc "$p99" 1)" - - "< 10 / < 50" \
			"$(both "$(lt "$p50" 10)" "$(lt "$p99" 50)")"
	done
}

phase_scale() {
	local t0 n b k vis one past past_html total
	settle
	say "scale: loading $N_SCALE truck reports over $DAYS days"
	rss_reset
	t0=$SECONDS
	load_data "$N_SCALE" "$DAYS"
	total=$(psql -X -At -c 'SELECT count(*) FROM supplywatch.reports')
	say "loaded in $((SECONDS - t0)) s; waiting for the snapshot"
	t0=$SECONDS
	n=$(rebuilds)
	announce
	b=$(after_announce "$n")
	need "snapshot build time" "$b"
	say "the snapshot of $total reports was ready $((SECONDS - t0)) s after the load (longest build: $b ms)"
	mem_row "after the rebuild with $total reports"
	row "snapshot, every corridor reloaded, $total reports (ms)" "$b" - - "< 1000" "$(lt "$b" 1000)"
	# One report on one corridor, REPEAT times when that is quick.
	k=$(awk -v b="$b" -v r="$REPEAT" 'BEGIN { print b < 5000 ? r : 2 }')
	for _ in $(seq 1 "$k"); do one_report; done >"$WORK/one.txt"
	vis=$(awk '{ print $1 }' "$WORK/one.txt" | median)
	one=$(awk '{ print $2 }' "$WORK/one.txt" | median)
	need "one-report rebuild" "$one"
	row "snapshot after one new report, $total reports (ms, median of $k)" "$one" - - "< 50" "$(lt "$one" 50)"
	row "report committed -> on the status surfaces (ms, median of $k)" "$vis" - - "-" -
	PAST_DAY=$(date -u -d "-$((DAYS / 3)) days" +%F)
	past=$(past_ms "/api/v1/status?as_of=$PAST_DAY")
	need "as_of JSON" "$past"
	row "GET /api/v1/status?as_of=$PAST_DAY (ms, median of $REPEAT)" "$past" - - "< 300" "$(lt "$past" 300)"
	past_html=$(past_ms "/?as_of=$PAST_DAY")
	need "as_of page" "$past_html"
	row "GET /?as_of=$PAST_DAY (ms, median of $REPEAT)" "$past_html" - - "< 300" "$(lt "$past_html" 300)"
}

# --- 2. status surfaces against nginx -----------------------------------------
nginx_start() {
	local www=$WORK/www conf=$WORK/nginx.conf
	mkdir -p "$www" "$WORK/nginx-tmp"
	chmod 755 "$www" "$WORK/nginx-tmp"
	NGINX_PORT=$(free_port) NGINX_GZ_PORT=$(free_port)
	[ "$NGINX_PORT" != "$NGINX_GZ_PORT" ] || NGINX_GZ_PORT=$(free_port)
	cat >"$conf" <<CONF
# The ceiling for the status surfaces: nginx serving the daemon's bytes as
# static files, two workers, Debian's defaults otherwise (sendfile, tcp_nopush,
# an access log written per request, as supplywatchd logs each request).
worker_processes 2;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
	types { text/html html; application/json json; text/plain txt; }
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	access_log $WORK/nginx-access.log;
	client_body_temp_path $WORK/nginx-tmp/body;
	proxy_temp_path $WORK/nginx-tmp/proxy;
	fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
	uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
	scgi_temp_path $WORK/nginx-tmp/scgi;
	server { listen 127.0.0.1:$NGINX_PORT; root $www; gzip off; }
	server { listen 127.0.0.1:$NGINX_GZ_PORT; root $www; gzip on;
		gzip_types text/plain application/json; }
}
CONF
	"$NGINX" -c "$conf" -e "$WORK/nginx-error.log" 2>>"$WORK/nginx-error.log" &
	NGINX_PID=$!
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/index.html" && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$WORK/nginx-error.log" >&2
	die "nginx did not start"
}

# pair NAME DAEMON_URL NGINX_URL [wrk options]: the daemon and nginx in turn,
# ROUNDS times each (other tenants of a shared machine come and go), keeping
# each side's best round: sets SW_RPS SW_P99 SW_ERRS NG_RPS NG_P99.
pair() {
	local name=$1 sw=$2 ng=$3 i
	shift 3
	SW_RPS=0 SW_P99="" SW_ERRS=0 NG_RPS=0 NG_P99=""
	for i in $(seq 1 "$ROUNDS"); do
		wrk_run "sw-$name-$i" 64 "$SURFACE_SECS" "$sw" "$@"
		SW_ERRS=$((SW_ERRS + ERRS))
		[ "$(ge "$RPS" "$SW_RPS")" = 1 ] && SW_RPS=$RPS SW_P99=$P99
		wrk_run "nginx-$name-$i" 64 "$SURFACE_SECS" "$ng" "$@"
		[ "$(ge "$RPS" "$NG_RPS")" = 1 ] && NG_RPS=$RPS NG_P99=$P99
	done
}

# surface NAME PATH FILE: one status surface, plain and with gzip, daemon and nginx.
surface() {
	local name=$1 path=$2 file=$3 size gz sw_gz enc ok
	curl -sS -o "$WORK/www/$file" "$URL$path" || die "GET $path failed"
	chmod 644 "$WORK/www/$file"
	size=$(stat -c %s "$WORK/www/$file")
	enc=$(curl -sS -o /dev/null -D - -H 'Accept-Encoding: gzip' "$URL$path" |
		sed -n 's/^[Cc]ontent-[Ee]ncoding: *\([a-z]*\).*/\1/p')
	sw_gz=$(curl -sS -H 'Accept-Encoding: gzip' "$URL$path" -o - | wc -c)
	gz=$(curl -sS -H 'Accept-Encoding: gzip' "http://127.0.0.1:$NGINX_GZ_PORT/$file" -o - | wc -c)
	say "$name: $size bytes; with Accept-Encoding: gzip, the daemon sends $sw_gz bytes (${enc:-identity}), nginx $gz"

	pair "$name" "$URL$path" "http://127.0.0.1:$NGINX_PORT/$file"
	[ "$name" = page ] && PAGE_EN_RPS=$SW_RPS
	[ "$name" = page-ar ] && PAGE_AR_RPS=$SW_RPS
	ok=$([ "$SW_ERRS" = 0 ] && echo 1 || echo 0)
	row "GET $path req/s, 64 conn ($size B)" "$SW_RPS" "$NG_RPS" "$(ratio "$SW_RPS" "$NG_RPS")" ">= 1.00" \
		"$(both "$ok" "$(ge "$(ratio "$SW_RPS" "$NG_RPS")" 1.00)")"
	row "GET $path p99 ms, 64 conn (ceiling: nginx's p99)" "$SW_P99" "$NG_P99" "-" "<= nginx's" "$(le "$SW_P99" "$NG_P99")"

	pair "$name-gzip" "$URL$path" "http://127.0.0.1:$NGINX_GZ_PORT/$file" -H 'Accept-Encoding: gzip'
	ok=$([ "$SW_ERRS" = 0 ] && [ "$enc" = gzip ] && echo 1 || echo 0)
	row "GET $path gzip req/s, 64 conn ($([ "$enc" = gzip ] && echo "$sw_gz B" || echo "NOT compressed"); nginx $gz B)" \
		"$SW_RPS" "$NG_RPS" "$(ratio "$SW_RPS" "$NG_RPS")" ">= 3.00" \
		"$(both "$ok" "$(ge "$(ratio "$SW_RPS" "$NG_RPS")" 3.0)")"
	row "GET $path gzip p99 ms, 64 conn (ceiling: nginx's p99)" "$SW_P99" "$NG_P99" "-" "<= nginx's" "$(le "$SW_P99" "$NG_P99")"
}

# What each served language adds to a snapshot (pages and feeds, gzipped twins included).
language_bytes() {
	local l v
	for l in en ar he hy ru; do
		v=$(curl -sS "$URL/metrics" | sed -n "s/^supplywatch_snapshot_language_bytes{language=\"$l\"} //p")
		row "snapshot bytes of language $l ($CORRIDORS corridors: pages, feed, gzip)" "${v:-?}" - - - -
	done
}

phase_surfaces() {
	say "status surfaces: supplywatchd against nginx serving the same bytes"
	nginx_start
	rss_reset
	surface page / index.html
	# The same page in Arabic: pre-rendered like the English one, so it should cost the same.
	surface page-ar "/?lang=ar" index-ar.html
	row "GET /?lang=ar req/s against GET / (64 conn, same run)" "$PAGE_AR_RPS" "$PAGE_EN_RPS" \
		"$(ratio "$PAGE_AR_RPS" "$PAGE_EN_RPS")" ">= 0.90" "$(ge "$(ratio "$PAGE_AR_RPS" "$PAGE_EN_RPS")" 0.90)"
	language_bytes
	surface status /api/v1/status status.json
	surface metrics /metrics metrics.txt
	mem_row "status surfaces, 64 connections"
	kill -QUIT "$NGINX_PID" 2>/dev/null
	wait "$NGINX_PID" 2>/dev/null
	NGINX_PID=""
}

# --- 3. single-report ingest against pgbench ----------------------------------
# pgbench_run CLIENTS NAME: sets TPS.
pgbench_run() {
	local c=$1 out=$WORK/pgbench-$2.txt
	"$PGBIN/pgbench" -n -M prepared -c "$c" -j 2 -T "$SECS" -D corridors="$CORRIDORS" -D orgs="$ORGS" \
		-f tests/bench/pgbench-insert.sql bench >"$out" 2>&1 || { cat "$out" >&2; die "pgbench failed"; }
	TPS=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$out" | head -n 1)
	TPS=$(calc "${TPS:-0}" 0)
	say "pgbench $2: $TPS tx/s"
	need "pgbench tps" "$TPS"
}

# The ceilings are the same INSERT and COPY as the daemon's sessions run
# them: the truck_daily trigger (sql/007) on, the change trigger's NOTIFY off
# (supplywatch.notify = off, as since sql/006).  For the record pgbench also
# runs on the bare tables, with our triggers off (ALTER TABLE ... DISABLE
# TRIGGER USER; constraints stay), and as any other writer finds them, NOTIFY
# on: a NOTIFY takes a database-wide lock held through the commit's WAL flush
# and so serialises commits.  Rows written with the triggers off are missing
# from truck_daily, which only makes the bench's own indicators a little off;
# announce makes the daemon look again.
our_triggers() {
	local t
	for t in supplywatch.reports supplywatch.truck_reports; do
		psql -X -q -c "ALTER TABLE $t $1 TRIGGER USER" >/dev/null || die "cannot $1 the triggers of $t"
	done
}

# change_trigger ENABLE|DISABLE: the NOTIFY alone (a bulk load keeps the
# truck_daily triggers, so its indicators stay right).
change_trigger() {
	psql -X -q -c "ALTER TABLE supplywatch.reports $1 TRIGGER reports_changed" >/dev/null ||
		die "cannot $1 the change trigger"
}

# ledger_triggers ENABLE|DISABLE: the public ledger's queue (sql/014).  A bulk
# load goes in without it; phase_ledger then queues everything as an upgrade
# does, so sequencing is measured on its own, not under the other phases.
ledger_triggers() {
	local t
	ledger_on || return 0
	for t in reports retractions reviews; do
		psql -X -q -c "ALTER TABLE supplywatch.$t $1 TRIGGER ${t}_ledger" >/dev/null ||
			die "cannot $1 the ledger trigger of $t"
	done
}

# group_size: sets GS, the reports per group commit since the last call (from /metrics).
G_LAST=0 GR_LAST=0
group_size() {
	local g gr
	g=$(curl -sS "$URL/metrics" | sed -n 's/^supplywatch_ingest_groups_total //p')
	gr=$(curl -sS "$URL/metrics" | sed -n 's/^supplywatch_ingest_group_reports_total //p')
	GS=$(awk -v g="$((g - G_LAST))" -v r="$((gr - GR_LAST))" 'BEGIN { if (g > 0) printf "%.1f", r / g; else print "-" }')
	G_LAST=$g GR_LAST=$gr
}

phase_ingest() {
	local c r p50 p99 errs with raw noledger="" want
	say "single-report ingest: wrk POSTing one JSON report per request, against pgbench"
	rss_reset
	# One connection: group commit must not slow a lone client down (the
	# ratio to pgbench with one client is compared with earlier builds').
	settle
	PGOPTIONS="$PGOPTIONS -c supplywatch.notify=off" pgbench_run 1 1
	announce
	wrk_run "ingest-1" 1 "$SECS" "$URL/api/v1/reports" -s tests/bench/reports.lua -- \
		"$(run_id)" 0 "$CORRIDORS" "$DATES" "${TOKENS[@]}"
	row "POST one report req/s, 1 conn ($ERRS errors; p50 / p99 $P50 / $P99 ms)" "$RPS" "$TPS" "$(ratio "$RPS" "$TPS")" \
		"-" -
	group_size
	for c in 16 64; do
		settle
		pgbench_run "$c" "$c-with-trigger"
		with=$TPS
		our_triggers DISABLE
		pgbench_run "$c" "$c-raw"
		raw=$TPS
		our_triggers ENABLE
		# What the public ledger's queue costs every INSERT (its trigger off; sql/014).
		if ledger_on; then
			psql -X -q -c "ALTER TABLE supplywatch.reports DISABLE TRIGGER reports_ledger" >/dev/null
			PGOPTIONS="$PGOPTIONS -c supplywatch.notify=off" pgbench_run "$c" "$c-no-ledger"
			psql -X -q -c "ALTER TABLE supplywatch.reports ENABLE TRIGGER reports_ledger" >/dev/null
			noledger=$TPS
		fi
		# The ceiling: the same INSERT as the daemon's sessions run it, the
		# truck_daily trigger on and the NOTIFY off (supplywatch.notify).
		PGOPTIONS="$PGOPTIONS -c supplywatch.notify=off" pgbench_run "$c" "$c"
		announce
		wrk_run "ingest-$c" "$c" "$SECS" "$URL/api/v1/reports" -s tests/bench/reports.lua -- \
			"$(run_id)" 0 "$CORRIDORS" "$DATES" "${TOKENS[@]}"
		r=$RPS p50=$P50 p99=$P99 errs=$ERRS
		# Group commit's targets: 1.3x pgbench committing each INSERT at 16, 2.0x at 64.
		want=$([ "$c" = 64 ] && echo 2.00 || echo 1.30)
		row "POST one report req/s, $c conn ($errs errors)" "$r" "$TPS" "$(ratio "$r" "$TPS")" ">= $want, 0 errors" \
			"$(both "$(ge "$(ratio "$r" "$TPS")" "$want")" "$([ "$errs" = 0 ] && echo 1 || echo 0)")"
		group_size
		row "mean group size (reports per group commit), $c conn" "$GS" - - "-" -
		row "pgbench as other writers (NOTIFY on), $c clients, tx/s" "$with" "$TPS" "$(ratio "$with" "$TPS")" "-" -
		row "pgbench, bare tables (all our triggers off), $c clients, tx/s" "$raw" "$TPS" "$(ratio "$raw" "$TPS")" "-" -
		[ -n "$noledger" ] && row "pgbench without the ledger's queue trigger, $c clients, tx/s" "$noledger" "$TPS" \
			"$(ratio "$noledger" "$TPS")" "-" -
		if [ "$c" = 64 ]; then
			row "POST one report p50 / p99 ms, $c conn" "$p50 / $p99" - - "p99 < 20" "$(lt "$p99" 20)"
		else
			row "POST one report p50 / p99 ms, $c conn" "$p50 / $p99" - - "-" -
		fi
	done
	mem_row "single-report ingest, 64 connections"
}

# --- 4. batch ingest against COPY ---------------------------------------------
# make_rows N SEED: N truck rows "date,corridor,trucks,cargo,source_url" on stdout.
make_rows() {
	awk -v n="$1" -v seed="$2" -v nc="$CORRIDORS" -v dates="$DATES" 'BEGIN {
		split(dates, d, ","); split("food medical fuel mixed hygiene", cg, " ")
		for (i = 1; i <= n; i++)
			printf "%s,corridor-%02d,%d,%s,https://example.org/sitrep/%s-%d\n",
				d[i % 28 + 1], i % nc + 1, (i * 37) % 450, cg[i % 5 + 1], seed, i
	}'
}

# copy_ceiling N: rows/s of COPY of N such rows (a report row with its payload
# and hash, and its truck_reports row) in one transaction, through psql's
# \copy as a client would send it.
copy_ceiling() {
	local n=$1 start t0 t1
	start=$(psql -X -At -c "SELECT coalesce(max(id), 0) + 1000 FROM supplywatch.reports")
	make_rows "$n" "copy$(run_id)" | awk -F, -v start="$start" -v seed="$(run_id)" -v orgs="$ORGS" 'BEGIN { srand(seed) }
	function hex(k,   s) { s = ""; while (k-- > 0) s = s sprintf("%x", int(rand() * 16)); return s }
	{
		id = start + NR; u = hex(8) "-" hex(4) "-4" hex(3) "-8" hex(3) "-" hex(12)
		p = sprintf("{\"kind\":\"trucks\",\"report_id\":\"%s\",\"corridor\":\"%s\",\"date\":\"%s\",\"trucks\":%d,\"cargo\":\"%s\",\"source_url\":\"%s\"}", u, $2, $1, $3, $4, $5)
		printf "%d\t%d\t%s\ttrucks\t%s\tcsv\t\\\\x%s\t%s\t%s\n", id, NR % orgs + 1, u, $2, hex(64), p, $5 > "'"$WORK"'/copy-reports.tsv"
		printf "%d\t%s\tinbound\t%d\t%s\n", id, $1, $3, $4 > "'"$WORK"'/copy-trucks.tsv"
	}'
	cat >"$WORK/copy.sql" <<SQL
\set ON_ERROR_STOP on
BEGIN;
\copy supplywatch.reports (id, org_id, report_id, kind, corridor_id, channel, content_hash, payload, source_url) FROM '$WORK/copy-reports.tsv'
\copy supplywatch.truck_reports (report, day, direction, trucks, cargo) FROM '$WORK/copy-trucks.tsv'
COMMIT;
SELECT setval(pg_get_serial_sequence('supplywatch.reports', 'id'), (SELECT max(id) FROM supplywatch.reports));
SQL
	settle
	# As the daemon's staged batches write: truck_daily on, the NOTIFY off.
	t0=$(date +%s%N)
	PGOPTIONS="$PGOPTIONS -c supplywatch.notify=off" psql -X -q -f "$WORK/copy.sql" >"$WORK/copy.out" 2>&1 ||
		{ cat "$WORK/copy.out" >&2; die "COPY failed"; }
	t1=$(date +%s%N)
	announce
	COPY_RPS=$(calc "$n / (($t1 - $t0) / 1e9)" 0)
	say "COPY of $n rows: $COPY_RPS rows/s"
	# What the schema costs: the same rows into one bare table of the same
	# columns (no key, index, constraint or trigger; the payload as text).
	paste "$WORK/copy-reports.tsv" <(cut -f2- "$WORK/copy-trucks.tsv") >"$WORK/copy-bare.tsv"
	psql -X -q -c "DROP TABLE IF EXISTS public.bench_bare" -c "CREATE TABLE public.bench_bare (id bigint,
		org_id integer, report_id uuid, kind text, corridor_id text, channel text, content_hash bytea,
		payload text, source_url text, day date, direction text, trucks integer, cargo text)" >/dev/null ||
		die "cannot make the bare table"
	settle
	t0=$(date +%s%N)
	psql -X -q -v ON_ERROR_STOP=1 -c "\\copy public.bench_bare FROM '$WORK/copy-bare.tsv'" >"$WORK/copy-bare.out" 2>&1 ||
		{ cat "$WORK/copy-bare.out" >&2; die "COPY into the bare table failed"; }
	t1=$(date +%s%N)
	BARE_RPS=$(calc "$n / (($t1 - $t0) / 1e9)" 0)
	psql -X -q -c "DROP TABLE public.bench_bare" >/dev/null
	say "COPY of $n rows into a bare table: $BARE_RPS rows/s"
	row "COPY of $n truck reports into our tables, rows/s (ceiling: one bare table of the same columns)" \
		"$COPY_RPS" "$BARE_RPS" "$(ratio "$COPY_RPS" "$BARE_RPS")" ">= 0.33 (within 3x)" \
		"$(ge "$(ratio "$COPY_RPS" "$BARE_RPS")" 0.33)"
}

phase_batches() {
	local rows csv code t csv_rps out
	say "batch ingest: $BATCH-report JSON batches and a $CSV_ROWS-row CSV file, against COPY"
	copy_ceiling "$COPY_ROWS"
	rss_reset
	wrk_run "batch" 2 "$BATCHES_SECS" "$URL/api/v1/reports" -s tests/bench/reports.lua -- \
		"$(run_id)" "$BATCH" "$CORRIDORS" "$DATES" "${TOKENS[@]}"
	# wrk rounds req/s; count the rows from its request total instead.
	rows=$(awk -v n="$REQS" -v b="$BATCH" -v s="$BATCHES_SECS" 'BEGIN { printf "%.0f", n * b / s }')
	row "POST $BATCH-report JSON batches, rows/s, 2 conn ($ERRS errors)" "$rows" "$COPY_RPS" \
		"$(ratio "$rows" "$COPY_RPS")" ">= 0.90" \
		"$(both "$(ge "$(ratio "$rows" "$COPY_RPS")" 0.90)" "$([ "$ERRS" = 0 ] && echo 1 || echo 0)")"
	mem_row "$BATCH-report JSON batches"

	csv=$WORK/upload.csv
	{ echo "date,corridor,trucks,cargo,source_url"; make_rows "$CSV_ROWS" "csv$(run_id)"; } >"$csv"
	rss_reset
	out=$(curl -sS -o "$WORK/csv-answer.json" -w '%{http_code} %{time_total}' --max-time 600 \
		-H "Authorization: Bearer ${TOKENS[0]}" -H 'Content-Type: text/csv' \
		--data-binary @"$csv" "$URL/api/v1/reports?kind=trucks")
	code=${out% *} t=${out#* }
	[ "$code" = 201 ] || say "CSV upload answered: $(head -c 400 "$WORK/csv-answer.json")"
	csv_rps=$(calc "$CSV_ROWS / $t" 0)
	say "CSV upload of $CSV_ROWS rows ($(stat -c %s "$csv") bytes): HTTP $code in ${t}s"
	need "CSV upload" "$(case "$code" in 201 | 4??) echo "$csv_rps" ;; esac)"
	# Anything but 201 is a miss; the rate is still that of the work done.
	row "POST a $CSV_ROWS-row CSV file, rows/s (HTTP $code)" "$csv_rps" "$COPY_RPS" \
		"$(ratio "$csv_rps" "$COPY_RPS")" ">= 0.90, 201" \
		"$(both "$(ge "$(ratio "$csv_rps" "$COPY_RPS")" 0.90)" "$([ "$code" = 201 ] && echo 1 || echo 0)")"
	# The answer summarises (counts, first and last report_id, export links), whatever the file's length.
	row "the $CSV_ROWS-row CSV file's answer (bytes)" "$(stat -c %s "$WORK/csv-answer.json")" - - "< 2048" \
		"$(lt "$(stat -c %s "$WORK/csv-answer.json")" 2048)"
	mem_row "$CSV_ROWS-row CSV upload"
}

# --- 5. the page under full ingest --------------------------------------------
phase_under_load() {
	local ing
	say "status page while ingest runs at full speed (64 connections)"
	rss_reset
	wrk -t1 -c64 -d"${SECS_LONG}s" --timeout 10s -s tests/bench/reports.lua "$URL/api/v1/reports" -- \
		"$(run_id)" 0 "$CORRIDORS" "$DATES" "${TOKENS[@]}" >"$WORK/wrk-under-load-ingest.txt" 2>&1 &
	ing=$!
	sleep 2
	wrk_run "page-under-load" 8 $((SECS_LONG - 3)) "$URL/"
	wait "$ing"
	say "ingest meanwhile: $(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk-under-load-ingest.txt") req/s"
	row "GET / p99 ms under full ingest (8 conn; $RPS req/s)" "$P99" - - "< 20" "$(lt "$P99" 20)"
}

# --- the table ----------------------------------------------------------------
print_table() {
	local r m
	{
		echo "supplywatch bench$([ "$QUICK" = 1 ] && echo " (QUICK=1: smoke run, small data, figures not meaningful)")"
		echo
		echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), Linux $(uname -r)"
		echo "- PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }') (initdb defaults: fsync on, synchronous_commit on), nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'), $(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')"
		echo "- daemon: $SW_BUILD/supplywatchd, pool_size $POOL, log level debug (one line per request, as at info, and one per snapshot build); $CORRIDORS corridors, $ORGS organisations"
		echo "- $(date -u +'%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
		echo
		echo "| measure | supplywatch | ceiling | ratio | target | verdict |"
		echo "|---|---|---|---|---|---|"
		for r in "${ROWS[@]}"; do
			echo "| ${r//|/ | } |"
		done
		for m in "${MEM[@]}"; do
			r=${m#*|}
			echo "| peak RSS, ${m%%|*} (MB) | $r | - | - | < 30 | $(v=$(lt "$r" 30); [ "$QUICK" = 1 ] && echo "($([ "$v" = 1 ] && echo PASS || echo MISS))" || { [ "$v" = 1 ] && echo PASS || echo MISS; }) |"
		done
	} | tee "$RESULTS"
	echo
	echo "(also in $RESULTS)"
}

# --- main ---------------------------------------------------------------------
T_START=$SECONDS
setup_database
daemon_start
sleep 1
mem_row "idle, empty database"
# PHASES="surfaces ingest ..." runs only those (after the base data); all by default.
phase() { [ -z "${PHASES:-}" ] || [[ " $PHASES " == *" $1 "* ]]; }
phase_base
phase surfaces && phase_surfaces
phase ingest && phase_ingest
phase batches && phase_batches
phase scale && phase_scale
phase under_load && { phase_under_load; mem_row "page under full ingest"; }
phase ledger && phase_ledger
daemon_stop
say "done in $((SECONDS - T_START)) s"
echo
print_table
