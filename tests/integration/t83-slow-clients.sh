#!/bin/bash
# Slow clients from many addresses (issue 16).  An attacker holding hundreds
# of connections that never finish their request, from eight addresses so no
# one address reaches the per-address limit, must not deny service to an
# ordinary client: with the daemon's default http settings (connection_limit
# 256, per_ip_connection_limit 64, header_timeout 10) 320 slow connections,
# a quarter of them trickling a report body with real tokens, the rest
# trickling header lines, would fill every connection slot.  Meanwhile a
# well-behaved client from another address makes a GET / and a POST of a
# report every 0.1 s: every one must be answered, quickly, and every report
# it was told is stored must be stored.  tests/tools/slowclients.py is both
# the attacker and the probe; the figures of each are printed.
. "$(dirname "$0")/../lib.sh"
sw_setup
TOOL=$SW_ROOT/tests/tools/slowclients.py
ATTACKER=""
# The attacker is bounded by its own --duration and by timeout; on an early
# exit it is stopped here too, before the usual cleanup.
trap 'rc=$?; [ -n "$ATTACKER" ] && kill "$ATTACKER" 2>/dev/null; (exit $rc); sw_cleanup' EXIT

swcli org add ngo-b "NGO B" >/dev/null
TA1=$(swcli token issue ngo-a | tail -n 1)	# the attacker's tokens, of two organisations
TA2=$(swcli token issue ngo-b | tail -n 1)
TP=$(swcli token issue ngo-a | tail -n 1)	# the probe's own
# The default http settings: daemon.conf has no http section.
sw_start "$WORK/daemon.conf" || exit 1
PORT=${SW_URL##*:}
# gauge NAME: a metric read from an address of its own (127.0.0.101), so
# reading it takes nothing from the attacker's or the probe's addresses.
gauge() { curl -sS --max-time 5 --interface 127.0.0.101 "$SW_URL/metrics" | awk -v m="$1" '$1 == m { s += $2 } END { print s + 0 }'; }
# established: the connections the daemon holds (its gauges, every phase).
established() { curl -sS --max-time 5 --interface 127.0.0.101 "$SW_URL/metrics" |
	awk '$1 ~ /^supplywatch_http_connections\{/ { s += $2 } END { print s + 0 }'; }

# --- the attack, and the probe while it goes on ------------------------------------------
timeout -k 2 30 python3 "$TOOL" attack --host 127.0.0.1 --port "$PORT" \
	--sources 127.0.0.2-127.0.0.9 --tokens "$TA1,$TA2" --connections 320 --body-share 0.25 \
	--duration 20 --reconnect-delay 0.2 --out "$WORK/attack.json" >"$WORK/attack.out" 2>&1 &
ATTACKER=$!
t0=$EPOCHREALTIME
held=0
for _ in $(seq 1 50); do
	held=$(established)
	[ "$held" -ge 180 ] && break
	sleep 0.1
done
echo "     attack: $held connections established after $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
: >"$WORK/ids"
timeout -k 2 30 python3 "$TOOL" probe --host 127.0.0.1 --port "$PORT" --source 127.0.0.100 \
	--token "$TP" --corridor rafah --duration 15 --interval 0.1 --ids "$WORK/ids" \
	--out "$WORK/probe.json" >"$WORK/probe.out" 2>&1
probe_rc=$?
held_after=$(established)
wait "$ATTACKER"
attack_rc=$?
ATTACKER=""
expect_eq "$probe_rc" "0" "the probe ran to its end ($(tail -n 3 "$WORK/probe.out"))"
expect_eq "$attack_rc" "0" "the attacker ran to its end ($(tail -n 3 "$WORK/attack.out"))"
[ -s "$WORK/probe.json" ] || echo '{}' >"$WORK/probe.json"
[ -s "$WORK/attack.json" ] || echo '{}' >"$WORK/attack.json"

# --- the figures ---------------------------------------------------------------------------
p() { jq -r "$1" "$WORK/probe.json"; }
a() { jq -r "$1" "$WORK/attack.json"; }
lat() { p ".$1 | \"n=\\(.n) p50=\\(.p50_ms) p90=\\(.p90_ms) p99=\\(.p99_ms) max=\\(.max_ms) ms\""; }
echo "     probe: $(p .requests) requests, $(p .failures) failed, $(p .stored_ids) reports stored"
echo "     probe GET /: $(lat get)"
echo "     probe POST:  $(lat post)"
echo "     probe all:   $(lat all)"
p '.failure_examples[:5][] | "     probe failure: \(.what): \(.error)"' 2>/dev/null | cut -c 1-200
echo "     attacker: $(a .connects) connects, $(a .connect_failures) failed, peak $(a .peak_open) open," \
	"$(a .open_at_end) open at the end ($held_after held by the daemon when the probe ended)"
echo "     attacker: closed by the daemon: $(a '.closed_by_server | "headers \(.header), body \(.body)"');" \
	"answers: $(a '.answers | to_entries | map("\(.key)=\(.value)") | join(" ") | if . == "" then "none" else . end');" \
	"median life: $(a '.median_life_s | "headers \(.header) s, body \(.body) s"')"
curl -sS --max-time 5 "$SW_URL/metrics" >"$WORK/metrics" 2>&1
dropped=$(grep -E '^supplywatch_http_(slow_clients_dropped|connections_shed|connections_refused|uploads_refused)_total' "$WORK/metrics")
echo "     daemon: ${dropped:-no supplywatch_http_slow_clients_dropped_total}" | sed '2,$s/^/             /'
shed=$(awk '$1 == "supplywatch_http_connections_shed_total" { print $2 }' "$WORK/metrics")

# --- the assertions ---------------------------------------------------------------------------
if [ "$(a '.peak_open // 0')" -ge 180 ]; then ok; else fail "the attack held only $(a .peak_open) connections at once"; fi
expect_eq "$(p .failures)" "0" "every request of the probe answered as expected"
p99=$(p '.all.p99_ms // "none"')
if awk -v v="$p99" 'BEGIN { exit !(v != "none" && v + 0 < 200) }'; then ok; else
	fail "the probe's p99 latency is $p99 ms (under 200 ms wanted)"; fi
n_ids=$(wc -l <"$WORK/ids")
if [ "$n_ids" -gt 0 ]; then ok; else fail "the probe had no report stored"; fi
stored=$(sql "SELECT count(DISTINCT r.report_id) FROM supplywatch.reports r
	JOIN supplywatch.organisations o ON o.id = r.org_id
	WHERE o.slug = 'ngo-a' AND r.report_id = ANY (string_to_array('$(paste -sd, "$WORK/ids")', ',')::uuid[])")
expect_eq "$stored" "$n_ids" "every report acknowledged to the probe is stored"
if [ "${shed:-0}" -gt 0 ]; then ok; else fail "no connection was shed under pressure (shed_total ${shed:-missing})"; fi
req GET /healthz
expect_status 200 "healthy after the attack"

# --- behind the attacker's address (a NAT) ------------------------------------------------
# One address holds its 64 connections (per_ip_connection_limit) with slow
# headers and refills them as they go.  A client behind the same address is
# still served: the address's stalled connections make room for it.
timeout -k 2 20 python3 "$TOOL" attack --host 127.0.0.1 --port "$PORT" --sources 127.0.0.5-127.0.0.5 \
	--tokens "$TA1" --connections 64 --body-share 0 --duration 8 --reconnect-delay 0.2 \
	--out "$WORK/nat-attack.json" >"$WORK/nat-attack.out" 2>&1 &
ATTACKER=$!
for _ in $(seq 1 50); do [ "$(established)" -ge 64 ] && break; sleep 0.1; done
held=$(established)
sleep 1.1	# past CW_STALL_MS the slow headers are not making progress: time is what is tested
timeout -k 2 20 python3 "$TOOL" probe --host 127.0.0.1 --port "$PORT" --source 127.0.0.5 \
	--token "$TP" --corridor rafah --duration 4 --interval 0.1 --ids "$WORK/nat-ids" \
	--out "$WORK/nat-probe.json" >"$WORK/nat-probe.out" 2>&1
wait "$ATTACKER"
ATTACKER=""
n() { jq -r "$1" "$WORK/nat-probe.json"; }
echo "     behind the attacker's address ($held held): $(n .requests) requests, $(n .failures) failed," \
	"p99 $(n .all.p99_ms) ms; attacker $(jq -r .connects "$WORK/nat-attack.json") connects"
expect_eq "$(n .failures)" "0" "a client behind the attacker's address is served"
if [ "$(n .requests)" -ge 20 ]; then ok; else fail "only $(n .requests) requests behind the attacker's address"; fi
sw_stop
