#!/bin/bash
# The corridor page's "Latest reports" (issue 17): the newest current reports
# of every kind but movements, from two organisations, with their key
# figures, evidence links and notes; a correction shows its latest version
# only, a retraction is gone after the next snapshot; exactly 20 listed,
# newest first (received_at, then id); ?as_of= shows only what had been
# received by then, and says so with links to the CSV export when the
# snapshot's twenty do not reach back that far; hostile text stays text,
# only http(s) addresses become links, and twenty long hostile reports keep
# the page under 100 KB.  The front page has no such section.
. "$(dirname "$0")/../lib.sh"
sw_setup
sed -i 's|^status = { \(.*\) };|status = { \1 default_language = "en"; languages = [ "en", "ar", "ru" ]; };|' "$WORK/daemon.conf"
sw_start
swcli org add ngo-b 'NGO "B" & <Co>' >/dev/null
TOKEN_B=$(swcli token issue ngo-b | tail -n 1)

# JSON built by jq, so hostile text goes in exactly as written.
report() { jq -nc "$@"; }
batch() {
	local tok=$1 what=$2
	shift 2
	post_json /api/v1/reports "{\"reports\":[$(IFS=,; echo "$*")]}" "$tok"
	expect_status 201 "$what"
}
# section FILE: the "Latest reports" section of a corridor page, from its heading to the next.
section() { sed -n '/<h3>Latest reports<\/h3>/,/<p>Download:/p' "$1" | sed '$d'; }
# rows FILE: the list's items, one a line.
rows() { section "$1" | grep '^<li>'; }
# at ID INSTANT: sets when a report was received (epoch, or timestamptz text).
at() { sql "UPDATE supplywatch.reports SET received_at = '$2'::timestamptz WHERE report_id = '$1'" >/dev/null; }

HOSTILE_NOTE='<script>alert("note")</script> it'"'"'s "evidence" & more'
T1=$(uuid) S1=$(uuid) D1=$(uuid) A1=$(uuid) T2=$(uuid) T2B=$(uuid) S2=$(uuid) JS=$(uuid) O1=$(uuid) O2=$(uuid) M1=$(uuid)

# --- javascript: is refused at the door -------------------------------------------------
post_json /api/v1/reports "$(report --arg id "$(uuid)" '{kind:"trucks",report_id:$id,corridor:"lachin",date:"2023-01-10",trucks:1,source_url:"javascript:alert(1)"}')"
expect_status 422 "a javascript: source_url is refused"

# --- phase 1: every kind, two organisations, a correction and a retraction ------------------
batch "$TOKEN" "NGO A's reports" \
	"$(report --arg id "$T1" '{kind:"trucks",report_id:$id,corridor:"lachin",date:"2023-01-10",trucks:6,crossing:"Hakari bridge",source_url:"https://example.org/sitrep/1?a=1&b=2",note:"Counted at dawn."}')" \
	"$(report --arg id "$D1" '{kind:"disruption",report_id:$id,corridor:"lachin",service:"gas",started_at:"2023-01-03T08:00:00+04:00",ended_at:"2023-01-05T12:30:00+04:00",location:"Stepanakert"}')" \
	"$(report --arg id "$T2" '{kind:"trucks",report_id:$id,corridor:"lachin",date:"2023-01-09",trucks:4}')" \
	"$(report --arg id "$JS" '{kind:"trucks",report_id:$id,corridor:"lachin",date:"2023-01-08",trucks:2,stage:"collected",direction:"outbound",source_url:"https://example.org/js"}')" \
	"$(report --arg id "$O1" '{kind:"trucks",report_id:$id,corridor:"lachin",date:"2023-01-02",trucks:7}')" \
	"$(report --arg id "$O2" '{kind:"access",report_id:$id,corridor:"lachin",status:"restricted",at:"2023-01-01T08:00:00+04:00"}')" \
	"$(report --arg id "$M1" '{kind:"movement",report_id:$id,corridor:"lachin",planned_for:"2023-01-09",outcome:"denied",from:"Goris",to:"Stepanakert"}')"
