#!/bin/bash
# The public ledger (docs/ledger.md): leaf hashes in the answers, receipts,
# signed heads, proofs checked by an independent implementation
# (tests/tools/ledger_check.py, written from RFC 9162, RFC 8032 and C2SP),
# `supplywatch verify` over HTTP and against the database, and tampering
# by the database superuser named at its first bad index.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start || exit 1
CHECK="python3 $(dirname "$0")/../tools/ledger_check.py"
VKEY=$(cat "$WORK/ledger.vkey")
truck() { echo "{\"kind\":\"trucks\",\"report_id\":\"$1\",\"corridor\":\"lachin\",\"date\":\"2024-03-0${2:-1}\",\"trucks\":${3:-5}}"; }

# wait_head N: until the served head covers at least N entries.
wait_head() {
	local i size=0
	for i in $(seq 1 200); do
		size=$(curl -sS "$SW_URL/api/v1/ledger/head" | sed -n 2p)
		if [ -n "$size" ] && [ "$size" -ge "$1" ] 2>/dev/null; then
			ok
			return 0
		fi
		sleep 0.05
	done
	fail "the head never reached $1 entries (last: $size)"
}

# --- the independent implementation passes the published vectors ----------------
$CHECK selftest >"$WORK/selftest.out" 2>&1 && ok || fail "ledger_check.py selftest: $(tail -3 "$WORK/selftest.out")"

# --- the key, a first report, its leaf hash and receipt ----------------------------
req GET /api/v1/ledger/key
expect_status 200 "the verifier key"
expect_eq "$(cat "$BODY")" "$VKEY" "the served key is the configured one"
$CHECK key "$VKEY" >/dev/null && ok || fail "ledger_check.py refuses our verifier key"

R1=$(uuid)
post_json /api/v1/reports "$(truck "$R1")"
expect_status 201 "a report"
LEAF1=$(jq -r '.reports[0].leaf_hash' "$BODY")
RECEIVED1=$(jq -r '.reports[0].received_at' "$BODY")
HASH1=$(sql "SELECT encode(content_hash, 'hex') FROM supplywatch.reports WHERE report_id = '$R1'")
ENTRY1="{\"content_hash\":\"$HASH1\",\"org\":\"ngo-a\",\"received_at\":\"$RECEIVED1\",\"report_id\":\"$R1\",\"type\":\"report\"}"
expect_eq "$LEAF1" "$(printf '\0%s' "$ENTRY1" | sha256sum | cut -d' ' -f1)" "the 201's leaf hash is SHA-256(0x00 || entry)"
wait_head 1
req GET "/api/v1/reports/ngo-a/$R1/receipt"
expect_status 200 "a receipt"
expect_json '[.index, .size, .leaf_hash, .entry]' "[0,1,\"$LEAF1\",$(jq -c -n --arg e "$ENTRY1" '$e')]" "the receipt"
cp "$BODY" "$WORK/receipt1.json"
jq -j .checkpoint "$WORK/receipt1.json" >"$WORK/head1.txt"
printf '%s' "$ENTRY1" >"$WORK/entry1"
$CHECK inclusion "$WORK/head1.txt" "$VKEY" "$WORK/receipt1.json" "$WORK/entry1" >"$WORK/check.out" 2>&1 &&
	ok || fail "independent inclusion check of the receipt: $(cat "$WORK/check.out")"

# --- one entry a head: a supersede, a retraction, a review --------------------------
swcli org add coord "Coordination cell" --reviewer >/dev/null
COORD=$(swcli token issue coord --scope review | tail -n 1)
R2=$(uuid) R3=$(uuid) R4=$(uuid)
post_json /api/v1/reports "$(truck "$R2" 2 7)"
expect_status 201 "R2"
wait_head 2
post_json /api/v1/reports "{\"kind\":\"trucks\",\"report_id\":\"$R3\",\"corridor\":\"lachin\",\"date\":\"2024-03-02\",\"trucks\":8,\"supersedes\":\"$R2\"}"
expect_status 201 "R3 supersedes R2"
LEAF3=$(jq -r '.reports[0].leaf_hash' "$BODY")
wait_head 3
curl -sS "$SW_URL/api/v1/ledger/head" >"$WORK/head3.txt"
post_json /api/v1/reports "$(truck "$R4" 4 9)"
wait_head 4
post_json "/api/v1/reports/$R4/retract" '{"reason":"counted twice"}'
expect_status 201 "R4 retracted"
wait_head 5
req POST "/api/v1/reports/ngo-a/$R3/review" -H "Authorization: Bearer $COORD" -H "Content-Type: application/json" \
	--data-binary '{"state":"published","comment":"seen by our team"}'
