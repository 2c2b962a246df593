#!/bin/bash
# Slow clients against one build or two (issue 16): the figures of
# docs/operations.md and the issue's closing note.  Usage:
#   bash tests/bench/slow-clients.sh [OLD_BUILD] NEW_BUILD
# Each build gets a fresh throwaway cluster and database, the default http
# settings, and three attacks of 20 s from eight addresses (127.0.0.2-.9)
# by tests/tools/slowclients.py: slow header blocks only (320 connections),
# slow bodies only with two organisations' tokens (320), and slowhttptest's
# own slow-header attack (500 connections opened at 100 a second, from
# 127.0.0.1), if slowhttptest is installed.  Meanwhile a client on
# 127.0.0.100 fetches / and posts a report every 0.1 s on new connections.
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
builds=("$@")
[ ${#builds[@]} -ge 1 ] || { echo "usage: $0 [OLD_BUILD] NEW_BUILD" >&2; exit 2; }
. tests/lib.sh
export SW_TMP=$(mktemp -d /tmp/sw-slow.XXXXXX)
chmod 755 "$SW_TMP"
export SW_RESULTS=$SW_TMP/results
pg_cluster_start "$SW_TMP/pg" || exit 1
export PGHOST=$SW_TMP/pg PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
trap 'pg_cluster_stop "$SW_TMP/pg" immediate; rm -rf "$SW_TMP"' EXIT
TOOL=$root/tests/tools/slowclients.py

# probe_during SECONDS LABEL: the probe from 127.0.0.100, its figures on one line.
probe_during() {
	python3 "$TOOL" probe --host 127.0.0.1 --port "$PORT" --source 127.0.0.100 --token "$TP" \
		--corridor rafah --duration "$1" --interval 0.1 --ids "$WORK/ids" --out "$WORK/p.json" >/dev/null 2>&1
	jq -r --arg l "$2" '"  \($l): \(.requests) requests, \(.failures) failed; p50 \(.all.p50_ms) ms, p99 \(.all.p99_ms) ms, max \(.all.max_ms) ms"' "$WORK/p.json"
}

attack() {	# attack SHARE: 320 connections for 20 s, SHARE of them slow bodies
	python3 "$TOOL" attack --host 127.0.0.1 --port "$PORT" --sources 127.0.0.2-127.0.0.9 \
		--tokens "$TA1,$TA2" --connections 320 --body-share "$1" --duration 20 \
		--reconnect-delay 0.2 --out "$WORK/a.json" >/dev/null 2>&1 &
	ATTACKER=$!
	sleep 1	# the attack's connections open within half a second
}

for b in "${builds[@]}"; do
	export SW_BUILD=$(cd "$b" && pwd)
	TEST_NAME=slow_$(basename "$b")
	sw_setup >/dev/null
	swcli org add ngo-b "NGO B" >/dev/null
	TA1=$(swcli token issue ngo-a | tail -n 1)
	TA2=$(swcli token issue ngo-b | tail -n 1)
	TP=$(swcli token issue ngo-a | tail -n 1)
	sw_start "$WORK/daemon.conf" >/dev/null || exit 1
	PORT=${SW_URL##*:}
	echo "== $SW_BUILD ($(git -C "$(dirname "$SW_BUILD")" log -1 --format=%h 2>/dev/null || echo '?'))"
	probe_during 5 "no attack"
	attack 0
	probe_during 15 "slow headers, 8 addresses"
	wait "$ATTACKER"
	attack 1
	probe_during 15 "slow bodies, 8 addresses, 2 tokens"
	wait "$ATTACKER"
	jq -r '"  (the body attacker: \(.connects) connects, \(.answers | tostring) answers, median life \(.median_life_s.body) s)"' "$WORK/a.json"
	if command -v slowhttptest >/dev/null; then
		slowhttptest -H -c 500 -r 100 -l 25 -i 5 -u "$SW_URL/" -p 5 >"$WORK/sht.out" 2>&1 &
		sht=$!
		sleep 6
		probe_during 15 "slowhttptest -H -c 500 -r 100, 127.0.0.1"
		wait "$sht"
	fi
	curl -s "$SW_URL/metrics" | grep -E '^supplywatch_http_(slow_clients_dropped|connections_shed|connections_refused|uploads_refused)_total' | sed 's/^/  /'
	sw_stop
	trap - EXIT
	sw_cleanup 2>/dev/null
	trap 'pg_cluster_stop "$SW_TMP/pg" immediate; rm -rf "$SW_TMP"' EXIT
done