batch "$TOKEN_B" "NGO B's reports" \
	"$(report --arg id "$S1" --arg note "$HOSTILE_NOTE" '{kind:"shortage",report_id:$id,corridor:"lachin",date:"2023-01-08",item:"baby formula",severity:"critical",location:"Stepanakert",note:$note,source_url:"https://reliefweb.int/report/armenia/x"}')" \
	"$(report --arg id "$A1" '{kind:"access",report_id:$id,corridor:"lachin",status:"blocked",at:"2023-01-01T10:00:00+04:00",crossing:"Hakari bridge",source_url:"https://trusted.example@evil.example:8443/p?\"><script>alert(1)</script>"}')" \
	"$(report --arg id "$S2" '{kind:"shortage",report_id:$id,corridor:"lachin",date:"2023-01-09",item:"bread",severity:"none"}')"
post_json /api/v1/reports "$(report --arg id "$T2B" --arg old "$T2" '{kind:"trucks",report_id:$id,corridor:"lachin",date:"2023-01-09",trucks:5,supersedes:$old}')"
expect_status 201 "a correction"
wait_snapshot
req GET /corridors/lachin
expect_status 200 "the corridor page"
expect_eq "$(rows "$BODY" | grep -c 'bread')" "1" "the shortage to be retracted is listed"
expect_eq "$(rows "$BODY" | grep -c '>Truck count</strong>: 4 trucks')" "0" "the superseded version is not listed"
expect_eq "$(rows "$BODY" | grep -c '>Truck count</strong>: 5 trucks on 9 January 2023')" "1" "its correction is"
expect_eq "$(rows "$BODY" | grep -c 'Goris\|Denied')" "0" "movements are not listed (the embargo)"

# The retraction reaches the page with the next snapshot: a report stored
# after it (in the other corridor) marks one that includes it.
post_json "/api/v1/reports/$S2/retract" '{"reason":"double-counted"}' "$TOKEN_B"
expect_status 201 "the retraction"
batch "$TOKEN" "a report after the retraction" "$(report --arg id "$(uuid)" '{kind:"trucks",report_id:$id,corridor:"rafah",date:"2024-05-01",trucks:30}')"
wait_snapshot
req GET /corridors/lachin
expect_eq "$(rows "$BODY" | grep -c 'bread')" "0" "the retracted shortage is gone after the next snapshot"

# --- phase 2: more than twenty, at known instants ----------------------------------------------
# Eighteen truck counts in one batch (one instant: newest first is highest id first).
B=()
for i in $(seq 1 18); do
	B+=("$(report --arg id "$(uuid)" --argjson n "$((100 + i))" '{kind:"trucks",report_id:$id,corridor:"lachin",date:"2023-01-15",trucks:$n}')")
done
batch "$TOKEN" "eighteen truck counts" "${B[@]}"
bulk_ids=$(sql "SELECT string_agg(report_id::text, ' ' ORDER BY id) FROM supplywatch.reports WHERE corridor_id = 'lachin' AND kind = 'trucks' AND (payload->>'trucks')::int > 100")
for id in $bulk_ids; do at "$id" "2023-01-20T09:00:00+04:00"; done
at "$O1" "2023-01-05T09:00:00+04:00"
at "$O2" "2023-01-05T09:00:00+04:00"
at "$T1" "2023-01-25T10:00:00+04:00"
at "$D1" "2023-01-25T11:15:00+04:00"
at "$S1" "2023-01-26T09:30:00+04:00"
at "$T2B" "2023-01-26T18:00:00+04:00"
# 21:30 UTC on the 26th is 01:30 on the 27th in Yerevan: received on the 27th there.
at "$A1" "2023-01-26T21:30:00Z"
at "$JS" "2023-01-27T12:00:00+04:00"
at "$T2" "2023-01-27T13:00:00+04:00"
at "$S2" "2023-01-27T14:00:00+04:00"
at "$M1" "2023-01-28T08:00:00+04:00"
# What ingest refuses can still be in the table (an older version, a direct
# write): the page must not link it.
sql "UPDATE supplywatch.reports SET source_url = 'javascript:alert(document.cookie)' WHERE report_id = '$JS'" >/dev/null
# received_at changed under the daemon: a restart reads everything again.
sw_stop
sw_start
wait_snapshot