expect_status 201 "R3 reviewed"
wait_head 6
req GET "/api/v1/ledger/entries?start=0&end=100"
expect_status 200 "entries"
expect_json '[.entries[] | .entry | fromjson | .type]' '["report","report","report","report","retraction","review"]' "one entry per version, retraction and review"
expect_json '.entries[2].entry | fromjson | .supersedes' "\"$R2\"" "a supersede names the version it replaces"
expect_json '.entries[2].leaf_hash' "\"$LEAF3\"" "R3's leaf hash as its 201 said"
expect_json '.entries[4].entry | fromjson | [.report_id, .reason_hash]' \
	"[\"$R4\",\"$(printf '%s' 'counted twice' | sha256sum | cut -d' ' -f1)\"]" "the retraction: the reason's hash"
expect_json '.entries[5].entry | fromjson | [.org, .report_id, .reviewer, .state, .comment_hash]' \
	"[\"ngo-a\",\"$R3\",\"coord\",\"published\",\"$(printf '%s' 'seen by our team' | sha256sum | cut -d' ' -f1)\"]" "the review"
curl -sS "$SW_URL/api/v1/ledger/head" >"$WORK/head6.txt"
expect_eq "$(sed -n '1,2p' "$WORK/head6.txt" | tr '\n' ' ')" "supplywatch.test/log 6 " "the head: origin and size"

# The feed carries the heads, so whoever archives it witnesses them.
for _ in $(seq 1 100); do curl -sS "$SW_URL/feed.atom" | grep -q "ledger/head/6<" && break; sleep 0.05; done
req GET /feed.atom
expect_contains "$BODY" "<id>tag:supplywatch,2022:ledger/head/6</id>" "the feed has the head"
expect_contains "$BODY" "<title>Public ledger: 6 entries signed</title>" "the head's title"
expect_contains "$BODY" "<content type=\"text\">supplywatch.test/log
6
$(sed -n 3p "$WORK/head6.txt")" "the head's checkpoint is the entry's content"
expect_eq "$(grep -c "ledger/head/" "$BODY")" "6" "each head an entry"

# --- an independent implementation checks it all ----------------------------------
$CHECK checkpoint "$VKEY" "$WORK/head6.txt" >"$WORK/check.out" 2>&1 && ok ||
	fail "independent check of the head's signature: $(cat "$WORK/check.out")"
req GET "/api/v1/ledger/proof/consistency?first=3&second=6"
expect_status 200 "a consistency proof"
cp "$BODY" "$WORK/cons.json"
$CHECK consistency "$WORK/head3.txt" "$WORK/head6.txt" "$VKEY" "$WORK/cons.json" >"$WORK/check.out" 2>&1 && ok ||
	fail "independent consistency check: $(cat "$WORK/check.out")"
$CHECK log "$SW_URL" "$VKEY" >"$WORK/check.out" 2>&1 && ok ||
	fail "independent check of the whole log: $(cat "$WORK/check.out")"
req GET "/api/v1/reports/ngo-a/$R3/receipt"
expect_json '[.index, .size, .leaf_hash]' "[2,6,\"$LEAF3\"]" "R3's receipt against the latest head"
jq -j .checkpoint "$BODY" >"$WORK/h.txt"; jq -r .entry "$BODY" | tr -d '\n' >"$WORK/e3"; cp "$BODY" "$WORK/r3.json"
$CHECK inclusion "$WORK/h.txt" "$VKEY" "$WORK/r3.json" "$WORK/e3" >"$WORK/check.out" 2>&1 && ok ||
	fail "independent inclusion check of R3: $(cat "$WORK/check.out")"

# --- supplywatch verify ---------------------------------------------------------------
"$SW_BUILD/supplywatch" verify --url "$SW_URL" --key "$VKEY" --head "$WORK/head3.txt" >"$WORK/verify.out" 2>&1 &&
	ok || fail "verify --url: $(cat "$WORK/verify.out")"
expect_contains "$WORK/verify.out" "ok: 6 entries" "verify --url checked every entry"
swcli verify --db --head "$WORK/head3.txt" >"$WORK/verify.out" 2>&1 && ok || fail "verify --db: $(cat "$WORK/verify.out")"
expect_contains "$WORK/verify.out" "ok: 6 entries" "verify --db checked every entry"

