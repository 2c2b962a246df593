#!/bin/bash
# Abuse: bodies, headers and URLs over the limits, slow clients, too many
# connections from one address, a token over its rate; and the systemd
# interfaces: socket activation and sd_notify (READY, RELOADING, WATCHDOG,
# STOPPING).
. "$(dirname "$0")/../lib.sh"
sw_setup

write_config "$WORK/abuse.conf" "dbname=$DB user=sw_test_daemon" \
	'http = { max_body_bytes = 65536; header_timeout = 2; per_ip_connection_limit = 4;
  rate_limit_per_minute = 12; rate_limit_burst = 5; min_body_rate = 1000; body_grace = 2;
  uploads_per_token = 4; };'
sw_start "$WORK/abuse.conf" || exit 1
PORT=${SW_URL##*:}
swcli org add ngo-b "NGO B" >/dev/null
TOKEN_B=$(swcli token issue ngo-b | tail -n 1)
count() { sql "SELECT count(*) FROM supplywatch.reports"; }
report() { echo "{\"kind\":\"trucks\",\"report_id\":\"${1:-$(uuid)}\",\"corridor\":\"rafah\",\"date\":\"2024-01-05\",\"trucks\":3}"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status"; }
# status_line: the status code of the first response line on fd 3, within 5 s.
status_line() { timeout 5 head -n 1 <&3 | cut -d' ' -f2; }

# --- 1. bodies, headers and URLs over the limits --------------------------------------
before=$(count)
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n' "$TOKEN" >&3
expect_eq "$(status_line)" "413" "413 from Content-Length alone, no body sent"
exec 3<&-

# A chunked body has no length to refuse: it is read up to the limit, then refused.
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
req POST /api/v1/reports -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
	-H "Transfer-Encoding: chunked" --data-binary @"$WORK/big.json"
expect_status 413 "chunked body over the limit"
expect_json '.error' '"request body is larger than this server accepts"' "413 names the reason"
# A chunked body far past the limit is read on and discarded, up to 64 MiB,
# so the client still sending gets the 413; memory stays flat.
rss0=$(rss_kb)
head -c 50000000 /dev/zero >"$WORK/huge"
out=$(curl -s -o "$WORK/huge.out" -w '%{http_code} %{size_upload}' --max-time 30 -H "Expect:" -H "Authorization: Bearer $TOKEN" \
	-H "Content-Type: application/json" -H "Transfer-Encoding: chunked" \
	--data-binary @"$WORK/huge" "$SW_URL/api/v1/reports" 2>/dev/null)
expect_eq "${out%% *}" "413" "a 50 MB chunked body is answered 413 once sent"
expect_eq "$(jq -r .error "$WORK/huge.out")" "request body is larger than this server accepts" "the 413 names the reason"
# Past 64 MiB it is cut off.
head -c 100000000 /dev/zero >"$WORK/huge"
out=$(curl -s -o /dev/null -w '%{http_code} %{size_upload}' --max-time 30 -H "Expect:" -H "Authorization: Bearer $TOKEN" \
	-H "Content-Type: application/json" -H "Transfer-Encoding: chunked" \
	--data-binary @"$WORK/huge" "$SW_URL/api/v1/reports" 2>/dev/null)
rm -f "$WORK/huge"
sent=${out#* }
case ${out%% *} in 413 | 000) ok ;; *) fail "100 MB chunked body answered ${out%% *}" ;; esac
if [ "${sent%.*}" -lt 90000000 ]; then ok; else fail "the daemon read $sent bytes of a 100 MB body (64 MiB at most)"; fi
rss1=$(rss_kb)
echo "     100 MB chunked upload: cut off after $sent bytes; RSS $rss0 kB -> $rss1 kB"
if [ $((rss1 - rss0)) -lt 4096 ]; then ok; else fail "RSS grew by $((rss1 - rss0)) kB on over-limit bodies"; fi
expect_eq "$(count)" "$before" "nothing stored from over-limit bodies"
# A client that sends its whole body before reading (Python's urllib and
# requests do, without Expect: 100-continue) reads the 413 sent at once from
# Content-Length, not a broken pipe: the daemon drains the rest after it
# answers (lingering close).
python3 - "$PORT" "$TOKEN" >"$WORK/linger.out" 2>&1 <<'PY'
import sys, urllib.request, urllib.error, json
url = "http://127.0.0.1:%s/api/v1/reports" % sys.argv[1]
body = b" " * (20 * 1000 * 1000)
req = urllib.request.Request(url, data=body, headers={
    "Authorization": "Bearer " + sys.argv[2], "Content-Type": "application/json"})
try:
    urllib.request.urlopen(req, timeout=30)
    print("no error")
except urllib.error.HTTPError as e:
    print(e.code, json.loads(e.read())["error"])
except Exception as e:
    print("exception", type(e).__name__, e)
PY
expect_eq "$(cat "$WORK/linger.out")" "413 request body is larger than this server accepts" \
	"Python urllib sending 20 MB reads the early 413"
# The same for a refusal before the body: an unknown token.
python3 - "$PORT" >"$WORK/linger.out" 2>&1 <<'PY'
import sys, http.client
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
try:
    c.request("POST", "/api/v1/reports", body=b"{" * (60 * 1000), headers={
        "Authorization": "Bearer sw_" + "A" * 43, "Content-Type": "application/json"})
    r = c.getresponse()
    print(r.status)
except Exception as e:
    print("exception", type(e).__name__, e)
PY
expect_eq "$(cat "$WORK/linger.out")" "401" "Python http.client sending a body with a bad token reads the 401"

long=$(head -c 70000 /dev/zero | tr '\0' a)
req GET "/$long"
expect_status 414 "over-long URL"
req GET /healthz -H "X-Filler: $long"
expect_status 431 "header block too large"
req GET /healthz
expect_status 200 "still serving after the oversized requests"
# A body where none is taken is refused before it is read.
req GET /healthz -H "Content-Type: text/plain" --data-binary "hello"
expect_status 400 "a body on a route that takes none"
expect_json '.error' '"this resource takes no request body"' "400 names the reason"

# --- 2. slow clients ----------------------------------------------------------------------
# A client trickling its request line a byte every 0.3 s is dropped at
# header_timeout (2 s), although it is never idle for connection_timeout.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
( line="GET /healthz HTTP/1.1"; for i in $(seq 0 60); do printf '%s' "${line:$((i % ${#line})):1}" >&3 2>/dev/null || exit 0; sleep 0.3; done ) &
TRICKLER=$!
t0=$EPOCHREALTIME
timeout 15 cat <&3 >/dev/null
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
exec 3<&-
kill "$TRICKLER" 2>/dev/null
wait "$TRICKLER" 2>/dev/null
echo "     trickling client dropped after $took s (header_timeout 2 s)"
if awk -v t="$took" 'BEGIN { exit !(t >= 1.5 && t < 5) }'; then ok; else fail "trickling client dropped after $took s, want about 2 s"; fi
req GET /metrics
expect_eq "$(sed -n 's/^supplywatch_http_slow_clients_dropped_total{phase="headers"} //p' "$BODY")" "1" "slow client counted"
expect_contains "$WORK/daemon.log" "dropped 1 connection that sent no complete request within 2 s" "slow client logged"

# A body must keep up min_body_rate (1000 B/s here) after body_grace (2 s):
# one trickling 20 bytes a second is dropped about 2 s in; one at 1500 B/s
# for 4 s is stored.
cat >"$WORK/slowbody.py" <<'PY'
import json, socket, sys, time
port, token, rate, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
body = json.dumps({"kind": "trucks", "report_id": sys.argv[5], "corridor": "rafah",
                   "date": "2024-01-05", "trucks": 3}).encode()
body += b" " * (total - len(body))
s = socket.create_connection(("127.0.0.1", port), timeout=15)
s.sendall(("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (token, total)).encode())
t0, sent, step = time.monotonic(), 0, max(1, rate // 5)
try:
    while sent < total:
        s.sendall(body[sent:sent + step])
        sent += step
        time.sleep(0.2)
    answer = s.recv(4096).split(b" ")[1].decode()
except (OSError, IndexError):
    answer = "dropped"
print(answer, "%.1f" % (time.monotonic() - t0))
PY
before=$(count)
read -r got took < <(python3 "$WORK/slowbody.py" "$PORT" "$TOKEN" 20 2000 "$(uuid)")
echo "     body at 20 B/s: $got after $took s (min_body_rate 1000 B/s, body_grace 2 s)"
expect_eq "$got" "dropped" "a body under min_body_rate is dropped"
if awk -v t="$took" 'BEGIN { exit !(t >= 1.5 && t < 5) }'; then ok; else fail "slow body dropped after $took s, want about 2 s"; fi
read -r got took < <(python3 "$WORK/slowbody.py" "$PORT" "$TOKEN" 1500 6000 "$(uuid)")
echo "     body at 1500 B/s: $got after $took s"
expect_eq "$got" "201" "a body over min_body_rate is read whole and stored"
expect_eq "$(count)" "$((before + 1))" "only the body sent fast enough was stored"
req GET /metrics
expect_eq "$(sed -n 's/^supplywatch_http_slow_clients_dropped_total{phase="body"} //p' "$BODY")" "1" "slow body counted"
expect_contains "$WORK/daemon.log" "dropped 1 connection sending a body slower than 1000 bytes/s" "slow body logged"

# Four connections from one address sending bodies at a good pace are all
# making progress: a fifth from that address is refused (per_ip_connection_limit
# 4), and the token, with uploads_per_token (4) bodies arriving, gets 429 for
# a fifth from anywhere.  Other addresses and tokens are served.
cat >"$WORK/pace.py" <<'PY'
import socket, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
socks = []
for i in range(4):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n" % token).encode())
    socks.append(s)
print("ready", flush=True)
try:
    for _ in range(250):	# 200 B a connection every 0.1 s (2 KB/s: 30 s for the body), 25 s at most
        for s in socks:
            s.sendall(b" " * 200)
        time.sleep(0.1)
except OSError as e:
    print("pace.py: a paced body ended early:", e, file=sys.stderr)
PY
TOKEN_D=$(swcli token issue ngo-a | tail -n 1)	# a bucket of its own: 5 requests (rate_limit_burst)
python3 "$WORK/pace.py" "$PORT" "$TOKEN_D" >"$WORK/pace.out" 2>&1 &
pace=$!
for _ in $(seq 1 100); do grep -q '^ready$' "$WORK/pace.out" && break; sleep 0.05; done
line=$(head -n 1 "$WORK/pace.out")
# body_conns: connections sending a body, as the daemon counts them (read from another address).
body_conns() { curl -sS --interface 127.0.0.2 "$SW_URL/metrics" | awk '$1 == "supplywatch_http_connections{phase=\"body\"}" { print $2 }'; }
for _ in $(seq 1 100); do [ "$(body_conns)" = 4 ] && break; sleep 0.05; done
expect_eq "$line $(body_conns)" "ready 4" "four bodies under way"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SW_URL/healthz")
expect_eq "$code" "000" "a fifth connection from 127.0.0.1 is refused while its four make progress"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface 127.0.0.2 "$SW_URL/healthz")
expect_eq "$code" "200" "a client from another address is still served"
out=$(curl -s -D "$WORK/h429" --max-time 5 --interface 127.0.0.2 -H "Authorization: Bearer $TOKEN_D" \
	-H "Content-Type: application/json" --data-binary "$(report)" "$SW_URL/api/v1/reports")
expect_eq "$(head -n 1 "$WORK/h429" | cut -d' ' -f2)" "429" "a fifth body under one token: 429"
expect_eq "$(grep -i '^Retry-After:' "$WORK/h429" | tr -dc '0-9')" "5" "with Retry-After"
expect_eq "$out" '{"error":"this token has http.uploads_per_token request bodies arriving already; nothing was stored, retry after Retry-After seconds","uploads_per_token":4,"retry_after":5}' "429 body names the limit"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface 127.0.0.2 -H "Authorization: Bearer $TOKEN_B" \
	-H "Content-Type: application/json" --data-binary "$(report)" "$SW_URL/api/v1/reports")
expect_eq "$code" "201" "another token's body is taken"
kill "$pace" 2>/dev/null
wait "$pace" 2>/dev/null
grep -q 'ended early' "$WORK/pace.out" && cat "$WORK/pace.out" >&2
# The token's slots are free again once its bodies are gone.
for _ in $(seq 1 100); do [ "$(body_conns)" = 0 ] && break; sleep 0.05; done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface 127.0.0.3 -H "Authorization: Bearer $TOKEN_D" \
	-H "Content-Type: application/json" --data-binary "$(report)" "$SW_URL/api/v1/reports")
expect_eq "$code" "201" "the token's bodies are taken again once the four are gone"

# Idle connections are not making progress: once they have owed a request
# for a second, a newcomer from their address (a NAT neighbour) takes the
# place of the longest idle, and is served.
# header_timeout 10 s from here (a reload), so the idle connections owe
# their requests for long enough; they are opened in order, 50 ms apart.
sed -i 's/header_timeout = 2;/header_timeout = 10;/' "$WORK/abuse.conf"
mark=$(grep -c 'reload: configuration' "$WORK/daemon.log")
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 100); do [ "$(grep -c 'reload: configuration' "$WORK/daemon.log")" -gt "$mark" ] && break; sleep 0.05; done
shed0=$(metric supplywatch_http_connections_shed_total)
for fd in 10 11 12 13; do eval "exec $fd<>/dev/tcp/127.0.0.1/$PORT"; sleep 0.05; done
sleep 1.2	# the idle connections age past connwatch's CW_STALL_MS (1 s): time is what is tested
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$SW_URL/healthz")
expect_eq "$code" "200" "a newcomer from an address full of idle connections is served"
shed=$(curl -sS --interface 127.0.0.2 "$SW_URL/metrics" | awk '$1 == "supplywatch_http_connections_shed_total" { print $2 }')
expect_eq "$shed" "$((shed0 + 1))" "one idle connection shed for it"
expect_eq "$(timeout 2 cat <&10; echo eof)" "eof" "the longest idle is the one closed"
for fd in 10 11 12 13; do eval "exec $fd<&-"; done

