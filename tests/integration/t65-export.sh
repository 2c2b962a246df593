#!/bin/bash
# The CSV export under load: it never holds the threads that serve ingest,
# one address cannot run many at once without a token, a HEAD costs the
# database nothing, memory stays flat at the cap, and no row past the cap
# is read.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start || exit 1
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status"; }
# The peak resident size since the last peak_reset.
peak_reset() { echo 5 >"/proc/$DAEMON_PID/clear_refs"; }
peak_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$DAEMON_PID/status"; }
report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$(uuid)\",\"corridor\":\"${2:-lachin}\",\"date\":\"$1\",\"trucks\":3}"; }

post_json /api/v1/reports "$(report 2024-01-02)"
expect_status 201 "a report"
req GET "/api/v1/reports.csv?kind=trucks"
expect_status 200 "export"
expect_header Content-Type "text/csv; charset=utf-8" "export type"
expect_eq "$(grep -ci '^Content-Length:' "$HEADERS")" "1" "the export says its length"
expect_eq "$(wc -l <"$BODY" | tr -d ' ')" "3" "header, HXL row and the report"

# --- exports wait for the database off the threads that serve ingest --------------------------
# A session locks a table every export reads and ingest does not, for 4 s:
# exports queue behind it while a report is stored at once.  Every thread
# has its database session first: a new session prepares statements that
# name the table, and would wait for the lock whatever the exports do.
warm_sessions 11 "$(report 2024-01-01)"
expect_eq "$(daemon_sessions)" "11" "the main thread, four workers, two group commit threads, the snapshot, export, webhook and ledger threads have their sessions"
lock_table retractions 4
pids=""
for a in $(seq 2 11); do
	curl -s -o "$WORK/export.$a" -w '%{http_code}' --max-time 20 --interface "127.0.0.$a" \
		"$SW_URL/api/v1/reports.csv?kind=trucks" >"$WORK/code.$a" &
	pids="$pids $!"
done
# Two from one address; a third from it is refused at once (below).
for n in 1 2; do
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 --interface 127.0.0.20 \
		"$SW_URL/api/v1/reports.csv?kind=trucks" >"$WORK/code.20.$n" &
	pids="$pids $!"