req GET /corridors/lachin
expect_status 200 "the corridor page after the restart"
cp "$BODY" "$WORK/lachin.html"
expect_eq "$(rows "$BODY" | wc -l)" "20" "exactly twenty listed"
expect_eq "$(section "$BODY" | grep -c '^<ol class="it">$')" "1" "one ordered list"
expect_eq "$(section "$BODY" | sed -n 2p)" "<p>Newest first. A corrected report is shown in its latest version; a retracted one is not shown.</p>" "the list's caption"
# The six of phase 1 that are current, newest first; then the batch from its highest id.
expect_eq "$(rows "$BODY" | head -n 6)" \
'<li><strong>Truck count</strong>: 2 trucks on 8 January 2023, collected, outbound<br><small><bdi>NGO A</bdi>, received 27 January 2023, 12:00 (UTC+04:00)</small></li>
<li><strong>Access change</strong>: <span class="badge s2">BLOCKED</span> <bdi>Hakari bridge</bdi>, since 1 January 2023, 10:00 (UTC+04:00)<br><small><bdi>NGO &quot;B&quot; &amp; &lt;Co&gt;</bdi>, received 27 January 2023, 01:30 (UTC+04:00) · evidence: <a href="https://trusted.example@evil.example:8443/p?&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" rel="nofollow noopener"><bdi>evil.example</bdi></a></small></li>
<li><strong>Truck count</strong>: 5 trucks on 9 January 2023<br><small><bdi>NGO A</bdi>, received 26 January 2023, 18:00 (UTC+04:00)</small></li>
<li><strong>Shortage</strong>: <span class="badge v4">CRITICAL</span> <bdi>baby formula</bdi> in <bdi>Stepanakert</bdi> on 8 January 2023<br><small><bdi>NGO &quot;B&quot; &amp; &lt;Co&gt;</bdi>, received 26 January 2023, 09:30 (UTC+04:00) · evidence: <a href="https://reliefweb.int/report/armenia/x" rel="nofollow noopener"><bdi>reliefweb.int</bdi></a></small><br><small>Note: <bdi>&lt;script&gt;alert(&quot;note&quot;)&lt;/script&gt; it&#39;s &quot;evidence&quot; &amp; more</bdi></small></li>
<li><strong>Service disruption</strong>: Gas in <bdi>Stepanakert</bdi>, from 3 January 2023, 08:00 (UTC+04:00) to 5 January 2023, 12:30 (UTC+04:00)<br><small><bdi>NGO A</bdi>, received 25 January 2023, 11:15 (UTC+04:00)</small></li>
<li><strong>Truck count</strong>: 6 trucks on 10 January 2023 at <bdi>Hakari bridge</bdi><br><small><bdi>NGO A</bdi>, received 25 January 2023, 10:00 (UTC+04:00) · evidence: <a href="https://example.org/sitrep/1?a=1&amp;b=2" rel="nofollow noopener"><bdi>example.org</bdi></a></small><br><small>Note: <bdi>Counted at dawn.</bdi></small></li>' \
	"the six newest, every kind, exactly"
expect_eq "$(rows "$BODY" | sed -n '7,20p' | sed 's/.*: \([0-9]*\) trucks on 15 January 2023<br><small><bdi>NGO A<\/bdi>, received 20 January 2023, 09:00 (UTC+04:00)<\/small><\/li>$/\1/' | tr '\n' ' ')" \
	"118 117 116 115 114 113 112 111 110 109 108 107 106 105 " "then fourteen of the batch, from the last stored"
if section "$BODY" | grep -q 'javascript'; then fail "a javascript: address is on the page"; else ok; fi
if section "$BODY" | grep -q '<script'; then fail "report text became markup"; else ok; fi
expect_eq "$(section "$BODY" | grep -c 'may be missing')" "0" "today's list needs no export links"