# --- bad requests -------------------------------------------------------------------
req GET "/api/v1/ledger/entries?start=x&end=5"
expect_status 400 "entries: a bad start"
expect_json '.details' '[{"field":"start","reason":"must be a whole number from 0 to 9223372036854775806"}]' "entries: the field named"
req GET "/api/v1/ledger/entries?start=6&end=9"
expect_json '.details' '[{"field":"start","reason":"is beyond the tree'"'"'s last entry"}]' "entries: beyond the tree"
req GET "/api/v1/ledger/proof/inclusion?index=6&size=6"
expect_json '.details' '[{"field":"index","reason":"must be less than size"}]' "inclusion: index >= size"
req GET "/api/v1/ledger/proof/inclusion?index=0&size=7"
expect_json '.details' '[{"field":"size","reason":"is larger than the tree"}]' "inclusion: beyond the tree"
req GET "/api/v1/ledger/proof/consistency?first=5&second=4"
expect_json '.details' '[{"field":"first","reason":"must not be greater than second"}]' "consistency: first > second"
req GET "/api/v1/ledger/proof/consistency?second=4"
expect_json '.details' '[{"field":"first","reason":"is required"}]' "consistency: first missing"
req GET "/api/v1/ledger/proof/consistency?first=6&second=6"
expect_json '.proof' '[]' "consistency: equal sizes, an empty proof"
req GET "/api/v1/ledger/heads?before=0&limit=101"
expect_json '.details' '[{"field":"before","reason":"must be a whole number from 1 to 9223372036854775807"},{"field":"limit","reason":"must be a whole number from 1 to 100"}]' "heads: bad before and limit"
req GET "/api/v1/ledger/heads?limit=2&before=6"
expect_json '[.heads[].size]' '[5,4]' "heads: newest first, below before, at most limit"
req GET "/api/v1/reports/ngo-a/$(uuid)/receipt"
expect_status 404 "a receipt of no report"
req GET "/api/v1/reports/ngo-a/not-a-uuid/receipt"
expect_status 404 "a receipt of a malformed id"
req GET "/api/v1/reports/NGO%20A/$R1/receipt"
expect_status 404 "a receipt of a malformed organisation"
req GET /metrics
for m in "supplywatch_ledger_tree_size 6" "supplywatch_ledger_unsequenced 0" "supplywatch_ledger_head_size 6"; do
	expect_contains "$BODY" "$m" "metrics: $m"
done

# The commands refuse what they cannot use, saying which argument and why.
SW="$SW_BUILD/supplywatch"
"$SW" verify --url "$SW_URL" --key "not-a-key" >/dev/null 2>"$WORK/cli.err"
expect_eq "$?" 2 "verify: a malformed --key"
expect_contains "$WORK/cli.err" "supplywatch: --key not-a-key:" "verify names the bad key"
"$SW" verify --url "$SW_URL" --key "$VKEY" --head "$WORK/no-such-head.txt" >/dev/null 2>"$WORK/cli.err"
expect_eq "$?" 1 "verify: a missing --head file"
expect_contains "$WORK/cli.err" "no-such-head.txt: No such file or directory" "verify names the missing file"
"$SW" verify --key "$VKEY" >/dev/null 2>"$WORK/cli.err"
expect_eq "$?" 2 "verify needs --url or --db"
expect_contains "$WORK/cli.err" "verify --url URL | --db" "and shows its usage"
"$SW" ledger keygen --name "a b" --out "$WORK/bad.key" >/dev/null 2>"$WORK/cli.err"
expect_eq "$?:$(cat "$WORK/cli.err"):$([ -e "$WORK/bad.key" ] && echo written)" \
	"1:supplywatch: --name: must be printable, without spaces or '+':" "keygen refuses a bad name and writes nothing"

# --- tampering, as the database superuser: verify names the first bad index ---------
# expect_verify_fails MODE INDEX WHAT: verify (--db or --url) fails at INDEX.
expect_verify_fails() {
	local out=$WORK/verify.out
	if [ "$1" = --db ]; then
		swcli verify --db --key "$VKEY" >"$out" 2>&1
	else
		"$SW_BUILD/supplywatch" verify --url "$SW_URL" --key "$VKEY" >"$out" 2>&1
	fi
	local rc=$?
	expect_eq "$rc" 1 "$3: verify $1 fails"
	expect_contains "$out" "FAILED: first bad index $2:" "$3: verify $1 names index $2"
	echo "     $3 ($1): $(grep FAILED "$out" | head -c 300)"
}
expect_verify_ok() {
	swcli verify --db --key "$VKEY" >"$WORK/verify.out" 2>&1 && ok || fail "$1: verify --db: $(cat "$WORK/verify.out")"
}

# A report's payload changed: its content hash no longer comes out of it.
sql "UPDATE supplywatch.reports SET payload = jsonb_set(payload, '{trucks}', '900') WHERE report_id = '$R4'"
expect_verify_fails --db 3 "a payload changed"
sql "UPDATE supplywatch.reports SET payload = jsonb_set(payload, '{trucks}', '9') WHERE report_id = '$R4'"
expect_verify_ok "the payload put back"