# --- 3. per-token rate limit (12 a minute: one per 5 s; burst 5) -----------------------
# A fresh token of its own, so the requests above have taken nothing from its bucket.
TOKEN_C=$(swcli token issue ngo-a | tail -n 1)
before=$(count)
codes=""
for i in 1 2 3 4 5 6; do
	post_json /api/v1/reports "$(report)" "$TOKEN_C"
	codes="$codes$STATUS "
done
expect_eq "$codes" "201 201 201 201 201 429 " "a burst of 5, then 429"
RA=$(grep -i '^Retry-After:' "$HEADERS" | tr -dc '0-9')
if [ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 5 ]; then ok; else fail "429 Retry-After 1-5 s (one request per 5 s), got '$RA'"; fi
expect_json '.' "{\"error\":\"rate limit exceeded for this token; nothing was stored, retry after Retry-After seconds\",\"retry_after\":$RA}" "429 body"
expect_eq "$(count)" "$((before + 5))" "the refused report was not stored"
post_json /api/v1/reports "$(report)" "$TOKEN_B"
expect_status 201 "another token is unaffected"
# Unknown tokens are refused before the limiter, so they use up nobody's budget.
post_json /api/v1/reports "$(report)" "sw_$(head -c 32 /dev/zero | base64 | tr -d '=+/' | head -c 43)"
expect_status 401 "unknown token: 401, not 429"
# ODK Collect's HEAD before each form is not metered.
basic=$(printf 'ngo-a:%s' "$TOKEN_C" | base64 -w0)
codes=""
for i in 1 2 3; do
	req HEAD /submission -H "Authorization: Basic $basic" -H "X-OpenRosa-Version: 1.0"
	codes="$codes$STATUS "