done
# Until the twelve are connected and an export waits on the lock.
PORT=${SW_URL##*:}
# Connections from addresses other than 127.0.0.1 (the one req uses).
others_connected() { ss -Htn state established "( dport = :$PORT )" | awk '$3 !~ /^127\.0\.0\.1:/' | wc -l; }
exports_waiting() { sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%payload::text%'"; }
for _ in $(seq 1 100); do
	[ "$(others_connected)" -ge 12 ] && [ "$(exports_waiting)" -ge 1 ] && break
	sleep 0.05
done
echo "     $(others_connected) exports connected, $(exports_waiting) waiting on the lock"
t0=$EPOCHREALTIME
post_json /api/v1/reports "$(report 2024-01-03)"
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
expect_status 201 "a report while twelve exports wait for the database"
echo "     a report stored in $took s while exports waited on a lock"
if awk -v t="$took" 'BEGIN { exit !(t < 1.5) }'; then ok; else fail "ingest waited $took s behind exports"; fi
req GET "/api/v1/reports.csv?kind=trucks" --interface 127.0.0.20 --max-time 2
expect_status 429 "a third export at once from one address"
expect_header Retry-After "1" "429 Retry-After"
expect_json '.error' '"too many requests from your address at once; retry after Retry-After seconds"' "429 body"
# With a token no address limit applies, but at most 16 exports are in hand at once:
# 10 + 2 anonymous ones and these 4.
for a in 30 31 32 33; do
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 --interface "127.0.0.$a" -H "Authorization: Bearer $TOKEN" \
		"$SW_URL/api/v1/reports.csv?kind=trucks" >"$WORK/code.$a" &
	pids="$pids $!"
done
for _ in $(seq 1 100); do
	[ "$(others_connected)" -ge 16 ] && break
	sleep 0.05
done
req GET "/api/v1/reports.csv?kind=trucks" -H "Authorization: Bearer $TOKEN" --max-time 2
expect_status 503 "a seventeenth export at once"
expect_header Retry-After "1" "503 Retry-After"
expect_json '.error' '"too many exports in progress; retry after Retry-After seconds"' "503 body"
req HEAD "/api/v1/reports.csv?kind=trucks" -I --max-time 2
expect_status 200 "HEAD of the export answers without the database"
expect_header Content-Type "text/csv; charset=utf-8" "HEAD has the export's type"
req GET /readyz --interface 127.0.0.7
expect_status 200 "readyz from another address"
wait "$LOCKER"
wait $pids
expect_eq "$(cat "$WORK"/code.* | tr -d '\n' | fold -w3 | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')" "200x16 " "every queued export answered once the lock went"
expect_eq "$(wc -l <"$WORK/export.2" | tr -d ' ')" "$((2 + $(sql "SELECT count(*) FROM supplywatch.reports")))" \
	"a queued export has every report, the one stored while it waited too"

# --- the cap: 100,000 reports stream with flat memory; one more is refused ---------------------
sql "INSERT INTO supplywatch.reports (org_id, report_id, kind, corridor_id, channel, content_hash, payload)
     SELECT o.id, u, 'trucks', 'rafah', 'json', sha256(convert_to(p::text, 'UTF8')), p
       FROM supplywatch.organisations o,
            LATERAL (SELECT g, gen_random_uuid() AS u FROM generate_series(1, 100000) g) s,
            LATERAL (SELECT jsonb_build_object('kind', 'trucks', 'report_id', s.u, 'corridor', 'rafah',
                     'date', '2024-02-01', 'trucks', s.g % 50, 'note', repeat('n', 100)) AS p) q
      WHERE o.slug = 'ngo-a';
     INSERT INTO supplywatch.truck_reports (report, day, direction, trucks)
     SELECT id, '2024-02-01', 'inbound', (payload->>'trucks')::integer FROM supplywatch.reports
      WHERE corridor_id = 'rafah'" >/dev/null
rss0=$(rss_kb)
peak_reset
req GET "/api/v1/reports.csv?kind=trucks&corridor=rafah"
expect_status 200 "an export of exactly 100,000 reports"
expect_eq "$(wc -l <"$BODY" | tr -d ' ')" "100002" "every report, after the two header rows"
peak=$(peak_kb)
echo "     100,000-report export: $(stat -c %s "$BODY") bytes; RSS $rss0 kB, peak $peak kB while exporting"
# AddressSanitizer holds freed memory back (its quarantine): no measure of ours there.
if ldd "$SW_BUILD/supplywatchd" | grep -q libasan; then
	ok
elif [ $((peak - rss0)) -lt 4096 ]; then ok; else fail "the peak RSS rose by $((peak - rss0)) kB during one export"; fi
# A client must take its answer at http.min_body_rate, as it must send its
# body: one that keeps its window tiny and reads 128 bytes a second holds an
# export (and a connection) for seconds, not for hours.  min_body_rate 1000
# and body_grace 2 from here (a reload).
sed -i 's/^listen = /http = { min_body_rate = 1000; body_grace = 2; };\nlisten = /' "$WORK/daemon.conf"
mark=$(grep -c 'reload: configuration' "$WORK/daemon.log")
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 100); do [ "$(grep -c 'reload: configuration' "$WORK/daemon.log")" -gt "$mark" ] && break; sleep 0.05; done
cat >"$WORK/slowread.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
s.settimeout(30)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /api/v1/reports.csv?kind=trucks&corridor=rafah HTTP/1.1\r\nHost: x\r\n\r\n")
t0, got = time.monotonic(), 0
try:
    while time.monotonic() - t0 < 25:
        data = s.recv(64)
        if not data:
            break
        got += len(data)
        time.sleep(0.5)
except OSError:
    pass
print(got, "%.1f" % (time.monotonic() - t0))
PY
python3 "$WORK/slowread.py" "$PORT" >"$WORK/slowread.out" &
READER=$!
t0=$EPOCHREALTIME
dropped=""
for _ in $(seq 1 200); do
	dropped=$(metric 'supplywatch_http_slow_clients_dropped_total{phase="answer"}')
	[ "$dropped" = 1 ] && break
	sleep 0.1
done
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
kill "$READER" 2>/dev/null
wait "$READER" 2>/dev/null
echo "     the export of $(stat -c %s "$BODY") bytes read at 128 B/s: the daemon let go after $took s (min_body_rate 1000 B/s, body_grace 2 s)"
expect_eq "$dropped" "1" "the slow reader dropped and counted"
if awk -v t="$took" 'BEGIN { exit !(t >= 1.5 && t < 10) }'; then ok; else fail "slow reader dropped after $took s, want a few seconds"; fi
expect_contains "$WORK/daemon.log" "dropped 1 connection taking their answer slower than 1000 bytes/s" "the slow reader logged"
post_json /api/v1/reports "$(report 2024-02-02 rafah)"
req GET "/api/v1/reports.csv?kind=trucks&corridor=rafah"
expect_status 413 "one report over the cap"
expect_json '.error' '"more than 100000 reports: narrow the export with corridor, from and to"' "413 body"
req GET "/api/v1/reports.csv?kind=trucks&corridor=rafah&from=2024-02-02"
expect_status 200 "narrowed, it goes through"
expect_eq "$(wc -l <"$BODY" | tr -d ' ')" "3" "the one report of that day"
sw_stop