# The other languages say it in theirs, with the same reports.
req GET "/corridors/lachin?lang=ru"
expect_contains "$BODY" "<h3>Последние сообщения</h3>" "the section in Russian"
expect_eq "$(sed -n '/<h3>Последние сообщения<\/h3>/,/<\/ol>/p' "$BODY" | grep -c '^<li>')" "20" "twenty in Russian too"
req GET "/corridors/lachin?lang=ar"
expect_contains "$BODY" "<h3>أحدث التقارير</h3>" "the section in Arabic"
expect_contains "$BODY" "&lt;script&gt;alert(&quot;note&quot;)&lt;/script&gt;" "the hostile note escaped in Arabic"

# --- as of a past day: nothing received after it ---------------------------------------------
req GET "/corridors/lachin?as_of=2023-01-26"
expect_status 200 "as of 26 January 2023"
expect_eq "$(section "$BODY" | sed -n 2p)" "<p>Received by the end of 26 January 2023, newest first. A corrected report is shown in its latest version; a retracted one is not shown.</p>" "the caption as of a day"
expect_eq "$(rows "$BODY" | wc -l)" "18" "18 of the twenty had been received by then"
expect_eq "$(rows "$BODY" | head -n 1)" '<li><strong>Truck count</strong>: 5 trucks on 9 January 2023<br><small><bdi>NGO A</bdi>, received 26 January 2023, 18:00 (UTC+04:00)</small></li>' "received at 01:30 on the 27th (21:30 UTC the 26th) is not listed"
if rows "$BODY" | grep -q 'received 27 January'; then fail "a report received after the day is listed"; else ok; fi
expect_eq "$(section "$BODY" | tail -n 1)" \
'<p>This page keeps only the latest 20 reports, so some received by 26 January 2023 may be missing here. Every current report dated up to 26 January 2023, as CSV: <a href="/api/v1/reports.csv?kind=trucks&amp;corridor=lachin&amp;to=2023-01-26">Truck count</a> · <a href="/api/v1/reports.csv?kind=shortage&amp;corridor=lachin&amp;to=2023-01-26">Shortage</a> · <a href="/api/v1/reports.csv?kind=disruption&amp;corridor=lachin&amp;to=2023-01-26">Service disruption</a> · <a href="/api/v1/reports.csv?kind=access&amp;corridor=lachin&amp;to=2023-01-26">Access change</a>.</p>' \
	"older ones may exist: said, with the exports up to that day"
# The links answer.
req GET "/api/v1/reports.csv?kind=trucks&corridor=lachin&to=2023-01-26"
expect_status 200 "the export a link names"
req GET "/corridors/lachin?as_of=2023-01-10"
expect_eq "$(rows "$BODY" | wc -l)" "0" "as of 10 January: nothing the snapshot holds had come"
expect_eq "$(section "$BODY" | sed -n '2,$p' | sed 's/ as CSV: .*//')" "<p>This page keeps only the latest 20 reports, so some received by 10 January 2023 may be missing here. Every current report dated up to 10 January 2023," "only that some may be missing"
expect_contains "$BODY" 'href="/api/v1/reports.csv?kind=access&amp;corridor=lachin&amp;to=2023-01-10"' "and the exports up to that day"
# A corridor whose every current report the snapshot holds: no export sentence.
req GET "/corridors/rafah?as_of=$(sql "SELECT (now() AT TIME ZONE 'Asia/Gaza')::date - 1")"
expect_eq "$(section "$BODY" | grep -c 'may be missing')" "0" "nothing older exists: no export sentence"
expect_eq "$(rows "$BODY" | wc -l)" "0" "rafah's one report came today"
expect_eq "$(section "$BODY" | sed -n 2p)" "<p>None received by the end of $(sql "SELECT to_char((now() AT TIME ZONE 'Asia/Gaza')::date - 1, 'FMDD FMMonth YYYY')").</p>" "said so"

# --- the front page is unchanged: no such section ------------------------------------------------
req GET /
expect_eq "$(grep -c 'Latest reports\|</bdi>, received \|evidence: ' "$BODY")" "0" "the front page lists no reports"
req GET /?as_of=2023-01-26
expect_eq "$(grep -c 'Latest reports' "$BODY")" "0" "nor as of a day"

