#!/bin/bash
# The corridor's timeline (issue 17): blockades, status changes, a
# crossing's access, service cuts and shortage severities, each with the
# organisations that reported it and their evidence; the same events as
# JSON (GET /api/v1/corridors/{id}/events, paged by ?before=) and as the
# Atom feed's entries.  A retracted report leaves the timeline, a corrected
# one shows its latest version; ?as_of= shows nothing after that day;
# hostile text and addresses stay text; bad arguments get a 400 and change
# nothing.
. "$(dirname "$0")/../lib.sh"
sw_setup
sw_start
swcli org add ngo-b 'NGO "B" & <Co>' >/dev/null
TOKEN_B=$(swcli token issue ngo-b | tail -n 1)

report() { jq -nc "$@"; }
batch() {
	local tok=$1 what=$2
	shift 2
	post_json /api/v1/reports "{\"reports\":[$(IFS=,; echo "$*")]}" "$tok"
	expect_status 201 "$what"
}
# events QUERY: the events JSON, one line an event: kind when from>to [org url ...]
events() {
	req GET "/api/v1/corridors/lachin/events$1"
	expect_status 200 "the events $1"
	jq -r '.events[] | [.kind, (.at // .date), ((.from // "-") + ">" + (.to // "-")),
		(.sources | map(.organisation + " " + (.source_url // "-")) | join(" | "))] | join("  ")' "$BODY"
}

HOSTILE_URL='https://trusted.example@evil.example:8443/p?"><script>alert(1)</script>'
ITEM='<b>Flour</b> & "co"'
W1=$(uuid) W2=$(uuid) BREAD=$(uuid)

batch "$TOKEN" "NGO A's reports" \
	"$(report '{kind:"trucks",report_id:"'"$(uuid)"'",corridor:"lachin",date:"2023-01-01",trucks:400,source_url:"https://example.org/count/1"}')" \
	"$(report '{kind:"trucks",report_id:"'"$(uuid)"'",corridor:"lachin",date:"2023-01-02",trucks:5}')" \
	"$(report '{kind:"trucks",report_id:"'"$(uuid)"'",corridor:"lachin",date:"2023-01-03",trucks:5}')" \
	"$(report '{kind:"access",report_id:"'"$(uuid)"'",corridor:"lachin",status:"blocked",at:"2023-01-02T10:00:00+04:00",crossing:"Hakari bridge",source_url:"https://example.org/closed?a=1&b=2"}')" \
	"$(report '{kind:"access",report_id:"'"$(uuid)"'",corridor:"lachin",status:"open",at:"2023-01-04T09:30:00+04:00",crossing:"Hakari bridge"}')" \
	"$(report '{kind:"disruption",report_id:"'"$(uuid)"'",corridor:"lachin",service:"gas",location:"Stepanakert",started_at:"2023-01-03T08:00:00+04:00",ended_at:"2023-01-05T12:30:00+04:00",people_affected:1000,source_url:"https://example.org/gas"}')" \
	"$(report --arg item "$ITEM" '{kind:"shortage",report_id:"'"$(uuid)"'",corridor:"lachin",date:"2023-01-03",item:$item,location:"Stepanakert",severity:"critical"}')" \
	"$(report --arg id "$BREAD" '{kind:"shortage",report_id:$id,corridor:"lachin",date:"2023-01-03",item:"bread",severity:"low"}')"
batch "$TOKEN_B" "NGO B's reports" \
	"$(report '{kind:"trucks",report_id:"'"$(uuid)"'",corridor:"lachin",date:"2023-01-02",trucks:6}')" \
	"$(report --arg url "$HOSTILE_URL" '{kind:"access",report_id:"'"$(uuid)"'",corridor:"lachin",status:"blocked",at:"2023-01-02T10:00:00+04:00",crossing:"Hakari bridge",source_url:$url}')" \
	"$(report '{kind:"disruption",report_id:"'"$(uuid)"'",corridor:"lachin",service:"gas",location:"Stepanakert",started_at:"2023-01-03T08:00:00+04:00",people_affected:1500}')" \
	"$(report --arg item "$ITEM" '{kind:"shortage",report_id:"'"$(uuid)"'",corridor:"lachin",date:"2023-01-02",item:$item,location:"Stepanakert",severity:"severe",source_url:"https://reliefweb.int/report/x"}')" \
	"$(report --arg id "$W1" '{kind:"shortage",report_id:$id,corridor:"lachin",date:"2023-01-04",item:"water",severity:"moderate"}')"
post_json /api/v1/reports "$(report --arg id "$W2" --arg old "$W1" '{kind:"shortage",report_id:$id,corridor:"lachin",date:"2023-01-04",item:"water",severity:"severe",supersedes:$old}')" "$TOKEN_B"
expect_status 201 "a correction"
post_json "/api/v1/reports/$BREAD/retract" '{"reason":"wrong corridor"}'
expect_status 201 "a retraction"
wait_snapshot

# --- the events, exactly ---------------------------------------------------------------------
EXPECTED='disruption-ended  2023-01-05T08:30:00Z  ->-  ngo-a https://example.org/gas
crossing  2023-01-04T05:30:00Z  blocked>open  ngo-a -
blockade-ended  2023-01-04  ->-  ngo-a -
status  2023-01-04  blocked>open  ngo-a -
shortage  2023-01-04  ->severe  ngo-b -
disruption-began  2023-01-03T04:00:00Z  ->-  ngo-a https://example.org/gas | ngo-b -
shortage  2023-01-03  severe>critical  ngo-a -
crossing  2023-01-02T06:00:00Z  ->blocked  ngo-a https://example.org/closed?a=1&b=2 | ngo-b '"$HOSTILE_URL"'
blockade-began  2023-01-02  ->-  ngo-a https://example.org/closed?a=1&b=2 | ngo-b '"$HOSTILE_URL"'
status  2023-01-02  open>blocked  ngo-a https://example.org/closed?a=1&b=2 | ngo-b '"$HOSTILE_URL"'
shortage  2023-01-02  ->severe  ngo-b https://reliefweb.int/report/x'
expect_eq "$(events "")" "$EXPECTED" "the timeline: newest first, merged, the retracted bread gone, the corrected water severe"
expect_json '.next' 'null' "one page holds them all"
expect_json '.events[0] | [.id, .local, .started_at, .ended_at, .people_affected, .location]' \
	'["tag:supplywatch,2022:lachin/disruption-ended/2023-01-05T08:30:00Z/gas/8d583855","2023-01-05T12:30:00+04:00","2023-01-03T04:00:00Z","2023-01-05T08:30:00Z",1000,"Stepanakert"]' \
	"a cut's end, in UTC and in the corridor's zone"
expect_json '.events[5].people_affected' '1500' "two organisations' start of one cut: the larger count"
expect_json '.events[2] | [.first_day, .last_day, .days, .ongoing, .basis]' '["2023-01-02","2023-01-03",2,false,"declared"]' "the blockade that ended"
expect_json '.events[6] | [.item, .location, .from, .to, .at, .date]' "[$(jq -nc --arg i "$ITEM" '$i'),\"Stepanakert\",\"severe\",\"critical\",null,\"2023-01-03\"]" "a shortage's change, dated"
expect_json '.events[7] | [.id, .crossing, .sources[1].name]' '["tag:supplywatch,2022:lachin/crossing/2023-01-02T06:00:00Z/24639de0","Hakari bridge","NGO \"B\" & <Co>"]' "a crossing's closure, its id as in stage one"
ALL_IDS=$(jq -r '.events[].id' "$BODY")
expect_eq "$(echo "$ALL_IDS" | sort | uniq -d)" "" "no two events share an id"

# --- paging ----------------------------------------------------------------------------------------
walked="" query="?limit=4" pages=0
while :; do
	page=$(events "$query")
	walked="$walked${walked:+$'\n'}$page"
	pages=$((pages + 1))
	expect_eq "$(printf '%s\n' "$page" | wc -l)" "$([ $pages -lt 3 ] && echo 4 || echo 3)" "page $pages's size"
	next=$(jq -r '.next // empty' "$BODY")
	[ -z "$next" ] && break
	[ $pages -ge 5 ] && { fail "paging does not end"; break; }
	query="?limit=4&before=$next"
done
expect_eq "$pages" "3" "eleven events in pages of four"
expect_eq "$walked" "$EXPECTED" "the pages walk every event once, in order"
events "?limit=4" >/dev/null
NEXT=$(jq -r .next "$BODY")
expect_eq "$NEXT" "1672790400.2.0000000000000000" "the cursor names the last event (at, kind, key)"

# --- as_of: nothing after that day ---------------------------------------------------------------
expect_eq "$(events "?as_of=2023-01-03")" 'disruption-began  2023-01-03T04:00:00Z  ->-  ngo-a https://example.org/gas | ngo-b -
shortage  2023-01-03  severe>critical  ngo-a -
crossing  2023-01-02T06:00:00Z  ->blocked  ngo-a https://example.org/closed?a=1&b=2 | ngo-b '"$HOSTILE_URL"'
blockade-began  2023-01-02  ->-  ngo-a https://example.org/closed?a=1&b=2 | ngo-b '"$HOSTILE_URL"'
status  2023-01-02  open>blocked  ngo-a https://example.org/closed?a=1&b=2 | ngo-b '"$HOSTILE_URL"'
shortage  2023-01-02  ->severe  ngo-b https://reliefweb.int/report/x' "the timeline as of 3 January 2023"
expect_json '[.as_of, .events[3].ongoing, .events[3].days, .events[3].last_day]' '["2023-01-03",true,2,null]' "the blockade as it stood then"

# --- bad arguments ---------------------------------------------------------------------------------
for q in "before=" "before=x" "before=1672704000.2" "before=1672704000.9.0000000000000000" "before=1672704000.2.000000000000000G" "before=%201672704000.2.0000000000000000"; do
	req GET "/api/v1/corridors/lachin/events?$q"
	expect_status 400 "?$q"
	expect_json .error '"before must be a cursor as an earlier page'"'"'s \"next\" gives it"' "?$q says why"
done
for q in "limit=0" "limit=501" "limit=x" "limit=" "limit=-1" "limit=1e2" "limit=99999999999999999999"; do
	req GET "/api/v1/corridors/lachin/events?$q"
	expect_status 400 "?$q"
	expect_json .error '"limit must be a whole number from 1 to 500"' "?$q says why"
done
req GET "/api/v1/corridors/lachin/events?as_of=2999-01-01"
expect_status 400 "as_of in the future"
req GET "/api/v1/corridors/nowhere/events"
expect_status 404 "an unknown corridor"
req GET "/corridors/lachin?before=nonsense"
expect_status 400 "the page with a bad cursor"
req GET "/api/v1/corridors/lachin/events?limit=500"
expect_json '.events | length' '11' "limit 500 is allowed"

# --- the page ------------------------------------------------------------------------------------------
# timeline FILE: the timeline's items, one a line.
timeline() { sed -n '/<h3 id="timeline">/,/<h3>Latest reports/p' "$1" | grep '^<li>'; }
req GET /corridors/lachin
expect_status 200 "the corridor page"
cp "$BODY" "$WORK/page1.html"
expect_eq "$(timeline "$BODY" | wc -l)" "11" "eleven events on the page"
expect_eq "$(timeline "$BODY" | sed -n 8p)" '<li><time datetime="2023-01-02T10:00:00+04:00">2 January 2023, 10:00 (UTC+04:00)</time><br><strong><bdi>Hakari bridge</bdi> (<bdi>Lachin corridor</bdi>): crossing closed</strong><br><small>Reported by <bdi>NGO A</bdi> (evidence: <a href="https://example.org/closed?a=1&amp;b=2" rel="nofollow noopener"><bdi>example.org</bdi></a>), <bdi>NGO &quot;B&quot; &amp; &lt;Co&gt;</bdi> (evidence: <a href="https://trusted.example@evil.example:8443/p?&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" rel="nofollow noopener"><bdi>evil.example</bdi></a>).</small></li>' \
	"the closure: local time, both organisations escaped, each evidence by its host"
expect_eq "$(timeline "$BODY" | sed -n 7p)" '<li><time datetime="2023-01-03">3 January 2023</time><br><strong>Shortage of <bdi>&lt;b&gt;Flour&lt;/b&gt; &amp; &quot;co&quot;</bdi> in <bdi>Stepanakert</bdi>: CRITICAL, was SEVERE</strong><br><small>Reported by <bdi>NGO A</bdi>.</small></li>' \
	"a shortage's change, its item escaped"
expect_eq "$(timeline "$BODY" | sed -n 4p)" '<li><time datetime="2023-01-04">4 January 2023</time><br><strong><bdi>Lachin corridor</bdi>: status changed from blocked to open</strong><br><small>Reported by <bdi>NGO A</bdi>. Status declared by access reports.</small></li>' \
	"a status change and how it was decided"
expect_eq "$(grep -c '<script' "$BODY")" "0" "no markup from reports"
expect_eq "$(grep -c 'before=' "$BODY")" "0" "one page: no paging links"

# --- the feed: the same events -----------------------------------------------------------------------
req GET /feed.atom
expect_status 200 "the feed"
expect_eq "$(xmllint --noout "$BODY" 2>&1)" "" "the feed is well-formed XML"
expect_eq "$(grep -o '<id>tag:supplywatch,2022:lachin/[^<]*</id>' "$BODY" | sed 's|</\?id>||g')" "$ALL_IDS" "the feed's entries are the timeline's events, in order"
expect_contains "$BODY" '<title>Shortage of &lt;b&gt;Flour&lt;/b&gt; &amp; &quot;co&quot; in Stepanakert: SEVERE</title>' "a shortage entry's title"
expect_contains "$BODY" '<link rel="related" href="https://reliefweb.int/report/x"/>' "its evidence, a related link"
expect_contains "$BODY" '<link rel="related" href="https://trusted.example@evil.example:8443/p?&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"/>' "a hostile address, escaped"
expect_contains "$BODY" '<summary>From 2 January 2023, 10:00 (UTC+04:00) the crossing was blocked, by an access report. Reported by NGO A, NGO &quot;B&quot; &amp; &lt;Co&gt;.</summary>' "who reported it, escaped"

# --- an unchanged corridor's timeline carries over to the next snapshot --------------------------------
batch "$TOKEN" "an access report for Rafah" "$(report --arg id "$(uuid)" '{kind:"access",report_id:$id,corridor:"rafah",status:"blocked",at:"2024-05-07T08:00:00+03:00",crossing:"Rafah",source_url:"https://example.org/rafah"}')"
wait_snapshot
req GET /api/v1/corridors/rafah/events
RAFAH=$(jq -c '[.events[] | [.kind, .at, .to, .sources[0].source_url]]' "$BODY")
expect_eq "$RAFAH" '[["crossing","2024-05-07T05:00:00Z","blocked","https://example.org/rafah"],["blockade-began",null,null,"https://example.org/rafah"]]' "Rafah's events: the crossing closed, a blockade declared"

# --- more than a page: plain links, as_of kept -------------------------------------------------------
B=()
for i in $(seq -w 1 25); do
	B+=("$(report --arg id "$(uuid)" --arg item "item $i" '{kind:"shortage",report_id:$id,corridor:"lachin",date:"2023-01-10",item:$item,severity:"low",location:"Goris"}')")
done
batch "$TOKEN" "twenty-five shortages on one day" "${B[@]}"
wait_snapshot
req GET "/api/v1/corridors/lachin/events"
expect_json '[(.events | length), .next, ([.events[].kind] | unique)]' '[36,null,["blockade-began","blockade-ended","crossing","disruption-began","disruption-ended","shortage","status"]]' "thirty-six events in one default page"
req GET "/api/v1/corridors/lachin/events?limit=20"
CUR=$(jq -r .next "$BODY")
expect_eq "$(echo "$CUR" | cut -d. -f1-2)" "1673308800.6" "the twentieth event is one of 10 January's shortages"
req GET /corridors/lachin
expect_eq "$(timeline "$BODY" | wc -l)" "20" "twenty events on the page"
expect_eq "$(grep -o '<p><a href="[^"]*" rel="next">Earlier events</a></p>' "$BODY")" "<p><a href=\"/corridors/lachin?before=$CUR#timeline\" rel=\"next\">Earlier events</a></p>" "a plain link to the earlier events"
expect_eq "$(($(wc -c <"$BODY") < 100000))" "1" "the page stays under 100 KB ($(wc -c <"$BODY") bytes)"
req GET "/corridors/lachin?before=$CUR"
expect_status 200 "the second page"
expect_eq "$(timeline "$BODY" | wc -l)" "16" "the other sixteen"
expect_eq "$(timeline "$BODY" | tail -n 11)" "$(timeline "$WORK/page1.html")" "ending with the eleven of before"
expect_eq "$(grep -c 'rel="next"' "$BODY")" "0" "no earlier page"
expect_contains "$BODY" '<p><a href="/corridors/lachin#timeline">Latest events</a></p>' "a link back to the latest"
# As of 3 January: six events, and the links keep the date.
req GET "/corridors/lachin?as_of=2023-01-03"
expect_eq "$(timeline "$BODY" | wc -l)" "6" "as of 3 January 2023: six events"
expect_contains "$BODY" '<p>Up to the end of 3 January 2023, newest first:' "the caption says the date"
expect_eq "$(grep -c 'Gas disruption in <bdi>Stepanakert</bdi> ended' "$BODY")" "0" "a cut ended later is not yet over"
req GET "/corridors/lachin?as_of=2023-01-10"
AS_CUR=$(grep -o 'before=[^"#&]*' "$BODY" | head -n 1 | cut -d= -f2)
expect_eq "$AS_CUR" "$CUR" "as of 10 January, the same first page"
expect_contains "$BODY" "<a href=\"/corridors/lachin?before=$CUR&amp;as_of=2023-01-10#timeline\" rel=\"next\">" "the link keeps as_of"
req GET "/corridors/lachin?as_of=2023-01-10&before=$CUR"
expect_contains "$BODY" '<a href="/corridors/lachin?as_of=2023-01-10#timeline">Latest events</a>' "and so does the way back"
expect_eq "$(timeline "$BODY" | wc -l)" "16" "the second page as of 10 January"
# Past the oldest event.
req GET "/corridors/lachin?before=1.0.0000000000000000"
expect_contains "$BODY" '<p>No earlier events.</p>' "a page past the oldest says so"
req GET /
expect_eq "$(grep -c 'id="timeline"' "$BODY")" "0" "the front page has no timeline"
# Rafah did not change since: the same events, from the timeline the snapshots share.
req GET /api/v1/corridors/rafah/events
expect_eq "$(jq -c '[.events[] | [.kind, .at, .to, .sources[0].source_url]]' "$BODY")" "$RAFAH" "Rafah's timeline after Lachin changed"
req GET /feed.atom
expect_contains "$BODY" '<title>Rafah (Rafah crossing): crossing closed</title>' "and its entry in the feed"