done
expect_eq "$codes" "204 204 204 " "HEAD /submission is not rate limited"
# Every other HEAD with a token is metered like its GET: the bucket is empty now.
req HEAD /formList -I -H "Authorization: Basic $basic"
expect_status 429 "HEAD /formList is rate limited"
req GET /formList -H "Authorization: Basic $basic"
expect_status 429 "and so is its GET"
sleep "$RA"	# the limit itself: a request comes back after Retry-After
post_json /api/v1/reports "$(report)" "$TOKEN_C"
expect_status 201 "allowed again after Retry-After"
req GET /metrics
expect_eq "$(sed -n 's/^supplywatch_http_requests_total{route="reports",code="429"} //p' "$BODY")" "2" "429 counted (this one, and uploads_per_token's above)"
sw_stop

# --- 4. socket activation ------------------------------------------------------------------
# systemd-socket-activate binds the socket and starts the daemon on the
# first connection, passing the socket, as supplywatchd.socket does.
for _ in $(seq 1 20); do
	SPORT=$((20000 + RANDOM % 30000))
	: >"$WORK/daemon.log"
	systemd-socket-activate -E PGHOST -E PGPORT -E ASAN_OPTIONS -E UBSAN_OPTIONS -l "127.0.0.1:$SPORT" "$SW_BUILD/supplywatchd" -c "$WORK/abuse.conf" 2>>"$WORK/daemon.log" &
	DAEMON_PID=$!
	for _ in $(seq 1 100); do
		grep -q "^Listening on" "$WORK/daemon.log" && break
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	grep -q "^Listening on" "$WORK/daemon.log" && break
	wait "$DAEMON_PID" 2>/dev/null
