#!/bin/bash
# A proxy that keeps idle connections to the daemon (nginx's upstream
# keepalive) and reuses them must never send a request on a connection the
# daemon is closing.  The daemon closes a connection that has sent no new
# request for http.header_timeout; docs/operations.md tells nginx to let go
# sooner.  The two must agree, and a client that behaves as the documented
# proxy does (reusing a connection after the documented idle time) must
# always be answered on it.
. "$(dirname "$0")/../lib.sh"
sw_setup
idle=$(awk '/^upstream supplywatch/,/^}/' "$SW_ROOT/docs/operations.md" | sed -n 's/^ *keepalive_timeout \([0-9]*\)s;.*/\1/p')
header=$(swcli config-keys | awk -F'\t' '$1 == "http.header_timeout" {print $2}')
echo "     nginx keepalive_timeout ${idle:-?} s (docs/operations.md), http.header_timeout $header s (default)"
[ -n "$idle" ] && ok || fail "docs/operations.md has no keepalive_timeout in its upstream block"
if [ -n "$idle" ] && [ $((idle + 2)) -le "$header" ]; then ok; else
	fail "the documented proxy keeps idle connections ${idle} s; the daemon closes them after $header s"; fi
sw_start || exit 1
PORT=${SW_URL##*:}
python3 - "$PORT" "$TOKEN" "${idle:-5}" "$header" >"$WORK/proxy.out" 2>&1 <<'PY'
import http.client, json, sys, time, uuid
port, token, idle, header = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

def post():
    body = json.dumps({"kind": "trucks", "report_id": str(uuid.uuid4()), "corridor": "lachin",
                       "date": "2024-06-01", "trucks": 2})
    c.request("POST", "/api/v1/reports", body=body, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    return r.status

first = post()
port_used = c.sock.getsockname()[1]
results = [first]
for _ in range(2):
    time.sleep(idle)                     # idle as long as the proxy may keep it
    try:
        results.append(post())
    except Exception as e:
        results.append(type(e).__name__)
same = c.sock is not None and c.sock.getsockname()[1] == port_used
print("reused:", " ".join(str(r) for r in results), "same connection" if same else "reconnected")
# Past the daemon's limit the connection is closed by the daemon, cleanly.
time.sleep(header + 1.5)
c.sock.settimeout(1)
try:
    print("after the limit:", "closed" if c.sock.recv(1) == b"" else "open")
except Exception as e:
    print("after the limit:", type(e).__name__)
PY
expect_eq "$(sed -n 's/^reused: //p' "$WORK/proxy.out")" "201 201 201 same connection" \
	"POSTs on one connection after idling as the documented proxy may"
expect_eq "$(sed -n 's/^after the limit: //p' "$WORK/proxy.out")" "closed" \
	"an idle connection is closed cleanly after http.header_timeout"
sw_stop
