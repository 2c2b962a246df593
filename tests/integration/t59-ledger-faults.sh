#!/bin/bash
# The ledger's sequencer under faults (docs/ledger.md): entries committed
# out of identity order are sequenced once each; of two daemons one
# sequences and the other takes over when it dies; kill -9 under concurrent
# writers and in the middle of a backlog skips nothing, sequences nothing
# twice, and the tree after each restart is consistent with every head
# signed before it.
. "$(dirname "$0")/../lib.sh"
sw_setup
VKEY=$(cat "$WORK/ledger.vkey")
LOAD=$WORK/load
write_config "$WORK/daemon.conf" "dbname=$DB user=sw_test_daemon" 'http = { rate_limit_per_minute = 0; };'
sw_start || exit 1
PORT=${SW_URL##*:}
sed -i "s/port = 0;/port = $PORT;/" "$WORK/daemon.conf"
report() { echo "{\"kind\":\"trucks\",\"report_id\":\"$1\",\"corridor\":\"rafah\",\"date\":\"2024-01-05\",\"trucks\":3}"; }
load_report() { report "$1"; }
ledger_size() { sql "SELECT count(*) FROM supplywatch.ledger"; }
# wait_sequenced: until nothing is queued and a head covers every entry (bounded).
wait_sequenced() {
	local i
	for i in $(seq 1 400); do
		if [ "$(sql "SELECT (SELECT count(*) FROM supplywatch.ledger_queue) = 0 AND
			(SELECT count(*) FROM supplywatch.ledger) = (SELECT coalesce(max(size), 0) FROM supplywatch.ledger_heads)")" = t ]; then
			ok
			return 0
		fi
		sleep 0.05
	done
	fail "the sequencer never caught up ($(sql "SELECT count(*) FROM supplywatch.ledger_queue") queued)"
}
# expect_exactly_once WHAT: every stored row is one entry, indexes 0..n-1, nothing twice.
expect_exactly_once() {
	expect_eq "$(sql "SELECT (SELECT count(*) FROM supplywatch.reports) + (SELECT count(*) FROM supplywatch.retractions)
		+ (SELECT count(*) FROM supplywatch.reviews)")" "$(ledger_size)" "$1: one entry per stored row"
	expect_eq "$(sql "SELECT count(*) = coalesce(max(idx) + 1, 0) AND count(DISTINCT (source, id)) = count(*)
		FROM supplywatch.ledger")" "t" "$1: indexes without gaps, no row twice"
	swcli verify --db --key "$VKEY" >"$WORK/verify.out" 2>&1 && ok || fail "$1: verify --db: $(cat "$WORK/verify.out")"
}
save_head() { curl -sS "$SW_URL/api/v1/ledger/head" >"$WORK/heads/$(date +%s%N).txt"; }
mkdir -p "$WORK/heads"

# --- 1. committed out of identity order ---------------------------------------------
post_json /api/v1/reports "$(report "$(uuid)")"
FIRST=$(sql "SELECT id FROM supplywatch.reports")
wait_sequenced
# A writer queues a retraction and holds its transaction open...
mkfifo "$WORK/fifo"
psql -X -q -d "$DB" <"$WORK/fifo" >"$WORK/psql.out" 2>&1 &
PSQL=$!
exec 7>"$WORK/fifo"
echo "BEGIN; INSERT INTO supplywatch.retractions (report, reason) VALUES ($FIRST, 'held open');" >&7
for _ in $(seq 1 100); do [ "$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND mode = 'ExclusiveLock'" )" -ge 2 ] && break; sleep 0.05; done
# ...while a later one (of another corridor: no daily sum in common) commits and is sequenced first.
R2=$(uuid)
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$R2\",\"corridor\":\"lachin\",\"date\":\"2024-01-06\",\"trucks\":2}"
expect_status 201 "a later report, while the retraction is uncommitted"
wait_sequenced
expect_eq "$(ledger_size)" "2" "the later report is sequenced before the earlier writer commits"
echo "COMMIT;" >&7
exec 7>&-
wait "$PSQL"
wait_sequenced
expect_eq "$(sql "SELECT string_agg(source, ',' ORDER BY idx) FROM supplywatch.ledger")" "report,report,retraction" \
	"the earlier queued, later committed retraction comes after"
expect_eq "$(sql "SELECT (SELECT seq FROM supplywatch.ledger_queue LIMIT 1) IS NULL")" "t" "nothing left queued"
expect_exactly_once "out of order"
save_head

# --- 2. two daemons: one sequences, the other takes over when it dies ------------------
write_config "$WORK/second.conf" "dbname=$DB user=sw_test_daemon" 'http = { rate_limit_per_minute = 0; };'
FIRST_PID=$DAEMON_PID FIRST_URL=$SW_URL
mv "$WORK/daemon.log" "$WORK/first.log"
sw_start "$WORK/second.conf" || exit 1
SECOND_PID=$DAEMON_PID SECOND_URL=$SW_URL
mv "$WORK/daemon.log" "$WORK/second.log"
post_json /api/v1/reports "$(report "$(uuid)")"
expect_status 201 "the second daemon takes reports"
wait_sequenced
expect_eq "$(cat "$WORK/first.log" "$WORK/second.log" | grep -c "this daemon sequences the ledger")" "1" \
	"one of two daemons sequences"
kill -KILL "$FIRST_PID"; wait "$FIRST_PID" 2>/dev/null
post_json /api/v1/reports "$(report "$(uuid)")"
wait_sequenced
expect_contains "$WORK/second.log" "this daemon sequences the ledger" "the second takes over when the first dies"
kill -TERM "$SECOND_PID"; wait "$SECOND_PID" 2>/dev/null
sw_start || exit 1
expect_exactly_once "two daemons"
save_head

# --- 3. kill -9 under concurrent writers ----------------------------------------------
load_start
wait_progress 20
for round in 1 2 3; do
	save_head
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	mv "$WORK/daemon.log" "$WORK/daemon.killed$round.log"
	sw_start || { fail "restart $round failed"; break; }
	wait_progress 20 || break
done
load_stop
load_verify "kill -9 x3 (ledger)"
wait_sequenced
expect_exactly_once "kill -9 under load"
save_head

# --- 4. kill -9 in the middle of a backlog (an upgrade's, say) -------------------------
# A daemon that does not sequence stores 20,000 reports in batches: they wait in the queue.
sw_stop
sed 's/^ledger = { /ledger = { enabled = false; /' "$WORK/daemon.conf" >"$WORK/quiet.conf"
sw_start "$WORK/quiet.conf" || exit 1
for b in 1 2 3 4; do
	jq -n -c --argjson b "$b" '{reports: [range(5000) | {kind: "trucks", report_id: ("00000000-0000-4000-8000-" + ($b * 100000 + . | tostring | ("000000000000" + .)[-12:])),
		corridor: "lachin", date: "2024-02-01", trucks: 1}]}' >"$WORK/batch.json"
	req POST /api/v1/reports -H "Content-Type: application/json" -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/batch.json"
	expect_status 201 "batch $b stored"
