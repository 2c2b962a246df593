#!/bin/bash
# make demo: a private PostgreSQL cluster under ./var/, the schema, a demo
# organisation with a token, illustrative Lachin corridor data, and
# supplywatchd in the foreground at http://127.0.0.1:8080/ (Ctrl-C stops all).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
PORT=${DEMO_PORT:-8080}
VAR=$ROOT/var
. tests/lib.sh >/dev/null

mkdir -p "$VAR"
chmod 755 "$VAR"
PGDIR=$VAR/pg
# As root the cluster runs as "postgres", which must be able to reach ./var.
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$VAR"; then
	PGDIR=/var/tmp/supplywatch-demo-pg
	echo "note: the postgres user cannot reach $VAR; the demo cluster lives in $PGDIR"
fi
export PGHOST=$PGDIR PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
unset PGSERVICE PGPASSWORD

if [ ! -d "$PGDIR/data" ]; then
	echo "creating a private PostgreSQL cluster in $PGDIR"
	pg_cluster_start "$PGDIR"
elif ! psql -X -At -c 'SELECT 1' >/dev/null 2>&1; then
	pg_cluster_restart "$PGDIR"
fi
DAEMON_PID=""
stop_all() {
	[ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	pg_cluster_stop "$PGDIR"
	echo "demo stopped (data kept in $PGDIR; rm -rf var to start afresh)"
}
trap stop_all EXIT
trap 'exit 0' INT TERM

psql -X -At -c "SELECT 1 FROM pg_database WHERE datname = 'supplywatch'" | grep -q 1 || createdb supplywatch
if [ ! -f "$VAR/pepper" ]; then
	(umask 077 && head -c 32 /dev/urandom >"$VAR/pepper")
fi
if [ ! -f "$VAR/ledger.key" ]; then
	"$BUILD/supplywatch" ledger keygen --name "demo.supplywatch.invalid/ledger" --out "$VAR/ledger.key" >/dev/null
fi
sed -e "s|^  port = 8080;.*|  port = $PORT;|" \
    -e "s|^  conninfo = \"\";|  conninfo = \"dbname=supplywatch\";|" \
    -e "s|/etc/supplywatch/pepper\";|$VAR/pepper\";|" \
    -e "s|/etc/supplywatch/ledger.key\";|$VAR/ledger.key\";|" \
    -e 's|^  origin = "";|  origin = "demo.supplywatch.invalid/ledger";|' \
    -e 's|^  default_language = .*|  default_language = "en";|' \
    -e 's|^  languages = .*|  languages = [ "en", "ar", "he", "hy", "ru" ];|' \
    etc/supplywatch.conf >"$VAR/supplywatch.conf"
CLI="$BUILD/supplywatch -c $VAR/supplywatch.conf"
$CLI migrate
for org in "demo-ngo:Demo NGO (illustrative)" "demo-monitor:Demo road monitor (illustrative)"; do
	slug=${org%%:*}
	if [ ! -f "$VAR/token-$slug" ]; then
		$CLI org add "$slug" "${org#*:}" >/dev/null 2>&1 || true
		(umask 077 && $CLI token issue "$slug" --label demo | tail -n 1 >"$VAR/token-$slug")
	fi
done
# A coordination cell that reviews reports (docs/review.md).
if [ ! -f "$VAR/token-demo-coord" ]; then
	$CLI org add demo-coord "Demo coordination cell (illustrative)" --reviewer >/dev/null 2>&1 || true
	(umask 077 && $CLI token issue demo-coord --scope review --label demo | tail -n 1 >"$VAR/token-demo-coord")
fi
# What each counts, as "Sources and methods" on the corridor page shows it.
$CLI org set demo-ngo --method "ILLUSTRATIVE: counts trucks crossing Hakari bridge from the roadside, 06:00 to 20:00." >/dev/null
$CLI org set demo-monitor --method "ILLUSTRATIVE: counts what is collected at the Lachin checkpoint warehouses; reports convoys and trucks left waiting." >/dev/null

"$BUILD/supplywatchd" -c "$VAR/supplywatch.conf" 2> >(tee "$VAR/supplywatchd.log" >&2) &
DAEMON_PID=$!
for _ in $(seq 1 200); do
	grep -q "ready: listening" "$VAR/supplywatchd.log" 2>/dev/null && break
	kill -0 "$DAEMON_PID" 2>/dev/null || { echo "supplywatchd did not start (port $PORT in use? try DEMO_PORT=8081 make demo)"; exit 1; }
	sleep 0.05
done
URL="http://127.0.0.1:$PORT"

if [ "$(psql -X -At -d supplywatch -c 'SELECT count(*) FROM supplywatch.reports')" = 0 ]; then
	echo "loading illustrative example reports (shaped after the Lachin corridor blockade, ending today)"
	sh etc/demo/example-data.sh | while IFS="$(printf '\t')" read -r slug batch; do
		code=$(printf '%s' "$batch" | curl -sS -o /dev/null -w '%{http_code}' -X POST \
			-H "Content-Type: application/json" -H "Authorization: Bearer $(cat "$VAR/token-$slug")" \
			--data-binary @- "$URL/api/v1/reports")
		echo "  $slug: HTTP $code"
	done
else
	echo "example reports already loaded (rm -rf var to start afresh)"
fi

TOKEN=$(cat "$VAR/token-demo-ngo")
cat <<MSG

supplywatch demo is running.   (Ctrl-C to stop)
  Status page:   $URL/
    in Armenian: $URL/?lang=hy    Arabic: $URL/?lang=ar    (also he, ru; or your browser's language)
  Status JSON:   $URL/api/v1/status
  Daily series:  $URL/api/v1/corridors/lachin/daily.csv
  Atom feed:     $URL/feed.atom        Metrics: $URL/metrics
The data loaded is ILLUSTRATIVE, invented for the demo.

Token of the organisation demo-ngo:
  $TOKEN

Submit a report:
  curl -i -X POST $URL/api/v1/reports -H 'Authorization: Bearer $TOKEN' -H 'Content-Type: application/json' -d '{"kind":"trucks","report_id":"'\$(cat /proc/sys/kernel/random/uuid)'","corridor":"lachin","date":"'\$(date -u +%F)'","trucks":3}'

Review reports as the coordination cell (docs/review.md):
  curl -H 'Authorization: Bearer $(cat "$VAR/token-demo-coord")' '$URL/api/v1/review/queue?corridor=lachin&limit=5'

Check the public ledger (docs/ledger.md): every report kept, none changed:
  $BUILD/supplywatch verify --url $URL --key '$("$BUILD/supplywatch" -c "$VAR/supplywatch.conf" ledger key)'
  (a report's receipt: $URL/api/v1/reports/demo-ngo/REPORT_ID/receipt)

Query as an analyst:
  psql -h $PGDIR -U postgres supplywatch -c 'SELECT day, organisation, trucks FROM analytics.truck_reports ORDER BY day DESC LIMIT 5'
MSG
wait "$DAEMON_PID"
