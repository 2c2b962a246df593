# tests/lib.sh: helpers for the integration tests (POSIX sh + bash features
# avoided; run with bash).  A test file sources this, calls sw_setup, then
# makes requests with `req` and checks them with the expect_* functions.
#
# From tests/run.sh: SW_BUILD (binaries), SW_TMP (scratch root), PGHOST/
# PGPORT/PGUSER of the shared throwaway cluster, SW_RESULTS (counts file).

set -u

SW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${SW_BUILD:=$SW_ROOT/build}"
case "$SW_BUILD" in /*) ;; *) SW_BUILD=$SW_ROOT/$SW_BUILD ;; esac
TEST_NAME=$(basename "$0" .sh)
PASSED=0
FAILED=0
DAEMON_PID=""

# --- running PostgreSQL tools as the right OS user ---------------------------
# PostgreSQL refuses to run as root; CI runs as root, so the server side runs
# as the "postgres" user there.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_bindir() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# pg_cluster_start DIR: initdb + start on a unix socket in DIR (port 5432 there).
pg_cluster_start() {
	local dir=$1 bin
	bin=$(pg_bindir)
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
		--no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
		-o "-c listen_addresses='' -k $dir -p 5432 -c max_connections=200" \
		start >/dev/null || { cat "$dir/postgres.log"; return 1; }
}

pg_cluster_stop() {
	as_pg "$(pg_bindir)/pg_ctl" -D "$1/data" -m "${2:-fast}" -w stop >/dev/null 2>&1 || true
}

pg_cluster_restart() {
	local dir=$1
	as_pg "$(pg_bindir)/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
		-o "-c listen_addresses='' -k $dir -p 5432 -c max_connections=200" \
		start >/dev/null
}

# --- assertions ---------------------------------------------------------------
ok()   { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "  FAIL [$TEST_NAME] $*" >&2; }

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	if [ "$1" = "$2" ]; then ok; else fail "$3: expected '$2', got '$1'"; fi
}

# expect_status CODE WHAT   (after req)
expect_status() {
	if [ "$STATUS" = "$1" ]; then ok; else fail "$2: expected HTTP $1, got $STATUS: $(head -c 600 "$BODY")"; fi
}

# expect_json JQ-EXPR EXPECTED WHAT   (jq -c output on the last body)
expect_json() {
	local got
	got=$(jq -c "$1" "$BODY" 2>&1)
	expect_eq "$got" "$2" "$3 ($1)"
}

# expect_header NAME EXPECTED WHAT
expect_header() {
	local got
	got=$(grep -i "^$1:" "$HEADERS" | head -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//')
	expect_eq "$got" "$2" "$3 (header $1)"
}

# expect_contains FILE TEXT WHAT
expect_contains() {
	if grep -qF -- "$2" "$1"; then ok; else fail "$3: '$2' not found in $(head -c 400 "$1")"; fi
}

# --- HTTP --------------------------------------------------------------------
# req METHOD PATH [curl args...]: sets STATUS, BODY (file), HEADERS (file).
req() {
	local method=$1 path=$2
	shift 2
	BODY=$WORK/body.$$
	HEADERS=$WORK/headers.$$
	STATUS=$(curl -sS -o "$BODY" -D "$HEADERS" -w '%{http_code}' --max-time 30 \
		-X "$method" "$@" "$SW_URL$path" 2>"$WORK/curl.err") || STATUS="curl-error:$(cat "$WORK/curl.err")"
}

# post_json PATH JSON [TOKEN]: POST with the test token (or the one given).
post_json() {
	req POST "$1" -H "Content-Type: application/json" \
		-H "Authorization: Bearer ${3:-$TOKEN}" --data-binary "$2"
}

uuid() { cat /proc/sys/kernel/random/uuid; }

# metric NAME: the value of an unlabelled series of the daemon's /metrics.
metric() { curl -sS "$SW_URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
# in_groups: single reports waiting for a group commit thread or being written by one.
in_groups() { echo $(( $(metric supplywatch_ingest_group_waiting) + $(metric supplywatch_ingest_group_writing) )); }

# wait_seq METRIC WHAT: returns once the gauge METRIC of /metrics has reached
# the last report stored so far; WHAT names it in the failure.
wait_seq() {
	local want seen i
	want=$(sql "SELECT coalesce(max(id), 0) FROM supplywatch.reports")
	for i in $(seq 1 200); do
		seen=$(metric "$1")
		if [ -n "$seen" ] && [ "$seen" -ge "$want" ]; then
			ok
			return 0
		fi
		sleep 0.05
	done
	fail "$2 never reached report $want (last seen: $seen)"
}

# wait_snapshot: returns once the daemon serves indicators that include every
# report stored so far (its snapshot_report_seq has reached the last id).
wait_snapshot() { wait_seq supplywatch_snapshot_report_seq "the snapshot"; }

# wait_analytics: returns once the analysts' computed views (analytics.daily_status,
# analytics.blockade_periods) include every report stored so far: the daemon
# writes them after publishing each snapshot.
wait_analytics() { wait_seq supplywatch_analytics_report_seq "the analysts' views"; }

# --- load: clients that behave like real ones -----------------------------------
# A test sets LOAD (a directory) and defines load_report ID (the JSON of a
# report); load_start runs CLIENTS (8) clients, load_stop stops them.
#
# client N: until $LOAD/stop exists, submits new reports; each is retried
# on 503, 429 and transport errors (000) until it gets a final answer.
# Every attempt goes to attempts.N ("id code start end", times in seconds),
# every final answer to final.N ("id code tries").
client() {
	local n=$1 id code tries t0
	while [ ! -e "$LOAD/stop" ]; do
		id=$(uuid)
		tries=0
		while :; do
			tries=$((tries + 1))
			t0=$EPOCHREALTIME
			code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 15 \
				-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
				--data-binary "$(load_report "$id")" "$SW_URL/api/v1/reports")
			echo "$id $code $t0 $EPOCHREALTIME" >>"$LOAD/attempts.$n"
			case $code in
			503 | 429 | 000) [ "$tries" -lt 600 ] || break; sleep 0.05 ;;	# the client's own backoff
			*) break ;;
			esac
		done
		echo "$id $code $tries" >>"$LOAD/final.$n"
	done
}

load_start() {
	rm -rf "$LOAD"
	mkdir -p "$LOAD"
	CLIENT_PIDS=()
	for n in $(seq 1 "${CLIENTS:-8}"); do
		client "$n" &
		CLIENT_PIDS+=($!)
	done
}

load_stop() {
	touch "$LOAD/stop"
	wait "${CLIENT_PIDS[@]}"
}

finals() { cat "$LOAD"/final.* 2>/dev/null | wc -l; }

# wait_progress N: returns once N more reports have been answered (bounded).
wait_progress() {
	local want=$(($(finals) + $1)) i
	for i in $(seq 1 600); do
		[ "$(finals)" -ge "$want" ] && return 0
		sleep 0.05
	done
	fail "the load made no progress ($(finals) answered, wanted $want)"
	return 1
}

# load_verify LABEL: exact accounting of what the clients were told against the table.
load_verify() {
	local label=$1 sent acked other stored lost dup retried retried_stored replays
	cat "$LOAD"/final.* >"$LOAD/final"
	sent=$(wc -l <"$LOAD/final")
	acked=$(awk '$2 ~ /^2/' "$LOAD/final" | wc -l)
	other=$(awk '$2 !~ /^2/ {print $2}' "$LOAD/final" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
	replays=$(awk '$2 == 200' "$LOAD/final" | wc -l)
	awk '$2 ~ /^2/ {print $1}' "$LOAD/final" >"$LOAD/acked.ids"
	awk '$2 ~ /^2/ && $3 > 1 {print $1}' "$LOAD/final" >"$LOAD/retried.ids"
	retried=$(wc -l <"$LOAD/retried.ids")
	read -r stored lost dup retried_stored < <(psql -X -q -At -F ' ' -d "$DB" <<SQL
CREATE TEMP TABLE acked (id uuid);
CREATE TEMP TABLE retried (id uuid);
\copy acked FROM '$LOAD/acked.ids'
\copy retried FROM '$LOAD/retried.ids'
SELECT (SELECT count(*) FROM supplywatch.reports r JOIN acked a ON a.id = r.report_id),
       (SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT 1 FROM supplywatch.reports r WHERE r.report_id = a.id)),
       (SELECT count(*) FROM (SELECT report_id FROM supplywatch.reports GROUP BY org_id, report_id HAVING count(*) > 1) d),
       (SELECT count(*) FROM supplywatch.reports r JOIN retried a ON a.id = r.report_id);
SQL
)
	echo "     $label: sent=$sent acknowledged=$acked stored=$stored lost=$lost duplicated=$dup retried=$retried (stored $retried_stored) replayed-200=$replays"
	[ "$sent" -ge 20 ] && ok || fail "$label: too little load to prove anything ($sent reports)"
	expect_eq "$other" "" "$label: every report was finally acknowledged"
	expect_eq "$stored" "$acked" "$label: every acknowledged report stored exactly once"
	expect_eq "$lost" "0" "$label: nothing acknowledged is lost"
	expect_eq "$dup" "0" "$label: nothing duplicated"
	expect_eq "$retried_stored" "$retried" "$label: every retried report stored exactly once"
	expect_eq "$(cat "$LOAD"/attempts.* | awk '$2 ~ /^5/ && $2 != 503' | wc -l)" "0" "$label: no 5xx but 503 on any attempt"
}

# expect_truck_daily_consistent: the trigger-kept daily sums (migrations 007,
# 009) equal a recomputation from the current reports, row for row.
expect_truck_daily_consistent() {
	local diff
	diff=$(sql "WITH truth AS (
		SELECT r.corridor_id, t.stage, t.day, r.org_id, coalesce(t.crossing, '') AS crossing,
		       coalesce(t.cargo, '') AS cargo, count(*)::integer AS reports, sum(t.trucks)::bigint AS trucks,
		       sum(t.tonnes) AS tonnes, count(t.tonnes)::integer AS tonnes_n
		  FROM supplywatch.current_reports r JOIN supplywatch.truck_reports t ON t.report = r.id
		 WHERE t.direction = 'inbound' AND t.stage <> 'waiting' GROUP BY 1, 2, 3, 4, 5, 6),
		kept AS (SELECT corridor_id, stage, day, org_id, crossing, cargo, reports, trucks,
		       CASE WHEN tonnes_n > 0 THEN tonnes END AS tonnes, tonnes_n
		  FROM supplywatch.truck_daily WHERE reports <> 0 OR trucks <> 0 OR tonnes_n <> 0)
		SELECT count(*) FROM ((TABLE truth EXCEPT TABLE kept) UNION ALL (TABLE kept EXCEPT TABLE truth)) d")
	expect_eq "$diff" "0" "truck_daily matches the current reports${1:+ ($1)}"
	expect_eq "$(sql "SELECT count(*) > 0 FROM supplywatch.truck_daily WHERE reports > 0")" "t" "truck_daily is not empty${1:+ ($1)}"
}

# --- sessions and locks ---------------------------------------------------------------
# daemon_sessions: the database sessions the daemon holds on this test's database.
daemon_sessions() {
	sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'supplywatchd' AND datname = current_database()"
}

# warm_sessions N BODY: until the daemon holds N sessions (30 rounds at most),
# sends BODY (one report already stored: a replay, which the group commit
# threads store) and a retraction of an unknown report (a 404 the request's
# own worker thread finds out) twelve times each at once, so every thread
# opens its own session.  A test whose database later refuses or blocks new
# sessions needs them open first.
warm_sessions() {
	local want=$1 body=$2 pids
	for _ in $(seq 1 30); do
		[ "$(daemon_sessions)" -ge "$want" ] && return 0
		pids=""
		for _ in $(seq 1 12); do
			curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
				--data-binary "$body" "$SW_URL/api/v1/reports" &
			pids="$pids $!"
			curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
				--data-binary '{"reason": "warming up"}' "$SW_URL/api/v1/reports/$(uuid)/retract" &
			pids="$pids $!"
		done
		wait $pids
	done
}

# lock_table TABLE SECONDS [SHARE]: a session holds an ACCESS EXCLUSIVE (or
# SHARE: reads go on, writes wait) lock on supplywatch.TABLE for SECONDS;
# returns once it is granted.  LOCKER is that session's process (wait
# "$LOCKER" for the lock's end; unlock_table ends it early).
lock_table() {
	local mode=${3:-ACCESS EXCLUSIVE} name=AccessExclusiveLock
	[ "$mode" = SHARE ] && name=ShareLock
	psql -X -q -d "$DB" -c "BEGIN; LOCK TABLE supplywatch.$1 IN $mode MODE; SELECT pg_sleep($2); COMMIT;" >/dev/null 2>&1 &
	LOCKER=$!
	for _ in $(seq 1 100); do
		[ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = '$1' AND l.mode = '$name' AND l.granted")" = 1 ] && return 0
		sleep 0.05
	done
	fail "the lock on $1 was never granted"
}

# unlock_table TABLE: cancels lock_table's session, which ends its lock.
unlock_table() {
	sql "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%LOCK TABLE supplywatch.$1 IN%' AND pid <> pg_backend_pid()" >/dev/null
	wait "$LOCKER"
}

# --- database ----------------------------------------------------------------
# sql QUERY: runs as the superuser on this test's database, unaligned output.
sql() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "$1"
}

# --- setup --------------------------------------------------------------------
# sw_setup: a fresh database, migrated; a daemon role; an organisation and token.
sw_setup() {
	WORK=$(mktemp -d "${SW_TMP:-/tmp}/$TEST_NAME.XXXXXX")
	chmod 755 "$WORK"
	DB="sw_$(echo "$TEST_NAME" | tr -c 'a-z0-9\n' '_')_$$"
	createdb -T template0 "$DB" || { echo "createdb failed" >&2; exit 1; }
	trap sw_cleanup EXIT
	trap "exit 130" INT TERM
	head -c 32 /dev/urandom >"$WORK/pepper"
	chmod 600 "$WORK/pepper"
	# The ledger's signing key; its verifier key in ledger.vkey, for verify --key.
	"$SW_BUILD/supplywatch" ledger keygen --name supplywatch.test/log --out "$WORK/ledger.key" \
		>"$WORK/ledger.vkey" 2>/dev/null || { echo "ledger keygen failed" >&2; exit 1; }
	write_config "$WORK/supplywatch.conf" "dbname=$DB user=postgres"
	swcli migrate >"$WORK/migrate.out" || { cat "$WORK/migrate.out"; exit 1; }
	# The daemon runs as a login role holding only supplywatch_ingest.
	psql -X -q -d "$DB" -c "DO \$\$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sw_test_daemon') THEN
			CREATE ROLE sw_test_daemon LOGIN; END IF; END \$\$;
		GRANT supplywatch_ingest TO sw_test_daemon;" >/dev/null
	write_config "$WORK/daemon.conf" "dbname=$DB user=sw_test_daemon"
	swcli org add ngo-a "NGO A" >/dev/null
	TOKEN=$(swcli token issue ngo-a | tail -n 1)
}

# write_config FILE CONNINFO [EXTRA]: the test configuration.
write_config() {
	cat >"$1" <<CONF
listen = { address = "127.0.0.1"; port = 0; };
database = { conninfo = "$2"; pool_size = 4; };
status = { title = "Test monitor"; timezone = "Asia/Yerevan"; };
auth = { pepper_file = "$WORK/pepper"; };
log = { level = "info"; };
$(ledger_conf)
${3:-}
corridors = (
  { id = "lachin"; name = "Lachin corridor"; baseline_trucks_per_day = 400;
    baseline_tonnes_per_day = 1200.0; population = 120000;
    crossings = ( "Hakari bridge", "Lachin checkpoint" ); },
  { id = "rafah"; name = "Rafah crossing"; baseline_trucks_per_day = 500;
    timezone = "Asia/Gaza"; reconcile = "sum"; }
);
CONF
}

# ledger_conf: the test's ledger settings, one line (a head after every batch).
ledger_conf() {
	echo "ledger = { signing_key_file = \"$WORK/ledger.key\"; origin = \"supplywatch.test/log\"; sign_every_s = 0; };"
}

swcli() { "$SW_BUILD/supplywatch" -c "$WORK/supplywatch.conf" "$@"; }

# wait_receipt ORG REPORT_ID: GETs the report's receipt until a signed head
# covers it (200) or 5 s pass; the last answer is in STATUS and BODY.
wait_receipt() {
	local i
	for i in $(seq 1 100); do
		req GET "/api/v1/reports/$1/$2/receipt"
		[ "$STATUS" = 200 ] && return 0
		sleep 0.05
	done
}

# expect_ledger_verifies: once the daemon has sequenced and signed everything
# stored, `supplywatch verify --db` finds every entry, payload and row as
# the reports were stored (docs/ledger.md), whatever their kinds and channels.
expect_ledger_verifies() {
	local i
	for i in $(seq 1 200); do
		[ "$(sql "SELECT (SELECT count(*) FROM supplywatch.ledger_queue) = 0 AND (SELECT count(*)
			FROM supplywatch.ledger) = (SELECT coalesce(max(size), 0) FROM supplywatch.ledger_heads)")" = t ] && break
		sleep 0.05
	done
	if swcli verify --db --key "$(cat "$WORK/ledger.vkey")" >"$WORK/verify.out" 2>&1; then
		ok
	else
		fail "the ledger does not verify: $(cat "$WORK/verify.out")"
	fi
}

# sw_start [CONFIG]: starts the daemon, waits for its ready line, sets SW_URL.
sw_start() {
	local conf=${1:-$WORK/daemon.conf} i port
	: >"$WORK/daemon.log"
	"$SW_BUILD/supplywatchd" -c "$conf" 2>>"$WORK/daemon.log" &
	DAEMON_PID=$!
	for i in $(seq 1 400); do
		port=$(sed -n 's|.*ready: listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/daemon.log")
		if [ -n "$port" ]; then
			SW_URL="http://127.0.0.1:$port"
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "daemon did not become ready:" >&2
	cat "$WORK/daemon.log" >&2
	return 1
}

# sw_stop: SIGTERM and wait; fails the test if the daemon does not exit cleanly.
sw_stop() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	if wait "$DAEMON_PID"; then ok; else fail "daemon exit status $? (log: $WORK/daemon.log)"; tail -n 20 "$WORK/daemon.log" >&2; fi
	DAEMON_PID=""
}

sw_cleanup() {
	local rc=$?
	# Only the test's own shell cleans up, never a background subshell of it.
	[ "${BASHPID:-$$}" = "$$" ] || return 0
	[ "$rc" -ne 0 ] && [ "$FAILED" -eq 0 ] && fail "test script exited with status $rc"
	if [ -n "$DAEMON_PID" ]; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	# Sanitizer reports go to the daemon log: any is a failure.
	if [ -f "$WORK/daemon.log" ] && grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/daemon.log"; then
		fail "sanitizer report in daemon log"
		grep -A 30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/daemon.log" | head -60 >&2
	fi
	dropdb --if-exists "$DB" 2>/dev/null
	echo "$TEST_NAME $PASSED $FAILED" >>"${SW_RESULTS:-/dev/null}"
	if [ "$FAILED" -eq 0 ]; then
		rm -rf "$WORK"
		echo "ok   $TEST_NAME ($PASSED checks)"
	else
		echo "FAIL $TEST_NAME ($FAILED of $((PASSED + FAILED)) checks failed; files in $WORK)"
		exit 1
	fi
}