done
sw_stop
QUEUED=$(sql "SELECT count(*) FROM supplywatch.ledger_queue")
expect_eq "$QUEUED" "20000" "20,000 entries queued"
BEFORE=$(ledger_size)
sw_start || exit 1
for _ in $(seq 1 400); do [ "$(ledger_size)" -gt "$BEFORE" ] && break; sleep 0.01; done
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
AT_KILL=$(ledger_size)
echo "     killed with $((AT_KILL - BEFORE)) of 20000 sequenced"
[ "$AT_KILL" -lt $((BEFORE + 20000)) ] && ok || fail "the sequencer finished before the kill: nothing proved"
mv "$WORK/daemon.log" "$WORK/daemon.killed-backlog.log"
sw_start || exit 1
wait_sequenced
expect_exactly_once "kill -9 mid-backlog"

# Every head signed before is a prefix of today's tree.
n=0
for h in "$WORK"/heads/*.txt; do
	"$SW_BUILD/supplywatch" verify --url "$SW_URL" --key "$VKEY" --head "$h" >"$WORK/verify.out" 2>&1 &&
		ok || fail "the tree is not consistent with the head in $h: $(cat "$WORK/verify.out")"
	n=$((n + 1))
done
echo "     $n heads saved along the way, each consistent with the final tree ($(ledger_size) entries)"

# The stored subtree hashes proofs are made of are checked too.
sql "UPDATE supplywatch.ledger_nodes SET hash = decode(repeat('ab', 32), 'hex') WHERE level = 8 AND idx = 3"
swcli verify --db --key "$VKEY" >"$WORK/verify.out" 2>&1
expect_eq "$?" 1 "a stored subtree hash changed: verify --db fails"
expect_contains "$WORK/verify.out" "FAILED: first bad index 768: the stored hash of entries 768 to 1023 is not theirs" \
	"and names the subtree's first entry"