done
# The first request waits in the socket's backlog while the daemon starts.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "http://127.0.0.1:$SPORT/healthz")
expect_eq "$code" "200" "the first connection starts the daemon and is answered"
# The ready line follows the start; the first request may be served before it is written.
for _ in $(seq 1 100); do grep -q "ready: listening" "$WORK/daemon.log" && break; sleep 0.05; done
expect_contains "$WORK/daemon.log" "ready: listening on http://127.0.0.1:$SPORT/" "serves the socket it was passed, not listen.port"
SW_URL="http://127.0.0.1:$SPORT"
req GET /healthz
expect_status 200 "socket-activated daemon answers"
post_json /api/v1/reports "$(report)" "$TOKEN_B"
expect_status 201 "socket-activated daemon stores"
sw_stop

# --- 5. sd_notify: READY, RELOADING with MONOTONIC_USEC, WATCHDOG, STOPPING -------------
python3 - "$WORK/notify.sock" >"$WORK/notify.log" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
try:
    while True:
        msg = s.recv(4096).decode()
        print(msg.replace("\n", "|"), flush=True)
        if "STOPPING=1" in msg:
            break
except socket.timeout:
    pass
PY
LISTENER=$!
for _ in $(seq 1 100); do [ -S "$WORK/notify.sock" ] && break; sleep 0.05; done
NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=1000000 sw_start "$WORK/abuse.conf" || exit 1
for _ in $(seq 1 100); do [ "$(grep -c '^WATCHDOG=1$' "$WORK/notify.log")" -ge 3 ] && break; sleep 0.05; done
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 100); do grep -q "^RELOADING=1" "$WORK/notify.log" && break; sleep 0.05; done
for _ in $(seq 1 100); do [ "$(grep -c '^READY=1$' "$WORK/notify.log")" -ge 2 ] && break; sleep 0.05; done
sw_stop
wait "$LISTENER"
expect_eq "$(grep -v '^WATCHDOG=1$' "$WORK/notify.log" | sed 's/MONOTONIC_USEC=[0-9]*/MONOTONIC_USEC=N/')" \
	"READY=1
RELOADING=1|MONOTONIC_USEC=N
READY=1
STOPPING=1" "sd_notify sequence"
w=$(grep -c '^WATCHDOG=1$' "$WORK/notify.log")
if [ "$w" -ge 3 ]; then ok; else fail "only $w WATCHDOG=1 pings with WATCHDOG_USEC=1 s"; fi