# --- twenty long hostile reports stay under 100 KB ---------------------------------------------------
req GET /corridors/rafah
before=$(wc -c <"$BODY")
LONG_TEXT=$(printf '"<'"'"'&%.0s' $(seq 1 50))				# 200 characters, each escaped to 4-6 bytes
LONG_NOTE=$(printf '<script>alert("x")</script>"'"'"'&%.0s' $(seq 1 125))	# 4,000 characters
# One address too long to link (2,025 bytes, 5,025 as escaped), the others
# just short enough (1,024 bytes as escaped: the most linked, a quote and
# markup among them); sent by an organisation whose name is as long and
# hostile as a name can be (the operator's text, 200 characters).
swcli org add ngo-x "$LONG_TEXT" >/dev/null
TOKEN_X=$(swcli token issue ngo-x | tail -n 1)
LONG_URL="https://evidence.example/$(printf '&"<>%.0s' $(seq 1 500))"
LINK_URL="https://evidence.example/$(printf 'a%.0s' $(seq 1 972))?q=\"><script>"
H=()
for i in $(seq 1 20); do
	u=$LONG_URL
	[ "$i" -gt 1 ] && u=$LINK_URL
	H+=("$(report --arg id "$(uuid)" --arg t "$LONG_TEXT" --arg n "$LONG_NOTE" --arg u "$u" \
		'{kind:"shortage",report_id:$id,corridor:"rafah",date:"2024-05-02",item:$t,location:$t,severity:"severe",note:$n,source_url:$u}')")
done
# Too long for one argument: the body from a file.
(IFS=,; echo "{\"reports\":[${H[*]}]}") >"$WORK/hostile.json"
req POST /api/v1/reports -H "Content-Type: application/json" -H "Authorization: Bearer $TOKEN_X" --data-binary "@$WORK/hostile.json"
expect_status 201 "twenty long hostile reports"
wait_snapshot
req GET /corridors/rafah
after=$(wc -c <"$BODY")
cp "$BODY" "$WORK/rafah-hostile.html"
echo "     rafah page: $before bytes before the hostile reports, $after after"
if [ "$after" -lt 102400 ]; then ok; else fail "the page with twenty hostile reports is $after bytes"; fi
expect_eq "$(rows "$BODY" | wc -l)" "20" "twenty hostile reports listed"
if section "$BODY" | grep -q '<script\|<img'; then fail "hostile text became markup"; else ok; fi
# Each text cut at a character boundary with an ellipsis; the address linked
# when it is short enough, else its host shown unlinked.
expect_eq "$(rows "$BODY" | sort -u | wc -l)" "2" "the twenty render in two ways"
expect_eq "$(rows "$BODY" | grep -c ' · evidence: <bdi>evidence.example</bdi></small>')" "1" "a long address: its host, unlinked"
expect_eq "$(rows "$BODY" | grep -c " · evidence: <a href=\"https://evidence.example/$(printf 'a%.0s' $(seq 1 972))?q=&quot;&gt;&lt;script&gt;\" rel=\"nofollow noopener\"><bdi>evidence.example</bdi></a></small>")" "19" "a shorter one: linked, escaped"
item=$(rows "$BODY" | head -n 1 | sed 's/^<li><strong>Shortage<\/strong>: <span class="badge v3">SEVERE<\/span> <bdi>\([^/]*\)<\/bdi> in .*/\1/')
expect_eq "$item" "$(printf '&quot;&lt;&#39;&amp;%.0s' $(seq 1 15))…" "a hostile item cut to 3 bytes a character, whole characters, an ellipsis"
note=$(rows "$BODY" | head -n 1 | sed 's/.*Note: <bdi>\(.*\)<\/bdi><\/small><\/li>$/\1/')
expect_eq "$(printf '%s' "$note" | tail -c 3)" "…" "the note ends with an ellipsis"
note_bytes=$(printf '%s' "$note" | wc -c)
if [ "$note_bytes" -le 603 ]; then ok; else fail "the note takes $note_bytes bytes"; fi
req GET "/corridors/rafah?lang=ar"
size_ar=$(wc -c <"$BODY")
echo "     rafah page in Arabic: $size_ar bytes"
if [ "$size_ar" -lt 102400 ]; then ok; else fail "the Arabic page with twenty hostile reports is $size_ar bytes"; fi
sw_stop