# A figure changed where the indicators read it: the row no longer holds what the payload says.
sql "UPDATE supplywatch.truck_reports SET trucks = 400 WHERE report = (SELECT id FROM supplywatch.reports WHERE report_id = '$R4')"
expect_verify_fails --db 3 "a count changed in truck_reports"
expect_contains "$WORK/verify.out" "the stored trucks row of report $R4 does not hold what its payload says" "verify says which row"
sql "UPDATE supplywatch.truck_reports SET trucks = 9 WHERE report = (SELECT id FROM supplywatch.reports WHERE report_id = '$R4')"
expect_verify_ok "the count put back"

# Two entries swapped: the heads signed since no longer come out of them.
# put IDX ROW: the ledger's row IDX takes ROW (id|source|entry|leaf hash).
put() {
	local id src entry leaf
	IFS='|' read -r id src entry leaf <<<"$2"
	sql "UPDATE supplywatch.ledger SET (source, id, entry, leaf_hash) = ('$src', $id, '$entry', decode('$leaf', 'hex'))
	     WHERE idx = $1"
}
row() { sql "SELECT id, source, entry, encode(leaf_hash, 'hex') FROM supplywatch.ledger WHERE idx = $1"; }
swap() {	# swap A B: the ledger's rows A and B change places
	local a b
	a=$(row "$1") b=$(row "$2")
	sql "UPDATE supplywatch.ledger SET id = -1 - idx WHERE idx IN ($1, $2)"
	put "$1" "$b"
	put "$2" "$a"
}
swap 1 2
expect_eq "$(sql "SELECT string_agg(entry::jsonb->>'report_id', ',' ORDER BY idx) FROM supplywatch.ledger WHERE idx IN (1, 2)")" \
	"$R3,$R2" "the swap happened"
expect_verify_fails --db 1 "two entries swapped"
expect_verify_fails --url 1 "two entries swapped"
swap 1 2
expect_verify_ok "the entries put back"

# An entry removed from the ledger: the tree is one short of its head.
row4=$(row 4)
sql "DELETE FROM supplywatch.ledger WHERE idx = 4"
expect_verify_fails --url 4 "an entry removed"
expect_verify_fails --db 4 "an entry removed"
sql "INSERT INTO supplywatch.ledger (idx, source, id, entry, leaf_hash) VALUES (4, 'report', -5, '', decode(repeat('00', 32), 'hex'))"
put 4 "$row4"
expect_verify_ok "the entry put back"

# --- the sequencer never appends to (nor signs) a tree that does not match its head ---
sw_stop
swap 1 2
sw_start || exit 1
R5=$(uuid)
post_json /api/v1/reports "$(truck "$R5" 5 3)"
expect_status 201 "a report is still accepted"
for _ in $(seq 1 100); do grep -q "does not match the head signed" "$WORK/daemon.log" && break; sleep 0.05; done
expect_contains "$WORK/daemon.log" "the stored tree does not match the head signed at size 6" "the sequencer notices"
sleep 1.5	# a sequencer that (wrongly) went on would have appended it by now
expect_eq "$(sql "SELECT count(*) FROM supplywatch.ledger_queue")" "1" "nothing appended to a changed tree"
expect_eq "$(curl -sS "$SW_URL/api/v1/ledger/head" | sed -n 2p)" "6" "nothing signed over a changed tree"
req GET /metrics
expect_contains "$BODY" "supplywatch_ledger_unsequenced 1" "the backlog shows it (the alert's cue)"
sw_stop
swap 1 2
sw_start || exit 1
wait_head 7
expect_eq "$(sql "SELECT count(*) FROM supplywatch.ledger_queue")" "0" "put back: the sequencer goes on"

# A retraction written around the triggers never enters the ledger: verify says so.
sql "SET session_replication_role = replica;
     INSERT INTO supplywatch.retractions (report, reason) SELECT id, 'unseen' FROM supplywatch.reports WHERE report_id = '$R1'"
swcli verify --db --key "$VKEY" >"$WORK/verify.out" 2>&1
expect_eq "$?" 1 "a row outside the ledger: verify --db fails"
expect_contains "$WORK/verify.out" "1 stored reports, retractions or reviews are neither in the ledger nor queued for it" \
	"verify says what is outside"
sql "SET session_replication_role = replica; DELETE FROM supplywatch.retractions WHERE reason = 'unseen'"

# A report deleted from under its entry.
sql "SET session_replication_role = replica;
     DELETE FROM supplywatch.truck_reports WHERE report = (SELECT id FROM supplywatch.reports WHERE report_id = '$R2');
     DELETE FROM supplywatch.reports WHERE report_id = '$R2'"
expect_verify_fails --db 1 "a report deleted"
expect_contains "$WORK/verify.out" "the report it records is not in the database any more" "verify says what is missing"

# --- keys: another key's heads are refused; rotation keeps old heads verifiable -----
"$SW_BUILD/supplywatch" ledger keygen --name other.test/log --out "$WORK/other.key" >"$WORK/other.vkey" 2>/dev/null
OTHER=$(cat "$WORK/other.vkey")
"$SW_BUILD/supplywatch" ledger keygen --name x --out "$WORK/other.key" >/dev/null 2>"$WORK/keygen.err"
expect_eq "$?" 1 "keygen never overwrites a key"
expect_contains "$WORK/keygen.err" "a key is never overwritten" "keygen says why"
"$SW_BUILD/supplywatch" verify --url "$SW_URL" --key "$OTHER" >"$WORK/verify.out" 2>&1
expect_eq "$?" 1 "a head signed by another key is refused"
expect_contains "$WORK/verify.out" "the latest head is refused: no signature by a known key" "verify says why"
chmod 644 "$WORK/other.key"
sed -i "s|$WORK/ledger.key|$WORK/other.key|" "$WORK/daemon.conf"
sw_stop
"$SW_BUILD/supplywatchd" -c "$WORK/daemon.conf" 2>"$WORK/start.err" && fail "a readable key was accepted"
expect_contains "$WORK/start.err" "must not be readable by group or others (chmod 600)" "a key others can read is refused"
chmod 600 "$WORK/other.key"
sed -i "s|supplywatch.test/log|elsewhere.test/log|" "$WORK/daemon.conf"
sw_start || exit 1
post_json /api/v1/reports "$(truck "$(uuid)" 6 3)"
wait_head 8
expect_contains "$WORK/daemon.log" 'ledger.origin is "elsewhere.test/log" but the log'"'"'s heads name "supplywatch.test/log"' \
	"a changed origin is reported"
expect_eq "$(curl -sS "$SW_URL/api/v1/ledger/head" | head -n 1)" "supplywatch.test/log" "and the log keeps its origin"
"$SW_BUILD/supplywatch" verify --url "$SW_URL" --key "$VKEY" >"$WORK/verify.out" 2>&1
expect_eq "$?" 1 "after a key change, the old key alone refuses the new head"
"$SW_BUILD/supplywatch" verify --url "$SW_URL" --key "$OTHER" --key "$VKEY" --head "$WORK/head6.txt" >"$WORK/verify.out" 2>&1 &&
	ok || fail "rotated: old and new keys together verify every head: $(cat "$WORK/verify.out")"
"$SW_BUILD/supplywatch" verify --url "$SW_URL" --key "$OTHER" --head "$WORK/head6.txt" >"$WORK/verify.out" 2>&1
expect_contains "$WORK/verify.out" "the saved head is refused: no signature by a known key" "a saved head by an untrusted key is refused"

# --- a spreadsheet's rows get their receipts the same way ---------------------------
RC=$(uuid)
req POST "/api/v1/reports?kind=trucks" -H "Content-Type: text/csv" -H "Authorization: Bearer $TOKEN" \
	--data-binary "$(printf 'report_id,corridor,date,trucks\n%s,rafah,2024-03-01,4\n' "$RC")"
expect_status 201 "a CSV file"
# A file's answer summarises it: the row's id, and the receipt's address to fill in.
expect_json '[.first_report_id, .receipt]' "[\"$RC\",\"/api/v1/reports/ngo-a/{report_id}/receipt\"]" "the CSV answer names the row and its receipt"
RECEIVEDC=$(sql "SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM supplywatch.reports WHERE report_id = '$RC'")
HASHC=$(sql "SELECT encode(content_hash, 'hex') FROM supplywatch.reports WHERE report_id = '$RC'")
ENTRYC="{\"content_hash\":\"$HASHC\",\"org\":\"ngo-a\",\"received_at\":\"$RECEIVEDC\",\"report_id\":\"$RC\",\"type\":\"report\"}"
LEAFC=$(printf '\0%s' "$ENTRYC" | sha256sum | cut -d' ' -f1)
wait_receipt ngo-a "$RC"
expect_status 200 "a CSV row's receipt"
expect_json '[.leaf_hash, .entry]' "[\"$LEAFC\",$(jq -c -n --arg e "$ENTRYC" '$e')]" "with the leaf hash of its entry"
